"""The visit engine: couples, massages one after the other, and courses.

Anna gives every massage (9-13 and 14-18, Monday to Saturday), Ben
classical and vacuum (9-18). The classical foot massage takes 30 minutes
and a 10-minute buffer in a room.
"""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.db import connection

from booking import errors
from booking.models import Therapist, Visit
from booking.services import Actor, ClientDetails, WantedAppointment, book_visit, cancel_visit
from booking.visits import Part, VisitPlan, place_visit, plan_course, visit_slots
from catalog.models import Offering
from tests.booking.conftest import BERLIN, NOW, TUESDAY, at
from tests.factories import TherapistFactory, give_hours, vacuum_device

pytestmark = pytest.mark.django_db

DESK = Actor(label="desk", is_staff=True)
GUEST = ClientDetails(name="Mira Example", email="mira@example.com", phone="+49 30 1234567")


def book_single(offering: Offering, start_at: datetime, therapist: Therapist) -> Visit:
    return book_visit(
        appointments=[WantedAppointment(offering=offering, start_at=start_at, therapist=therapist)],
        client=GUEST,
        source="admin",
        actor=DESK,
        now=NOW,
    )


def in_turn(*parts: Part, clock: str = "10:00") -> VisitPlan:
    return place_visit(parts=parts, together=False, start_at=at(TUESDAY, clock), now=NOW)


def couple(offering: Offering) -> list[Part]:
    return [Part(offering=offering), Part(offering=offering)]


def starts(slots) -> list[datetime]:
    return [slot.start_at for slot in slots]


# Together --------------------------------------------------------------------


def test_a_couples_start_is_offered_with_both_therapists_and_the_room_for_two(
    for_two, anna, ben, two_rooms, room_for_two
):
    slots = visit_slots(
        parts=couple(for_two), together=True, start_on=TUESDAY, end_on=TUESDAY, now=NOW
    )

    ten = next(slot for slot in slots if slot.start_at == at(TUESDAY, "10:00"))
    assert ten.therapist_ids == (anna.id, ben.id)
    assert ten.end_at == at(TUESDAY, "10:30")


def test_a_couples_visit_holds_the_room_for_two_once(for_two, anna, ben, two_rooms, room_for_two):
    plan = place_visit(parts=couple(for_two), together=True, start_at=at(TUESDAY, "10:00"), now=NOW)

    assert plan.shared_resource_ids == (room_for_two.id,)
    assert [placed.resource_ids for placed in plan.appointments] == [(), ()]
    assert {placed.therapist_id for placed in plan.appointments} == {anna.id, ben.id}
    assert plan.shared[0].blocked_until == at(TUESDAY, "10:40")


def test_no_couples_start_is_offered_without_a_room_for_two(for_two, anna, ben, two_rooms):
    slots = visit_slots(
        parts=couple(for_two), together=True, start_on=TUESDAY, end_on=TUESDAY, now=NOW
    )

    assert slots == []


def test_a_couples_start_needs_two_different_free_therapists(
    for_two, anna, ben, two_rooms, room_for_two
):
    book_single(for_two, at(TUESDAY, "10:00"), ben)

    slots = visit_slots(
        parts=couple(for_two), together=True, start_on=TUESDAY, end_on=TUESDAY, now=NOW
    )

    # Ben's 10:00 and its buffer rule out 9:30 to 10:30 for two.
    assert at(TUESDAY, "10:00") not in starts(slots)
    assert at(TUESDAY, "9:30") not in starts(slots)
    assert at(TUESDAY, "9:15") in starts(slots)
    assert at(TUESDAY, "10:45") in starts(slots)


def test_booking_a_taken_couples_start_is_refused_as_unavailable(
    for_two, anna, ben, two_rooms, room_for_two
):
    book_single(for_two, at(TUESDAY, "10:00"), anna)

    with pytest.raises(errors.SlotUnavailable):
        place_visit(parts=couple(for_two), together=True, start_at=at(TUESDAY, "10:00"), now=NOW)


