"""The availability engine: which start times are free, and for whom.

A start time is offered for a therapist when
- it falls on the studio's grid of local time (every STUDIO_SLOT_STEP_MINUTES),
- the massage fits inside one of the therapist's working intervals that day,
- it is at least the minimum notice ahead and within the booking horizon,
- neither the therapist nor the studio has time off then, and the therapist
  has no active appointment whose time (buffer included) overlaps this
  one's time plus its buffer,
- and for every resource kind the offering needs, one resource of that kind
  is free for the same time.

The engine loads everything for a date range in a fixed number of queries
(see `load_schedule`) and then works on sorted, merged intervals in memory,
so a month costs the same handful of queries as a day. Inside, times are
whole seconds since the epoch: comparing integers is several times faster
than comparing aware datetimes, and a month holds thousands of candidate
starts. Busy intervals are widened to whole seconds (start down, end up),
so rounding can only make a slot less free, never double-book. The booking service
checks a requested time with the very same functions (`refusal`), so every
slot offered can be booked and every booking refused was not offered.
"""

from __future__ import annotations

import bisect
import math
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.db.models import BigIntegerField, Func, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from booking import errors
from booking.models import Allocation, Appointment, Resource, Therapist, TimeOff
from catalog.models import Offering
from catalog.selectors import is_bookable


@dataclass(frozen=True)
class Rules:
    zone: ZoneInfo
    min_notice: timedelta
    horizon: timedelta
    step: timedelta

    @classmethod
    def from_settings(cls) -> Rules:
        return cls(
            zone=ZoneInfo(settings.STUDIO_TIME_ZONE),
            min_notice=timedelta(minutes=settings.STUDIO_MIN_NOTICE_MINUTES),
            horizon=timedelta(days=settings.STUDIO_HORIZON_DAYS),
            step=timedelta(minutes=settings.STUDIO_SLOT_STEP_MINUTES),
        )

    def local_midnight(self, day: date) -> datetime:
        return datetime.combine(day, time(0), tzinfo=self.zone).astimezone(UTC)

    def is_on_grid(self, moment: datetime) -> bool:
        local = moment.astimezone(self.zone)
        minutes = local.hour * 60 + local.minute
        step_minutes = int(self.step.total_seconds() // 60)
        return local.second == 0 and local.microsecond == 0 and minutes % step_minutes == 0


UTC = ZoneInfo("UTC")


def seconds(moment: datetime) -> int:
    """An aware datetime as whole seconds since the epoch (exact for starts on the grid)."""
    return math.floor(moment.timestamp())


def _busy_span(start: datetime, end: datetime) -> tuple[int, int]:
    return math.floor(start.timestamp()), math.ceil(end.timestamp())


class EpochSeconds(Func):
    """A timestamp as whole seconds since the epoch, rounded down or up, in SQL.

    A month's schedule holds thousands of timestamps; PostgreSQL hands
    them over as integers far faster than the driver builds aware
    datetimes. Elsewhere `_spans` converts in Python, with the same
    rounding.
    """

    output_field = BigIntegerField()

    def __init__(self, expression: str, *, up: bool = False) -> None:
        self.rounding = "CEIL" if up else "FLOOR"
        super().__init__(expression)

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler,
            connection,
            template=f"{self.rounding}(EXTRACT(EPOCH FROM %(expressions)s))::bigint",
            **extra,
        )


def _spans(query: QuerySet[Any], *fields: str, start: str, end: str) -> Iterable[tuple[Any, ...]]:
    """Rows of `fields` followed by the busy span [start, end) in epoch seconds."""
    if connection.vendor == "postgresql":
        return query.values_list(*fields, EpochSeconds(start), EpochSeconds(end, up=True))
    return (
        (*row[:-2], *_busy_span(row[-2], row[-1])) for row in query.values_list(*fields, start, end)
    )


