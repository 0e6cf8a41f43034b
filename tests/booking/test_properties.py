"""The availability engine and the booking service agree, whatever the schedule.

Hypothesis draws a studio (one to three therapists with random skills and
working hours, rooms and equipment, time off, appointments already booked
and some of them cancelled), the studio's rules, a moment to ask at, an
offering and a day. Then every slot the engine offers for a therapist can
be booked with that therapist, and a start it does not offer is refused
with a BookingError (DESIGN.md, invariant 2).

The examples share the test's transaction, so each one empties the booking
tables first; the catalog stays as the data migration wrote it.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import hypothesis
import pytest
from django.conf import settings as django_settings
from django.test import override_settings
from hypothesis import HealthCheck, event, given, note
from hypothesis import strategies as st

from booking import errors
from booking.availability import available_slots
from booking.models import Appointment, Client, Resource, Therapist, TimeOff, Visit, WorkingHours
from booking.services import Actor, ClientDetails, book_appointment, cancel_appointment
from catalog.models import MassageType, Offering, ResourceKind
from tests.booking.conftest import BERLIN, NOW
from tests.factories import TherapistFactory

pytestmark = pytest.mark.django_db

# Moments to ask at: a winter morning on the grid, and two off the grid a
# couple of days before the clocks change (28 March and 31 October 2027).
NOWS = [
    NOW,
    datetime(2027, 3, 26, 23, 7, 13, tzinfo=UTC),
    datetime(2027, 10, 29, 16, 40, tzinfo=UTC),
]
CLOCK_CHANGES = [date(2027, 3, 28), date(2027, 10, 31)]
# Steps that divide an hour: across a clock change the engine's grid holds
# only for those (see `candidate_starts`).
STEPS = [15, 5, 10, 20, 30, 60]
NOTICES = [120, 0, 45, 24 * 60]
HORIZONS = [60, 7]

DESK = Actor(label="desk", is_staff=True)
GUEST = ClientDetails(name="Mira Example", email="mira@example.com", phone="+49 30 1234567")

EXAMPLES = hypothesis.settings(
    max_examples=30,
    deadline=None,
    # The examples share the test's `db` on purpose: each empties the
    # booking tables first.
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@dataclass
class Studio:
    now: datetime
    day: date
    offering: Offering
    therapists: list[Therapist]


def local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=BERLIN).astimezone(UTC)


def empty_the_studio() -> None:
    Visit.objects.all().delete()
    Client.objects.all().delete()
    TimeOff.objects.all().delete()
    Therapist.objects.all().delete()
    Resource.objects.all().delete()


def draw_rules(data: st.DataObject) -> override_settings:
    return override_settings(
        STUDIO_SLOT_STEP_MINUTES=data.draw(st.sampled_from(STEPS), label="step"),
        STUDIO_MIN_NOTICE_MINUTES=data.draw(st.sampled_from(NOTICES), label="notice"),
        STUDIO_HORIZON_DAYS=data.draw(st.sampled_from(HORIZONS), label="horizon"),
    )


def draw_day(data: st.DataObject, now: datetime, horizon_days: int) -> date:
    """Mostly a day inside the horizon; sometimes its edges or a day the clocks change."""
    today = now.astimezone(BERLIN).date()
    last = (now + timedelta(days=horizon_days)).astimezone(BERLIN).date()
    edges = [today, last, today - timedelta(days=1), last + timedelta(days=1)]
    changes = [change for change in CLOCK_CHANGES if today <= change <= last]
    inside = [today + timedelta(days=days) for days in range(1, horizon_days)]
    return data.draw(
        st.one_of(st.sampled_from(inside), st.sampled_from(edges + changes)), label="day"
    )


def draw_resources(data: st.DataObject) -> None:
    kinds = {kind.slug: kind for kind in ResourceKind.objects.all()}
    counts = {"room": [2, 1, 1, 0], "vacuum-device": [1, 1, 0], "thai-sticks": [1, 1, 0]}
    for slug, choices in counts.items():
        for number in range(data.draw(st.sampled_from(choices), label=f"{slug}s")):
            Resource.objects.create(name=f"{slug} {number}", kind=kinds[slug])
    if data.draw(st.booleans(), label="a room out of use"):
        Resource.objects.create(name="Old room", kind=kinds["room"], is_active=False)


def draw_working_hours(data: st.DataObject, therapist: Therapist, day: date) -> None:
    """Up to three intervals on the day's weekday, on any five minutes of the clock.

    Half the time a working day with a break, half the time anything at
    all (a night shift across the hour the clocks skip, say).
    """
    five_minutes = st.integers(0, 24 * 12 - 1)
    working_day = st.tuples(
        st.integers(6 * 12, 11 * 12),
        st.integers(11 * 12 + 1, 13 * 12),
        st.integers(13 * 12 + 1, 15 * 12),
        st.integers(15 * 12 + 1, 22 * 12),
    ).map(list)
    anything = st.lists(five_minutes, min_size=2, max_size=6, unique=True).map(sorted)
    marks = data.draw(st.one_of(working_day, anything), label=f"{therapist.slug} hours")
    WorkingHours.objects.bulk_create(
        WorkingHours(
            therapist=therapist,
            weekday=day.weekday(),
            start_time=time(opens // 12, opens % 12 * 5),
            end_time=time(closes // 12, closes % 12 * 5),
        )
        for opens, closes in zip(marks[::2], marks[1::2], strict=False)
    )


def draw_therapists(data: st.DataObject, offering: Offering, day: date) -> list[Therapist]:
    """Most of them give the offering's massage, some do not, a few are inactive."""
    skills = list(MassageType.objects.values_list("slug", flat=True))
    therapists = []
    for number in range(data.draw(st.integers(1, 3), label="therapists")):
        gives = data.draw(st.sampled_from([True, True, True, True, False]), label="gives it")
        others = data.draw(st.lists(st.sampled_from(skills), unique=True), label="skills")
        therapist = TherapistFactory.create(
            slug=f"therapist-{number}",
            skills=[*others, offering.massage_type.slug] if gives else others,
            is_active=data.draw(st.sampled_from([True, True, True, True, False]), label="active"),
        )
        draw_working_hours(data, therapist, day)
        therapists.append(therapist)
    return therapists