def test_a_single_booking_takes_a_one_table_room_before_the_room_for_two(
    classical, anna, room_for_two, two_rooms
):
    plan = place_visit(
        parts=[Part(offering=classical)], together=False, start_at=at(TUESDAY, "10:00"), now=NOW
    )

    assert plan.appointments[0].resource_ids == (two_rooms[0].id,)


def test_a_single_booking_takes_the_room_for_two_when_no_other_is_free(
    classical, anna, ben, room_for_two, two_rooms
):
    book_single(classical, at(TUESDAY, "10:00"), anna)
    book_single(classical, at(TUESDAY, "10:00"), ben)
    extra = TherapistFactory.create(name="Cleo", slug="cleo")
    give_hours(extra, (time(9), time(18)), weekdays=range(6))

    plan = place_visit(
        parts=[Part(offering=classical)], together=False, start_at=at(TUESDAY, "10:00"), now=NOW
    )

    assert plan.appointments[0].resource_ids == (room_for_two.id,)


def test_more_people_together_than_the_offering_takes_is_an_invalid_visit(
    classical, anna, ben, room_for_two
):
    with pytest.raises(errors.InvalidVisit) as refused:
        visit_slots(
            parts=couple(classical), together=True, start_on=TUESDAY, end_on=TUESDAY, now=NOW
        )

    assert refused.value.status_code == 400
    assert refused.value.fields == {"appointments": [refused.value.message]}


def test_one_therapist_asked_for_twice_together_is_an_invalid_visit(
    for_two, anna, ben, room_for_two
):
    parts = [Part(offering=for_two, therapist_id=anna.id)] * 2

    with pytest.raises(errors.InvalidVisit):
        place_visit(parts=parts, together=True, start_at=at(TUESDAY, "10:00"), now=NOW)


def test_a_therapist_asked_for_takes_their_part_of_a_couple(
    for_two, anna, ben, two_rooms, room_for_two
):
    parts = [Part(offering=for_two), Part(offering=for_two, therapist_id=anna.id)]

    plan = place_visit(parts=parts, together=True, start_at=at(TUESDAY, "10:00"), now=NOW)

    assert [placed.therapist_id for placed in plan.appointments] == [ben.id, anna.id]


# One after the other -------------------------------------------------------------


def test_the_same_therapist_goes_on_without_a_cleanup_buffer_between(
    classical, back, anna, two_rooms
):
    plan = in_turn(Part(offering=classical), Part(offering=back))

    first, second = plan.appointments
    assert (first.therapist_id, second.therapist_id) == (anna.id, anna.id)
    assert first.blocked_until == first.end_at == second.start_at == at(TUESDAY, "10:30")
    assert second.blocked_until == at(TUESDAY, "11:45")
    assert plan.end_at == at(TUESDAY, "11:30")


def test_the_therapist_who_can_give_both_massages_is_preferred(
    classical, vacuum, dora, ben, two_rooms
):
    # Dora comes first by id, but only Ben gives the vacuum massage too.
    vacuum_device()

    plan = in_turn(Part(offering=classical), Part(offering=vacuum))

    assert dora.id < ben.id
    assert [placed.therapist_id for placed in plan.appointments] == [ben.id, ben.id]


def test_another_therapist_takes_over_when_the_first_is_booked_next(
    classical, anna, ben, two_rooms
):
    book_single(classical, at(TUESDAY, "10:45"), ben)
    parts = [Part(offering=classical, therapist_id=ben.id), Part(offering=classical)]

    plan = place_visit(parts=parts, together=False, start_at=at(TUESDAY, "10:00"), now=NOW)

    first, second = plan.appointments
    assert (first.therapist_id, second.therapist_id) == (ben.id, anna.id)
    # Ben hands over and cleans up after his part as after any massage.
    assert first.blocked_until == at(TUESDAY, "10:40")


def test_the_room_is_kept_for_the_second_massage_when_free_throughout(
    classical, back, anna, two_rooms
):
    plan = in_turn(Part(offering=classical), Part(offering=back))

    assert plan.shared_resource_ids == (two_rooms[0].id,)
    assert plan.shared[0].start_at == at(TUESDAY, "10:00")
    assert plan.shared[0].blocked_until == at(TUESDAY, "11:45")
    assert [placed.resource_ids for placed in plan.appointments] == [(), ()]


