"""Closing the studio on public holidays, as the `holidays` package knows them.

A closure is a whole-studio time off (`TimeOff` without a therapist) from
the holiday's local midnight to the next, so the availability engine and
the booking services refuse the day like any other closure. Closing is
safe to run again: a holiday already closed is left as it is. Staff who
open on a holiday after all delete its time off; nothing closes it again
unless someone runs the closing again.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
from django.conf import settings
from django.db import transaction

from booking.models import LONGEST_HOLD, Appointment, TimeOff


@dataclass(frozen=True)
class Closure:
    """A holiday the studio closed on, and what was already booked on it."""

    day: date
    name: str
    time_off: TimeOff
    booked: list[Appointment]


def public_holidays(region: str, start: date, end: date) -> list[tuple[date, str]]:
    """The holidays of `region` ("DE", "DE-BE") from `start` to `end` inclusive, in order.

    Raises ValueError for a region the `holidays` package does not know.
    """
    country, _, subdivision = region.upper().partition("-")
    try:
        calendar = holidays.country_holidays(
            country,
            subdiv=subdivision or None,
            years=range(start.year, end.year + 1),
            language="en_US",
        )
    except NotImplementedError as unknown:
        raise ValueError(f"No public holidays are known for {region!r}.") from unknown
    return sorted((day, name) for day, name in calendar.items() if start <= day <= end)


@transaction.atomic
def close_on_public_holidays(*, region: str, start: date, end: date) -> list[Closure]:
    """Close the studio on each holiday of `region` from `start` to `end` not closed yet.

    Returns the closures made, each with the active appointments already
    booked on its day: they stay booked, for staff to move or cancel.
    """
    zone = ZoneInfo(settings.STUDIO_TIME_ZONE)
    closures = []
    for day, name in public_holidays(region, start, end):
        start_at = datetime.combine(day, time(0), tzinfo=zone)
        end_at = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
        closed, made = TimeOff.objects.get_or_create(
            therapist=None, start_at=start_at, end_at=end_at, defaults={"reason": name}
        )
        if not made:
            continue
        booked = list(
            Appointment.objects.filter(
                status__in=Appointment.ACTIVE_STATUSES,
                start_at__lt=end_at,
                start_at__gt=start_at - LONGEST_HOLD,
                blocked_until__gt=start_at,
            )
            .select_related("therapist", "offering")
            .order_by("start_at", "id")
        )
        closures.append(Closure(day=day, name=name, time_off=closed, booked=booked))
    return closures