class Intervals:
    """Half-open [start, end) intervals in epoch seconds, merged and sorted."""

    def __init__(self, spans: Iterable[tuple[int, int]] = ()) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []
        for start, end in sorted(spans):
            if self.ends and start <= self.ends[-1]:
                self.ends[-1] = max(self.ends[-1], end)
            else:
                self.starts.append(start)
                self.ends.append(end)

    def overlaps(self, start: int, end: int) -> bool:
        # Only the last interval starting before `end` can overlap, since
        # merged intervals are disjoint and sorted.
        index = bisect.bisect_left(self.starts, end) - 1
        return index >= 0 and self.ends[index] > start


@dataclass
class Schedule:
    """Everything the rules need for one offering over one window, loaded at once."""

    offering: Offering
    therapists: list[Therapist]
    hours: dict[int, dict[int, list[tuple[time, time]]]]
    # Per therapist: their appointments, their time off and the studio's
    # closures, merged.
    busy: dict[int, Intervals]
    kinds: list[int]
    resources_by_kind: dict[int, list[int]]
    resource_busy: dict[int, Intervals] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.duration = timedelta(minutes=self.offering.duration_minutes)
        self.buffer = timedelta(minutes=self.offering.buffer_minutes)
        # What a booking starting at t blocks: [t, t + blocked).
        self.duration_seconds = int(self.duration.total_seconds())
        self.blocked_seconds = int((self.duration + self.buffer).total_seconds())


@dataclass(frozen=True)
class Slot:
    start_at: datetime
    end_at: datetime
    therapist_ids: tuple[int, ...]


def load_schedule(
    *,
    offering: Offering,
    window_start: datetime,
    window_end: datetime,
    therapist_id: int | None = None,
    ignore_appointment: UUID | None = None,
) -> Schedule:
    """Load the schedule of every qualified therapist for starts in the window.

    Seven queries whatever the window: therapists, their working hours, time
    off, appointments, the offering's resource kinds, the resources, and
    their allocations. `ignore_appointment` leaves one appointment out, so
    a reschedule may move into time its own old booking blocks.
    """
    reach = window_end + timedelta(minutes=offering.duration_minutes + offering.buffer_minutes)
    therapists_query = (
        Therapist.objects.filter(is_active=True, massage_types=offering.massage_type_id)
        .prefetch_related("working_hours")
        .order_by("id")
    )
    if therapist_id is not None:
        therapists_query = therapists_query.filter(id=therapist_id)
    therapists = list(therapists_query)
    therapist_ids = [therapist.id for therapist in therapists]

    hours: dict[int, dict[int, list[tuple[time, time]]]] = {}
    for therapist in therapists:
        by_day: dict[int, list[tuple[time, time]]] = defaultdict(list)
        for interval in therapist.working_hours.all():
            by_day[interval.weekday].append((interval.start_time, interval.end_time))
        hours[therapist.id] = {day: sorted(spans) for day, spans in by_day.items()}

    spans: dict[int, list[tuple[int, int]]] = defaultdict(list)
    closures: list[tuple[int, int]] = []
    time_off = TimeOff.objects.filter(
        Q(therapist_id__in=therapist_ids) | Q(therapist__isnull=True),
        start_at__lt=reach,
        end_at__gt=window_start,
    )
    for owner, start, end in _spans(time_off, "therapist_id", start="start_at", end="end_at"):
        (closures if owner is None else spans[owner]).append((start, end))

    appointments = Appointment.objects.filter(
        therapist_id__in=therapist_ids, start_at__lt=reach, blocked_until__gt=window_start
    ).exclude(status=Appointment.Status.CANCELLED)
    for appointment_id, owner, start, end in _spans(
        appointments, "id", "therapist_id", start="start_at", end="blocked_until"
    ):
        if appointment_id != ignore_appointment:
            spans[owner].append((start, end))

    kinds = sorted(offering.resource_kinds.values_list("id", flat=True))
    resources_by_kind: dict[int, list[int]] = {kind: [] for kind in kinds}
    resource_spans: dict[int, list[tuple[int, int]]] = {}
    if kinds:
        for resource_id, kind_id in (
            Resource.objects.filter(kind_id__in=kinds, is_active=True)
            .order_by("id")
            .values_list("id", "kind_id")
        ):
            resources_by_kind[kind_id].append(resource_id)
            resource_spans[resource_id] = []
        allocations = Allocation.objects.filter(
            resource_id__in=list(resource_spans),
            is_active=True,
            start_at__lt=reach,
            blocked_until__gt=window_start,
        )
        for appointment_id, resource_id, start, end in _spans(
            allocations, "appointment_id", "resource_id", start="start_at", end="blocked_until"
        ):
            if appointment_id != ignore_appointment:
                resource_spans[resource_id].append((start, end))

    return Schedule(
        offering=offering,
        therapists=therapists,
        hours=hours,
        busy={
            therapist_id: Intervals([*spans[therapist_id], *closures])
            for therapist_id in therapist_ids
        },
        kinds=kinds,
        resources_by_kind=resources_by_kind,
        resource_busy={rid: Intervals(found) for rid, found in resource_spans.items()},
    )