def draw_time_off(data: st.DataObject, therapists: list[Therapist], day: date) -> None:
    """Absences and closures to the minute, some reaching in from the day before."""
    for _ in range(data.draw(st.integers(0, 2), label="time off")):
        start = local_midnight(day) + timedelta(
            minutes=data.draw(st.integers(-180, 24 * 60 - 1), label="off from")
        )
        TimeOff.objects.create(
            therapist=data.draw(st.sampled_from([None, *therapists]), label="who is off"),
            start_at=start,
            end_at=start + timedelta(minutes=data.draw(st.integers(1, 600), label="off for")),
        )


def draw_appointments(data: st.DataObject, now: datetime, day: date) -> None:
    """Appointments booked through the service at offered times; some cancelled."""
    offerings = list(Offering.objects.filter(is_active=True).order_by("id"))
    for _ in range(data.draw(st.integers(0, 4), label="appointments")):
        offering = data.draw(st.sampled_from(offerings), label="booked offering")
        slots = available_slots(offering=offering, start_on=day, end_on=day, now=now)
        if not slots:
            continue
        slot = data.draw(st.sampled_from(slots), label="booked slot")
        appointment = book(
            offering,
            slot.start_at,
            now,
            Therapist.objects.get(id=data.draw(st.sampled_from(slot.therapist_ids), label="with")),
        )
        if data.draw(st.booleans(), label="cancelled"):
            cancel_appointment(appointment=appointment, actor=DESK, now=now)


def build_studio(data: st.DataObject) -> Studio:
    """A studio drawn at random, under the rules in force."""
    empty_the_studio()
    now = data.draw(st.sampled_from(NOWS), label="now")
    day = draw_day(data, now, django_settings.STUDIO_HORIZON_DAYS)
    offering = data.draw(
        st.sampled_from(list(Offering.objects.filter(is_active=True).order_by("id"))),
        label="offering",
    )
    draw_resources(data)
    therapists = draw_therapists(data, offering, day)
    draw_time_off(data, therapists, day)
    draw_appointments(data, now, day)
    return Studio(now=now, day=day, offering=offering, therapists=therapists)


