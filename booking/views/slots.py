"""The slot picker: the coming days, and the free times of the chosen one.

Every time shown comes from the availability engine, which the booking
service checks with the same rules, so a time the picker offers can be
booked unless someone takes it first. For a visit of more than one
massage (two people side by side, or one massage after another) the
engine offers only the starts where the whole visit fits.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from booking.availability import Rules, Slot, available_slots
from booking.models import Appointment, Visit
from booking.site_forms import SlotQueryForm, VisitForm, slot_value
from booking.views.common import (
    bad_visit,
    offering_context,
    offering_or_404,
    on_studio_clock,
    therapists_for,
    visit_context,
    with_query,
)
from booking.visits import Part, VisitSlot, visit_slots
from catalog.models import Offering

# The picker shows the coming days two weeks at a time, Monday first.
FORTNIGHT = 14
# When a wanted time went: how many free times to offer instead, and in
# how many days after it to look for them.
NEAREST_COUNT = 6
NEAREST_DAYS = 7


@dataclass(frozen=True)
class WantedVisit:
    """The visit whose free starts the pages look for: its parts, at once or one after another.

    `moving` is the lead appointment of a booked visit being moved: its
    own time does not block the times around it. A visit of one massage
    asks the engine for that offering's slots, as a single booking
    always has; a longer one asks for the starts where all of it fits.
    """

    parts: tuple[Part, ...]
    together: bool = False
    moving: Appointment | None = None

    @classmethod
    def chosen(
        cls, *, offering: Offering, visit_form: VisitForm, therapist_id: int | None
    ) -> WantedVisit:
        """The visit a client chose on the offering's page (`visit_form` is valid)."""
        people: int = visit_form.cleaned_data["people"]
        then: Offering | None = visit_form.cleaned_data["then"]
        first = Part(offering=offering, therapist_id=therapist_id)
        if people > 1:
            # Each person has a therapist of their own; any who are free.
            return cls(parts=(Part(offering=offering),) * people, together=True)
        if then is not None:
            return cls(parts=(first, Part(offering=then)))
        return cls(parts=(first,))

    @classmethod
    def of(cls, visit: Visit, lead: Appointment) -> WantedVisit:
        """A booked visit, to move: the same massages with the same therapists, in the same shape."""
        appointments = list(visit.appointments.all())
        return cls(
            parts=tuple(
                Part(
                    offering=appointment.offering,
                    therapist_id=appointment.therapist_id,
                    guest_name=appointment.guest_name,
                )
                for appointment in appointments
            ),
            together=len(appointments) > 1
            and all(a.start_at == appointments[0].start_at for a in appointments),
            moving=lead,
        )

    @property
    def offering(self) -> Offering:
        return self.parts[0].offering

    @property
    def therapist_id(self) -> int | None:
        return self.parts[0].therapist_id

    def slots(
        self, *, start_on: date, end_on: date, now: datetime | None = None
    ) -> Sequence[Slot | VisitSlot]:
        """The free starts between two local dates, both included: one engine call."""
        if len(self.parts) == 1:
            return available_slots(
                offering=self.offering,
                start_on=start_on,
                end_on=end_on,
                therapist_id=self.therapist_id,
                now=now,
                ignore_appointment=self.moving.pk if self.moving else None,
            )
        return visit_slots(
            parts=self.parts,
            together=self.together,
            start_on=start_on,
            end_on=end_on,
            now=now,
            ignore_visit=self.moving.visit_id if self.moving else None,
        )

    def starts(self, start_at: datetime) -> list[datetime]:
        """Each part's start in a visit starting at `start_at`.

        Together, all at once; otherwise each where the one before it ends.
        """
        if self.together:
            return [start_at] * len(self.parts)
        starts = []
        for part in self.parts:
            starts.append(start_at)
            start_at += timedelta(minutes=part.offering.duration_minutes)
        return starts


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
    wanted: WantedVisit,
    query: SlotQueryForm,
    day_url: Callable[[dict[str, str]], str],
    time_url: Callable[[Slot | VisitSlot], str],
    default_on: date | None = None,
) -> Picker:
    """Ask the engine once for the fortnight shown; the chosen day's times come from it.

    The fortnight is the one holding `on` (a day the client chose) or
    `week` (from the earlier and later links), kept within the days that
    can be booked. Without a chosen day, `default_on` is shown, or else
    the first day with free times.
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

    slots = wanted.slots(start_on=max(starts_on, today), end_on=min(days[-1], last_day), now=now)
    by_day: dict[date, list[Slot | VisitSlot]] = defaultdict(list)
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
                # The lead appointment starts the visit.
                is_current=wanted.moving is not None and slot.start_at == wanted.moving.start_at,
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


def nearest_free(*, wanted: WantedVisit, around: datetime) -> list[datetime]:
    """The free starts closest to `around`, before or after it, in time order.

    One engine call, over the wanted day and the week after it; for a
    time in the past, the nearest are the soonest free ones.
    """
    zone = Rules.from_settings().zone
    wanted_on = max(around, timezone.now()).astimezone(zone).date()
    slots = wanted.slots(start_on=wanted_on, end_on=wanted_on + timedelta(days=NEAREST_DAYS))
    closest = sorted(slots, key=lambda slot: abs(slot.start_at - around))[:NEAREST_COUNT]
    return sorted(slot.start_at.astimezone(zone) for slot in closest)


def by_day(moments: list[datetime]) -> list[tuple[date, list[tuple[str, datetime]]]]:
    """Times as the pages offer them to choose from: under their day, each with its value."""
    days: dict[date, list[tuple[str, datetime]]] = {}
    for moment in moments:
        days.setdefault(moment.date(), []).append((slot_value(moment), moment))
    return list(days.items())


def is_offered(wanted: WantedVisit, start_at: datetime) -> bool:
    """Whether the engine offers this start for the whole visit now."""
    local_day = start_at.astimezone(Rules.from_settings().zone).date()
    slots = wanted.slots(start_on=local_day, end_on=local_day)
    return any(slot.start_at == start_at for slot in slots)


@on_studio_clock
@require_GET
def slot_picker(request: HttpRequest, offering_slug: str) -> HttpResponse:
    """The offering's free times, for one massage, two people, two massages or a course.

    The choice travels in the query (`people=2`, `then=<slug>`,
    `course=1`) and in every link of the page; one the offering does
    not allow is a 400 that says why. A course starts with its first
    session: its times lead to the page of the course's dates.
    """
    offering = offering_or_404(offering_slug)
    visit_form = VisitForm(request.GET, offering=offering)
    if not visit_form.is_valid():
        return bad_visit(request, offering, visit_form)
    is_couple = visit_form.cleaned_data["people"] > 1
    # Two people have a therapist each, whoever is free: there is no one to choose.
    therapists = [] if is_couple else therapists_for(offering)
    query = SlotQueryForm(request.GET, therapists=therapists)
    therapist_id: int | None = query.value("therapist")
    kept = {**visit_form.query(), **({"therapist": str(therapist_id)} if therapist_id else {})}
    here = reverse("booking:slots", kwargs={"offering_slug": offering.slug})
    next_page = "booking:course" if visit_form.cleaned_data["course"] else "booking:book"
    form_url = reverse(next_page, kwargs={"offering_slug": offering.slug})
    wanted = WantedVisit.chosen(offering=offering, visit_form=visit_form, therapist_id=therapist_id)
    picker = build_picker(
        wanted=wanted,
        query=query,
        day_url=lambda params: with_query(here, {**kept, **params}),
        time_url=lambda slot: with_query(form_url, {"start": slot_value(slot.start_at), **kept}),
    )
    return render(
        request,
        "booking/slot_picker.html",
        {
            **offering_context(offering),
            **visit_context(offering, visit_form),
            "therapists": therapists,
            "therapist": next((t for t in therapists if t.id == therapist_id), None),
            "picker": picker,
            "picker_url": here,
            "kept": visit_form.query(),
        },
    )