def candidate_starts(
    schedule: Schedule, rules: Rules, therapist_id: int, day: date
) -> Iterator[int]:
    """Starts on the grid at which the massage fits in the therapist's hours that day.

    Each working interval is turned into UTC for this date, so a day on
    which the clocks change has exactly the hours it has on the wall.
    Stepping in UTC from a start on the local grid stays on it, because
    the step divides the hour (the settings insist) and clocks change by
    whole hours.
    """
    duration = schedule.duration_seconds
    step = int(rules.step.total_seconds())
    for start_time, end_time in schedule.hours[therapist_id].get(day.weekday(), []):
        opens = datetime.combine(day, start_time, tzinfo=rules.zone).astimezone(UTC)
        closes = seconds(datetime.combine(day, end_time, tzinfo=rules.zone))
        yield from range(seconds(_first_on_grid(opens, rules)), closes - duration + 1, step)


def _first_on_grid(moment: datetime, rules: Rules) -> datetime:
    local = moment.astimezone(rules.zone)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    step = int(rules.step.total_seconds())
    since = int((local.replace(tzinfo=None) - midnight.replace(tzinfo=None)).total_seconds())
    late = since % step
    return moment if late == 0 else moment + timedelta(seconds=step - late)


def is_therapist_free(schedule: Schedule, therapist_id: int, start: int) -> bool:
    return not schedule.busy[therapist_id].overlaps(start, start + schedule.blocked_seconds)


def free_resources(schedule: Schedule, start: int) -> list[int] | None:
    """One free resource of every needed kind (the lowest id), or None if a kind has none."""
    blocked_until = start + schedule.blocked_seconds
    chosen = []
    for kind in schedule.kinds:
        free = next(
            (
                resource_id
                for resource_id in schedule.resources_by_kind[kind]
                if not schedule.resource_busy[resource_id].overlaps(start, blocked_until)
            ),
            None,
        )
        if free is None:
            return None
        chosen.append(free)
    return chosen


def bookable_window(rules: Rules, now: datetime) -> tuple[datetime, datetime]:
    """The earliest and the latest start anyone may book at `now`."""
    return now + rules.min_notice, now + rules.horizon