def book(
    offering: Offering, start_at: datetime, now: datetime, therapist: Therapist | None
) -> Appointment:
    return book_appointment(
        offering=offering,
        start_at=start_at,
        client=GUEST,
        source="api",
        actor=Actor.guest(),
        therapist=therapist,
        now=now,
    )


def offered_starts(studio: Studio, therapist: Therapist | None) -> list[datetime]:
    slots = available_slots(
        offering=studio.offering,
        start_on=studio.day,
        end_on=studio.day,
        therapist_id=therapist.id if therapist else None,
        now=studio.now,
    )
    return [slot.start_at for slot in slots]


@EXAMPLES
@given(data=st.data())
def test_every_slot_offered_for_a_therapist_can_be_booked_with_them(data):
    with draw_rules(data):
        check_offered_slots_can_be_booked(data, build_studio(data))


def check_offered_slots_can_be_booked(data: st.DataObject, studio: Studio) -> None:
    slots = available_slots(
        offering=studio.offering, start_on=studio.day, end_on=studio.day, now=studio.now
    )
    offers = [(slot.start_at, therapist) for slot in slots for therapist in slot.therapist_ids]
    event("slots offered" if offers else "no slot offered")
    for therapist in studio.therapists:
        # Asking for one therapist offers exactly their share of the slots.
        assert offered_starts(studio, therapist) == [
            start for start, offered_to in offers if offered_to == therapist.id
        ]
    if not offers:
        return

    for start, therapist_id in data.draw(
        st.lists(st.sampled_from(offers), min_size=1, max_size=6, unique=True), label="booked"
    ):
        appointment = book(
            studio.offering, start, studio.now, Therapist.objects.get(id=therapist_id)
        )

        assert (appointment.start_at, appointment.therapist_id) == (start, therapist_id)
        # Gone again, so that the next booking meets the same schedule.
        appointment.visit.delete()

    slot = data.draw(st.sampled_from(slots), label="booked with anyone")
    appointment = book(studio.offering, slot.start_at, studio.now, None)
    assert appointment.therapist_id in slot.therapist_ids


@EXAMPLES
@given(data=st.data())
def test_a_start_not_offered_for_a_therapist_is_refused(data):
    with draw_rules(data):
        check_starts_not_offered_are_refused(data, build_studio(data))


def check_starts_not_offered_are_refused(data: st.DataObject, studio: Studio) -> None:
    therapist = data.draw(st.sampled_from([*studio.therapists, None]), label="asked for")
    offered = offered_starts(studio, therapist)
    day_start = local_midnight(studio.day)
    minutes = int(
        (local_midnight(studio.day + timedelta(days=1)) - day_start).total_seconds() // 60
    )
    anywhere = st.builds(
        lambda minute, second: day_start + timedelta(minutes=minute, seconds=second),
        st.integers(0, minutes - 1),
        st.sampled_from([0, 0, 0, 1, 30]),
    )
    # The edges of what is offered say the most: a step or a minute beside a slot.
    beside_an_offer = st.builds(
        lambda start, shift: start + timedelta(minutes=shift),
        st.sampled_from(offered or [day_start]),
        st.sampled_from([-60, -15, -5, -1, 1, 5, 15, 60]),
    )
    starts = data.draw(
        st.lists(st.one_of(anywhere, beside_an_offer), min_size=1, max_size=5, unique=True),
        label="starts",
    )

    for start in starts:
        note(f"start {start.astimezone(BERLIN).isoformat()}: offered {start in offered}")
        if start in offered:
            event("an offered start, booked")
            book(studio.offering, start, studio.now, therapist).visit.delete()
            continue
        event("refused")
        before = Appointment.objects.count()

        with pytest.raises(errors.BookingError):
            book(studio.offering, start, studio.now, therapist)

        assert Appointment.objects.count() == before