def test_each_massage_takes_a_room_of_its_own_when_none_is_free_throughout(
    classical, anna, ben, dora, two_rooms
):
    first_room, second_room = two_rooms
    early = book_single(classical, at(TUESDAY, "9:45"), ben)
    book_single(classical, at(TUESDAY, "9:45"), dora)
    book_single(classical, at(TUESDAY, "10:45"), ben)
    cancel_visit(visit=early, actor=DESK, now=NOW)
    # Now the first room is taken from 10:45, the second until 10:25.

    plan = in_turn(*[Part(offering=classical, therapist_id=anna.id)] * 2)

    assert plan.shared_resource_ids == ()
    assert [placed.resource_ids for placed in plan.appointments] == [
        (first_room.id,),
        (second_room.id,),
    ]


def test_a_second_massage_in_the_lunch_break_is_outside_hours(classical, anna, two_rooms):
    parts = [Part(offering=classical, therapist_id=anna.id)] * 2

    with pytest.raises(errors.OutsideHours):
        place_visit(parts=parts, together=False, start_at=at(TUESDAY, "12:30"), now=NOW)


def test_someone_else_takes_the_second_massage_over_the_first_ones_lunch(
    classical, anna, ben, two_rooms
):
    parts = [Part(offering=classical, therapist_id=anna.id), Part(offering=classical)]

    plan = place_visit(parts=parts, together=False, start_at=at(TUESDAY, "12:30"), now=NOW)

    assert plan.appointments[1].therapist_id == ben.id


def test_only_the_first_start_must_be_on_the_grid(settings, classical, anna, two_rooms):
    settings.STUDIO_SLOT_STEP_MINUTES = 60
    parts = [Part(offering=classical)] * 2

    plan = place_visit(parts=parts, together=False, start_at=at(TUESDAY, "10:00"), now=NOW)
    slots = visit_slots(parts=parts, together=False, start_on=TUESDAY, end_on=TUESDAY, now=NOW)

    assert plan.appointments[1].start_at == at(TUESDAY, "10:30")
    assert at(TUESDAY, "10:00") in starts(slots)
    with pytest.raises(errors.OffStep):
        place_visit(parts=parts, together=False, start_at=at(TUESDAY, "10:30"), now=NOW)


def test_a_visit_is_offered_only_where_it_ends_before_closing(classical, back, anna, two_rooms):
    slots = visit_slots(
        parts=[Part(offering=classical), Part(offering=back)],
        together=False,
        start_on=TUESDAY,
        end_on=TUESDAY,
        now=NOW,
    )

    # 90 minutes in all: the last start before lunch is 11:30, before six 16:30.
    assert at(TUESDAY, "11:30") in starts(slots)
    assert at(TUESDAY, "11:45") not in starts(slots)
    assert starts(slots)[-1] == at(TUESDAY, "16:30")


def test_a_visit_being_moved_may_take_its_own_old_time(for_two, anna, ben, room_for_two):
    visit = book_visit(
        appointments=[
            WantedAppointment(offering=for_two, start_at=at(TUESDAY, "10:00")),
            WantedAppointment(offering=for_two, start_at=at(TUESDAY, "10:00")),
        ],
        client=GUEST,
        source="admin",
        actor=DESK,
        now=NOW,
    )

    blind = visit_slots(
        parts=couple(for_two), together=True, start_on=TUESDAY, end_on=TUESDAY, now=NOW
    )
    moving = visit_slots(
        parts=couple(for_two),
        together=True,
        start_on=TUESDAY,
        end_on=TUESDAY,
        now=NOW,
        ignore_visit=visit.id,
    )

    assert at(TUESDAY, "10:15") not in starts(blind)
    assert at(TUESDAY, "10:15") in starts(moving)


# Queries ------------------------------------------------------------------------


