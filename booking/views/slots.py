"""The slot picker: the coming days, and the free times of the chosen one.

Every time shown comes from the availability engine, which the booking
service checks with the same rules, so a time the picker offers can be
booked unless someone takes it first.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from booking.availability import Rules, Slot, available_slots
from booking.models import Appointment
from booking.site_forms import SlotQueryForm, slot_value
from booking.views.common import (
    offering_context,
    offering_or_404,
    on_studio_clock,
    therapists_for,
    with_query,
)
from catalog.models import Offering

# The picker shows the coming days two weeks at a time, Monday first.
FORTNIGHT = 14
# When a wanted time went: how many free times to offer instead, and in
# how many days after it to look for them.
NEAREST_COUNT = 6
NEAREST_DAYS = 7


@dataclass(frozen=True)
class PickerDay:
    day: date
    free: int
    is_open: bool
    is_chosen: bool
    url: str


@dataclass(frozen=True)
class PickerTime:
    start_at: datetime
    url: str
    is_current: bool


@dataclass(frozen=True)
class TimeGroup:
    label: str
    times: list[PickerTime]


@dataclass(frozen=True)
class Picker:
    """Two weeks of days with their number of free times, and the chosen day's times."""

    weeks: list[list[PickerDay]]
    chosen: date
    groups: list[TimeGroup]
    free: int
    earlier_url: str | None
    later_url: str | None
    next_free: PickerDay | None


def build_picker(
    *,
    offering: Offering,
    therapist_id: int | None,
    query: SlotQueryForm,
    day_url: Callable[[dict[str, str]], str],
    time_url: Callable[[Slot], str],
    moving: Appointment | None = None,
    default_on: date | None = None,
) -> Picker:
    """Ask the engine once for the fortnight shown; the chosen day's times come from it.

    The fortnight is the one holding `on` (a day the client chose) or
    `week` (from the earlier and later links), kept within the days that
    can be booked. Without a chosen day, `default_on` is shown, or else
    the first day with free times. `moving` is an appointment being
    rescheduled: its own time does not block the times around it.
    """
    rules = Rules.from_settings()
    now = timezone.now()
    today = now.astimezone(rules.zone).date()
    last_day = (now + rules.horizon).astimezone(rules.zone).date()
    first_monday = today - timedelta(days=today.weekday())
    last_block = (last_day - first_monday).days // FORTNIGHT

    wanted_on: date | None = query.value("on") or (None if query.value("week") else default_on)
    anchor: date = wanted_on or query.value("week") or today
    block = min(max((anchor - first_monday).days // FORTNIGHT, 0), last_block)
    starts_on = first_monday + timedelta(days=block * FORTNIGHT)
    days = [starts_on + timedelta(days=offset) for offset in range(FORTNIGHT)]

    slots = available_slots(
        offering=offering,
        start_on=max(starts_on, today),
        end_on=min(days[-1], last_day),
        therapist_id=therapist_id,
        now=now,
        ignore_appointment=moving.pk if moving else None,
    )
    by_day: dict[date, list[Slot]] = defaultdict(list)
    for slot in slots:
        by_day[slot.start_at.astimezone(rules.zone).date()].append(slot)

    def is_open(day: date) -> bool:
        return today <= day <= last_day

    if wanted_on in days and is_open(wanted_on):
        chosen = wanted_on
    else:
        chosen = next((day for day in days if by_day.get(day)), max(starts_on, today))
    picker_days = [
        PickerDay(
            day=day,
            free=len(by_day.get(day, [])),
            is_open=is_open(day),
            is_chosen=day == chosen,
            url=day_url({"on": day.isoformat()}),
        )
        for day in days
    ]
    groups: dict[str, list[PickerTime]] = {}
    for slot in by_day.get(chosen, []):
        local = slot.start_at.astimezone(rules.zone)
        label = (
            _("Morning") if local.hour < 12 else _("Afternoon") if local.hour < 17 else _("Evening")
        )
        groups.setdefault(label, []).append(
            PickerTime(
                start_at=local,
                url=time_url(slot),
                is_current=moving is not None and slot.start_at == moving.start_at,
            )
        )

    def block_url(offset: int) -> str:
        return day_url({"week": (starts_on + timedelta(days=offset)).isoformat()})

    return Picker(
        weeks=[picker_days[:7], picker_days[7:]],
        chosen=chosen,
        groups=[TimeGroup(label, times) for label, times in groups.items()],
        free=len(by_day.get(chosen, [])),
        earlier_url=block_url(-FORTNIGHT) if block > 0 else None,
        later_url=block_url(FORTNIGHT) if block < last_block else None,
        next_free=next((day for day in picker_days if day.day > chosen and day.free), None),
    )


def nearest_free(
    *,
    offering: Offering,
    wanted: datetime,
    therapist_id: int | None,
    moving: Appointment | None = None,
) -> list[datetime]:
    """The free starts closest to `wanted`, before or after it, in time order.

    One engine call, over the wanted day and the week after it; for a
    time in the past, the nearest are the soonest free ones.
    """
    zone = Rules.from_settings().zone
    wanted_on = max(wanted, timezone.now()).astimezone(zone).date()
    slots = available_slots(
        offering=offering,
        start_on=wanted_on,
        end_on=wanted_on + timedelta(days=NEAREST_DAYS),
        therapist_id=therapist_id,
        ignore_appointment=moving.pk if moving else None,
    )
    closest = sorted(slots, key=lambda slot: abs(slot.start_at - wanted))[:NEAREST_COUNT]
    return sorted(slot.start_at.astimezone(zone) for slot in closest)


def by_day(moments: list[datetime]) -> list[tuple[date, list[tuple[str, datetime]]]]:
    """Times as the pages offer them to choose from: under their day, each with its value."""
    days: dict[date, list[tuple[str, datetime]]] = {}
    for moment in moments:
        days.setdefault(moment.date(), []).append((slot_value(moment), moment))
    return list(days.items())


def is_offered(offering: Offering, start_at: datetime, therapist_id: int | None) -> bool:
    """Whether the engine offers this start now, with this therapist or with any."""
    local_day = start_at.astimezone(Rules.from_settings().zone).date()
    slots = available_slots(
        offering=offering, start_on=local_day, end_on=local_day, therapist_id=therapist_id
    )
    return any(slot.start_at == start_at for slot in slots)


@on_studio_clock
@require_GET
def slot_picker(request: HttpRequest, offering_slug: str) -> HttpResponse:
    offering = offering_or_404(offering_slug)
    therapists = therapists_for(offering)
    query = SlotQueryForm(request.GET, therapists=therapists)
    therapist_id: int | None = query.value("therapist")
    kept = {"therapist": str(therapist_id)} if therapist_id else {}
    here = reverse("booking:slots", kwargs={"offering_slug": offering.slug})
    form_url = reverse("booking:book", kwargs={"offering_slug": offering.slug})
    picker = build_picker(
        offering=offering,
        therapist_id=therapist_id,
        query=query,
        day_url=lambda params: with_query(here, {**kept, **params}),
        time_url=lambda slot: with_query(form_url, {"start": slot_value(slot.start_at), **kept}),
    )
    return render(
        request,
        "booking/slot_picker.html",
        {
            **offering_context(offering),
            "therapists": therapists,
            "therapist": next((t for t in therapists if t.id == therapist_id), None),
            "picker": picker,
            "picker_url": here,
        },
    )