def available_slots(
    *,
    offering: Offering,
    start_on: date,
    end_on: date,
    therapist_id: int | None = None,
    now: datetime | None = None,
    ignore_appointment: UUID | None = None,
) -> list[Slot]:
    """The free starts of an offering between two local dates, both included.

    Only the days that hold a bookable start are looked at: the range is
    cut to the local dates of the bookable window first, so a range far
    in the past or the future (up to year 1 or 9999) costs nothing and
    never reaches date arithmetic that would overflow.
    """
    rules = Rules.from_settings()
    now = now or timezone.now()
    earliest, latest = bookable_window(rules, now)
    start_on = max(start_on, earliest.astimezone(rules.zone).date())
    end_on = min(end_on, latest.astimezone(rules.zone).date())
    if start_on > end_on:
        return []
    window_start = max(rules.local_midnight(start_on), earliest)
    window_end = min(
        rules.local_midnight(end_on + timedelta(days=1)), latest + timedelta(seconds=1)
    )
    if not is_bookable(offering) or window_start >= window_end:
        return []
    schedule = load_schedule(
        offering=offering,
        window_start=window_start,
        window_end=window_end,
        therapist_id=therapist_id,
        ignore_appointment=ignore_appointment,
    )
    first, last = seconds(window_start), seconds(latest)
    free_at: dict[int, set[int]] = defaultdict(set)
    resources_free: dict[int, bool] = {}
    day = start_on
    while day <= end_on:
        for therapist in schedule.therapists:
            for start in candidate_starts(schedule, rules, therapist.id, day):
                if start < first or start > last:
                    continue
                if not is_therapist_free(schedule, therapist.id, start):
                    continue
                if start not in resources_free:
                    resources_free[start] = free_resources(schedule, start) is not None
                if resources_free[start]:
                    # A set: overlapping working hours must not list anyone twice.
                    free_at[start].add(therapist.id)
        day += timedelta(days=1)
    duration = schedule.duration
    slots = []
    for start, ids in sorted(free_at.items()):
        start_at = datetime.fromtimestamp(start, UTC)
        slots.append(
            Slot(start_at=start_at, end_at=start_at + duration, therapist_ids=tuple(sorted(ids)))
        )
    return slots


def refusal(  # noqa: PLR0911 - one return per rule, in the order people read them
    schedule: Schedule, rules: Rules, therapist_id: int, start: datetime, now: datetime
) -> errors.BookingError | None:
    """Why `start` cannot be booked with this therapist, or None when it can.

    The same tests, in the same terms, as `available_slots` applies.
    """
    earliest, latest = bookable_window(rules, now)
    if start < now:
        return errors.TooSoon(gettext("That time is in the past."))
    if start < earliest:
        return errors.TooSoon(_too_soon(rules.min_notice))
    if start > latest:
        days = rules.horizon.days
        return errors.BeyondHorizon(
            ngettext(
                "Bookings open %(count)d day ahead; please choose an earlier date.",
                "Bookings open %(count)d days ahead; please choose an earlier date.",
                days,
            )
            % {"count": days}
        )
    if not rules.is_on_grid(start):
        return errors.OffStep(_off_step(rules.step))
    local_day = start.astimezone(rules.zone).date()
    moment = seconds(start)
    if moment not in set(candidate_starts(schedule, rules, therapist_id, local_day)):
        return errors.OutsideHours()
    if not is_therapist_free(schedule, therapist_id, moment):
        return errors.SlotUnavailable()
    if free_resources(schedule, moment) is None:
        return errors.SlotUnavailable(
            gettext(
                "The room or equipment this massage needs is taken at that time. "
                "Please choose another time."
            )
        )
    return None


def _too_soon(notice: timedelta) -> str:
    """The minimum notice in whole hours when it is some, else in minutes, with plurals."""
    minutes = int(notice.total_seconds() // 60)
    if minutes and minutes % 60 == 0:
        hours = minutes // 60
        text = ngettext(
            "Bookings need at least %(count)d hour's notice; please choose a later time.",
            "Bookings need at least %(count)d hours' notice; please choose a later time.",
            hours,
        )
        return text % {"count": hours}
    text = ngettext(
        "Bookings need at least %(count)d minute's notice; please choose a later time.",
        "Bookings need at least %(count)d minutes' notice; please choose a later time.",
        minutes,
    )
    return text % {"count": minutes}


def _off_step(step: timedelta) -> str:
    """The studio's time grid in whole hours when it is some, else in minutes, with plurals."""
    minutes = int(step.total_seconds() // 60)
    if minutes and minutes % 60 == 0:
        hours = minutes // 60
        text = ngettext(
            "Appointments start every %(count)d hour on the studio's clock.",
            "Appointments start every %(count)d hours on the studio's clock.",
            hours,
        )
        return text % {"count": hours}
    text = ngettext(
        "Appointments start every %(count)d minute on the studio's clock.",
        "Appointments start every %(count)d minutes on the studio's clock.",
        minutes,
    )
    return text % {"count": minutes}