@pytest.mark.parametrize("days", [0, 30])
@pytest.mark.parametrize("together", [True, False])
def test_listing_visits_takes_the_same_queries_for_a_day_as_a_month(
    for_two, back, anna, ben, two_rooms, room_for_two, django_assert_num_queries, days, together
):
    parts = couple(for_two) if together else [Part(offering=for_two), Part(offering=back)]
    # therapists (with their skills), working hours (on PostgreSQL read
    # with the therapists), resource kinds with their resources, time
    # off with appointments and allocations (on PostgreSQL sent with
    # the resources, booking.statements.read_together).
    with django_assert_num_queries(2 if connection.vendor == "postgresql" else 4):
        visit_slots(
            parts=parts,
            together=together,
            start_on=TUESDAY,
            end_on=TUESDAY + timedelta(days=days),
            now=NOW,
        )


# Courses ----------------------------------------------------------------------


def test_a_course_keeps_its_local_time_across_the_spring_clock_change(classical, anna, two_rooms):
    # Clocks go forward on Sunday 28 March 2027.
    sessions = plan_course(
        offering=classical,
        first_start=at(date(2027, 3, 16), "10:00"),
        sessions=3,
        interval_days=7,
        now=NOW,
    )

    assert [session.start_at.astimezone(BERLIN).time() for session in sessions] == [time(10)] * 3
    assert [session.start_at.hour for session in sessions] == [9, 9, 8]
    assert all(session.fits for session in sessions)


def test_a_course_keeps_its_local_time_across_the_autumn_clock_change(
    settings, classical, anna, two_rooms
):
    settings.STUDIO_HORIZON_DAYS = 365
    # Clocks go back on Sunday 31 October 2027.
    sessions = plan_course(
        offering=classical,
        first_start=at(date(2027, 10, 26), "17:00"),
        sessions=2,
        interval_days=7,
        now=NOW,
    )

    assert [session.start_at for session in sessions] == [
        datetime(2027, 10, 26, 15, 0, tzinfo=UTC),
        datetime(2027, 11, 2, 16, 0, tzinfo=UTC),
    ]
    assert all(session.fits for session in sessions)


def test_a_session_that_does_not_fit_offers_the_nearest_free_times_that_day_first(
    classical, anna, two_rooms
):
    book_single(classical, at(TUESDAY + timedelta(days=7), "10:00"), anna)

    first, second = plan_course(
        offering=classical, first_start=at(TUESDAY, "10:00"), sessions=2, interval_days=7, now=NOW
    )

    assert first.fits and first.alternatives == ()
    assert not second.fits
    later = TUESDAY + timedelta(days=7)
    # 10:00 to 10:40 is taken: 9:15 and 10:45 are 45 minutes away, 9:00 an hour.
    assert second.alternatives == (at(later, "9:15"), at(later, "10:45"), at(later, "9:00"))


def test_a_session_on_a_day_off_offers_times_on_the_days_around_it(classical, anna, two_rooms):
    # Tuesday, then the Sunday after next: Anna does not work Sundays.
    sunday = TUESDAY + timedelta(days=5)

    _, on_sunday = plan_course(
        offering=classical, first_start=at(TUESDAY, "10:00"), sessions=2, interval_days=5, now=NOW
    )

    assert not on_sunday.fits
    # Monday first, then Saturday, each nearest 10:00.
    assert on_sunday.alternatives == (
        at(sunday + timedelta(days=1), "10:00"),
        at(sunday + timedelta(days=1), "9:45"),
        at(sunday + timedelta(days=1), "10:15"),
    )


def test_a_course_is_planned_in_the_same_queries_for_three_sessions_as_for_ten(
    classical, anna, two_rooms, django_assert_num_queries
):
    for sessions in (3, 10):
        # The schedule's queries (the hours with the therapists, and the
        # busy spans with the resources, on PostgreSQL), whatever the sessions.
        with django_assert_num_queries(2 if connection.vendor == "postgresql" else 4):
            plan_course(
                offering=classical,
                first_start=at(TUESDAY, "10:00"),
                sessions=sessions,
                interval_days=7,
                now=NOW,
            )
