"""Booking, cancelling and moving visits and courses through the services."""

from datetime import date, time, timedelta

import pytest
from django.db.models import Model

from booking import errors
from booking.models import Allocation, Appointment, AppointmentEvent, Client, Course, Visit
from booking.services import (
    Actor,
    ClientDetails,
    WantedAppointment,
    book_course,
    book_visit,
    cancel_appointment,
    cancel_course,
    cancel_visit,
    confirm_held_appointment,
    mark_appointment,
    release_expired_holds,
    reschedule_appointment,
    reschedule_visit,
)
from catalog.models import Offering
from notifications.models import Message
from tests.booking.conftest import BERLIN, NOW, TUESDAY, at
from tests.factories import vacuum_device

pytestmark = pytest.mark.django_db

DESK = Actor(label="desk", is_staff=True)
GUEST = ClientDetails(name="Mira Example", email="mira@example.com", phone="+49 30 1234567")


@pytest.fixture
def course_offering(classical) -> Offering:
    classical.course_sessions = 3
    classical.course_interval_days = 7
    classical.save(update_fields=["course_sessions", "course_interval_days"])
    return classical


def couples_visit(offering: Offering, clock: str = "10:00", **options) -> Visit:
    return book_visit(
        appointments=[
            WantedAppointment(offering=offering, start_at=at(TUESDAY, clock)),
            WantedAppointment(offering=offering, start_at=at(TUESDAY, clock), guest_name="Leo"),
        ],
        client=GUEST,
        source="admin",
        actor=options.pop("actor", DESK),
        now=NOW,
        **options,
    )


def foot_then_back(classical: Offering, back: Offering, clock: str = "10:00") -> Visit:
    first = at(TUESDAY, clock)
    return book_visit(
        appointments=[
            WantedAppointment(offering=classical, start_at=first),
            WantedAppointment(offering=back, start_at=first + timedelta(minutes=30)),
        ],
        client=GUEST,
        source="admin",
        actor=DESK,
        now=NOW,
    )


def appointments_of(visit: Visit) -> list[Appointment]:
    return list(Appointment.objects.filter(visit=visit).order_by("start_at", "therapist_id"))


def row_counts() -> dict[str, int]:
    tables: list[type[Model]] = [
        Visit,
        Appointment,
        Allocation,
        AppointmentEvent,
        Message,
        Client,
        Course,
    ]
    return {table.__name__: table._default_manager.count() for table in tables}


# Booking ----------------------------------------------------------------------


def test_a_couples_visit_writes_two_appointments_sharing_the_visits_token(
    for_two, anna, ben, room_for_two
):
    visit = couples_visit(for_two)

    first, second = appointments_of(visit)
    assert {first.therapist_id, second.therapist_id} == {anna.id, ben.id}
    assert first.manage_token == second.manage_token == visit.manage_token
    assert (first.guest_name, second.guest_name) == ("", "Leo") or (
        first.guest_name,
        second.guest_name,
    ) == ("Leo", "")
    assert (visit.start_at, visit.end_at) == (at(TUESDAY, "10:00"), at(TUESDAY, "10:30"))


def test_a_couples_visit_holds_the_room_for_two_once_for_both(for_two, anna, ben, room_for_two):
    visit = couples_visit(for_two)

    allocation = Allocation.objects.get()
    assert (allocation.visit_id, allocation.appointment_id) == (visit.id, None)
    assert allocation.resource_id == room_for_two.id
    assert allocation.blocked_until == at(TUESDAY, "10:40")


def test_each_appointment_of_a_visit_records_its_booking(for_two, anna, ben, room_for_two):
    visit = couples_visit(for_two)

    events = AppointmentEvent.objects.filter(appointment__visit=visit)
    assert sorted(events.values_list("action", flat=True)) == ["booked", "booked"]


def test_a_visits_reminders_hang_on_its_lead_appointment_only(classical, back, anna, two_rooms):
    visit = foot_then_back(classical, back)

    lead = appointments_of(visit)[0]
    assert set(Message.objects.values_list("appointment_id", flat=True)) == {lead.id}
    assert Message.objects.filter(kind="confirmation").count() == 1


def test_foot_then_back_keeps_one_therapist_and_one_room(classical, back, anna, two_rooms):
    visit = foot_then_back(classical, back)

    foot, leg = appointments_of(visit)
    assert foot.therapist_id == leg.therapist_id == anna.id
    assert foot.blocked_until == foot.end_at == leg.start_at
    kept = Allocation.objects.get(visit=visit)
    assert kept.appointment_id is None
    assert (kept.start_at, kept.blocked_until) == (at(TUESDAY, "10:00"), at(TUESDAY, "11:45"))


def test_a_visit_whose_last_appointment_cannot_be_placed_writes_nothing(
    classical, back, anna, two_rooms
):
    # Anna's lunch starts at 13:00: the whole leg from 12:30 does not fit.
    before = row_counts()

    with pytest.raises(errors.OutsideHours):
        foot_then_back(classical, back, clock="12:00")

    assert row_counts() == before


def test_a_visit_whose_second_appointment_is_taken_writes_nothing(classical, back, anna, two_rooms):
    book_visit(
        appointments=[WantedAppointment(offering=classical, start_at=at(TUESDAY, "10:45"))],
        client=GUEST,
        source="admin",
        actor=DESK,
        now=NOW,
    )
    before = row_counts()

    with pytest.raises(errors.SlotUnavailable):
        foot_then_back(classical, back)

    assert row_counts() == before


def test_appointments_with_a_gap_between_them_are_an_invalid_visit(
    classical, back, anna, two_rooms
):
    with pytest.raises(errors.InvalidVisit) as refused:
        book_visit(
            appointments=[
                WantedAppointment(offering=classical, start_at=at(TUESDAY, "10:00")),
                WantedAppointment(offering=back, start_at=at(TUESDAY, "10:45")),
            ],
            client=GUEST,
            source="admin",
            actor=DESK,
            now=NOW,
        )

    assert refused.value.code == "invalid_visit"
    assert refused.value.status_code == 400
    assert not Visit.objects.exists()


def test_more_than_four_massages_are_an_invalid_visit(classical, anna, two_rooms):
    starts = [at(TUESDAY, "9:00") + timedelta(minutes=30 * number) for number in range(5)]

    with pytest.raises(errors.InvalidVisit):
        book_visit(
            appointments=[WantedAppointment(offering=classical, start_at=s) for s in starts],
            client=GUEST,
            source="admin",
            actor=DESK,
            now=NOW,
        )


def test_a_health_answer_rules_out_only_the_massage_of_the_person_who_gave_it(
    classical, vacuum, anna, ben, two_rooms
):
    vacuum_device()

    with pytest.raises(errors.RuledOut) as refused:
        book_visit(
            appointments=[
                WantedAppointment(
                    offering=classical,
                    start_at=at(TUESDAY, "10:00"),
                    health={"pregnancy": True},
                ),
                WantedAppointment(
                    offering=vacuum,
                    start_at=at(TUESDAY, "10:30"),
                    health={"pregnancy": True},
                ),
            ],
            client=GUEST,
            source="admin",
            actor=DESK,
            has_consent=True,
            now=NOW,
        )

    assert list(refused.value.fields) == ["appointments.1.health.pregnancy"]


def test_health_answers_of_a_visit_need_consent(for_two, anna, ben, room_for_two):
    with pytest.raises(errors.ConsentRequired):
        book_visit(
            appointments=[
                WantedAppointment(offering=for_two, start_at=at(TUESDAY, "10:00")),
                WantedAppointment(
                    offering=for_two, start_at=at(TUESDAY, "10:00"), health={"pregnancy": False}
                ),
            ],
            client=GUEST,
            source="web",
            actor=Actor.guest(),
            now=NOW,
        )


def test_each_person_keeps_their_own_health_answers(for_two, anna, ben, room_for_two):
    visit = book_visit(
        appointments=[
            WantedAppointment(
                offering=for_two, start_at=at(TUESDAY, "10:00"), health={"pregnancy": False}
            ),
            WantedAppointment(
                offering=for_two,
                start_at=at(TUESDAY, "10:00"),
                guest_name="Leo",
                health={"recent_injury": True},
            ),
        ],
        client=GUEST,
        source="admin",
        actor=DESK,
        has_consent=True,
        now=NOW,
    )

    answers = {a.guest_name: a.health for a in appointments_of(visit)}
    assert answers == {"": {"pregnancy": False}, "Leo": {"recent_injury": True}}


# Holds ------------------------------------------------------------------------


@pytest.fixture
def holds(settings):
    settings.STUDIO_WEB_BOOKING_HOLD_MINUTES = 30


def test_a_visit_booked_without_login_is_held_whole(holds, for_two, anna, ben, room_for_two):
    visit = couples_visit(for_two, actor=Actor.guest())

    assert visit.status == Visit.Status.HELD
    assert {a.status for a in appointments_of(visit)} == {"held"}
    assert {a.hold_expires_at for a in appointments_of(visit)} == {NOW + timedelta(minutes=30)}


def test_confirming_one_appointment_confirms_the_whole_visit(
    holds, for_two, anna, ben, room_for_two
):
    visit = couples_visit(for_two, actor=Actor.guest())
    first = appointments_of(visit)[0]

    confirm_held_appointment(appointment=first, actor=Actor.guest(), now=NOW)

    visit.refresh_from_db()
    assert visit.status == Visit.Status.CONFIRMED
    assert {a.status for a in appointments_of(visit)} == {"confirmed"}


def test_an_expired_held_visit_is_released_whole_with_its_room(
    holds, for_two, anna, ben, room_for_two
):
    visit = couples_visit(for_two, actor=Actor.guest())

    released = release_expired_holds(now=NOW + timedelta(minutes=31))

    visit.refresh_from_db()
    assert released == 2
    assert visit.status == Visit.Status.CANCELLED
    assert {a.status for a in appointments_of(visit)} == {"cancelled"}
    assert not Allocation.objects.filter(is_active=True).exists()


def test_a_cancelled_held_visit_sends_nothing_to_its_unproven_address(
    holds, for_two, anna, ben, room_for_two
):
    visit = couples_visit(for_two, actor=Actor.guest())

    cancel_visit(visit=visit, actor=Actor.guest(), now=NOW)

    assert not Message.objects.filter(kind="cancellation").exists()
    # Only the waitlist's look at the freed times, which goes to nobody.
    assert not Message.objects.filter(status="pending").exclude(kind="waitlist_check").exists()


def test_a_held_visit_is_moved_only_once_confirmed(holds, for_two, anna, ben, room_for_two):
    visit = couples_visit(for_two, actor=Actor.guest())

    with pytest.raises(errors.NotConfirmed):
        reschedule_visit(visit=visit, start_at=at(TUESDAY, "11:00"), actor=Actor.guest(), now=NOW)


# Cancelling and moving -------------------------------------------------------


def test_cancelling_one_appointment_of_a_visit_cancels_the_whole_visit(
    for_two, anna, ben, room_for_two
):
    visit = couples_visit(for_two)
    second = appointments_of(visit)[1]

    cancel_appointment(appointment=second, actor=DESK, now=NOW)

    visit.refresh_from_db()
    assert visit.status == Visit.Status.CANCELLED
    assert {a.status for a in appointments_of(visit)} == {"cancelled"}
    assert not Allocation.objects.filter(is_active=True).exists()


def test_a_cancelled_visit_sends_one_notice_on_its_lead(classical, back, anna, two_rooms):
    visit = foot_then_back(classical, back)

    cancel_visit(visit=visit, actor=DESK, now=NOW)

    lead = appointments_of(visit)[0]
    notices = Message.objects.filter(kind="cancellation")
    assert list(notices.values_list("appointment_id", flat=True)) == [lead.id]
    assert (
        not Message.objects.filter(status="pending")
        .exclude(kind__in=["cancellation", "waitlist_check"])
        .exists()
    )


def test_a_guest_cannot_cancel_a_visit_after_the_cut_off(for_two, anna, ben, room_for_two):
    visit = couples_visit(for_two)

    with pytest.raises(errors.CancellationClosed):
        cancel_visit(visit=visit, actor=Actor.guest(), now=at(TUESDAY, "9:00"))


def test_moving_a_visit_moves_every_appointment_with_its_therapist(
    classical, back, anna, ben, two_rooms
):
    visit = foot_then_back(classical, back)
    before = {a.id: a.therapist_id for a in appointments_of(visit)}

    reschedule_visit(visit=visit, start_at=at(TUESDAY, "14:00"), actor=DESK, now=NOW)

    foot, leg = appointments_of(visit)
    assert (foot.start_at, leg.start_at) == (at(TUESDAY, "14:00"), at(TUESDAY, "14:30"))
    assert {a.id: a.therapist_id for a in (foot, leg)} == before
    visit.refresh_from_db()
    assert (visit.start_at, visit.end_at) == (at(TUESDAY, "14:00"), at(TUESDAY, "15:30"))
    kept = Allocation.objects.get(visit=visit)
    assert (kept.start_at, kept.blocked_until) == (at(TUESDAY, "14:00"), at(TUESDAY, "15:45"))


def test_moving_a_visit_into_its_own_old_time_is_allowed(classical, back, anna, two_rooms):
    visit = foot_then_back(classical, back)

    reschedule_visit(visit=visit, start_at=at(TUESDAY, "10:15"), actor=DESK, now=NOW)

    assert [a.start_at for a in appointments_of(visit)] == [
        at(TUESDAY, "10:15"),
        at(TUESDAY, "10:45"),
    ]


def test_moving_the_second_appointment_moves_the_whole_visit_by_as_much(
    classical, back, anna, two_rooms
):
    visit = foot_then_back(classical, back)
    leg = appointments_of(visit)[1]

    reschedule_appointment(appointment=leg, start_at=at(TUESDAY, "15:30"), actor=DESK, now=NOW)

    assert [a.start_at for a in appointments_of(visit)] == [
        at(TUESDAY, "15:00"),
        at(TUESDAY, "15:30"),
    ]


def test_a_visit_that_cannot_move_stays_where_it_was(for_two, anna, ben, room_for_two):
    visit = couples_visit(for_two)
    other = couples_visit(for_two, clock="11:00")

    with pytest.raises(errors.SlotUnavailable):
        reschedule_visit(visit=other, start_at=at(TUESDAY, "10:15"), actor=DESK, now=NOW)

    assert {a.start_at for a in appointments_of(other)} == {at(TUESDAY, "11:00")}
    assert Allocation.objects.filter(visit=visit, is_active=True).count() == 1


def test_a_move_tells_the_lead_appointments_reminders(classical, back, anna, two_rooms):
    visit = foot_then_back(classical, back)

    reschedule_visit(visit=visit, start_at=at(TUESDAY, "14:00"), actor=DESK, now=NOW)

    lead = appointments_of(visit)[0]
    assert list(
        Message.objects.filter(kind="rescheduled").values_list("appointment_id", flat=True)
    ) == [lead.id]


# Marking ------------------------------------------------------------------------


def test_a_visit_is_completed_once_every_appointment_is_marked(for_two, anna, ben, room_for_two):
    visit = couples_visit(for_two)
    first, second = appointments_of(visit)
    after = at(TUESDAY, "11:00")

    mark_appointment(appointment=first, status="completed", actor=DESK, now=after)
    visit.refresh_from_db()
    status_after_one = visit.status
    mark_appointment(appointment=second, status="no_show", actor=DESK, now=after)
    visit.refresh_from_db()

    assert status_after_one == Visit.Status.CONFIRMED
    assert visit.status == Visit.Status.COMPLETED


def test_a_visit_nobody_came_to_is_a_no_show(for_two, anna, ben, room_for_two):
    visit = couples_visit(for_two)
    after = at(TUESDAY, "11:00")

    for appointment in appointments_of(visit):
        mark_appointment(appointment=appointment, status="no_show", actor=DESK, now=after)

    visit.refresh_from_db()
    assert visit.status == Visit.Status.NO_SHOW


# Courses ----------------------------------------------------------------------


def a_course(offering: Offering, starts: list | None = None, **options) -> Course:
    return book_course(
        offering=offering,
        starts=starts or course_starts(TUESDAY),
        client=GUEST,
        source=options.pop("source", "admin"),
        actor=options.pop("actor", DESK),
        now=NOW,
        **options,
    )


def course_starts(first: date, clock: str = "10:00", count: int = 3) -> list:
    return [at(first + timedelta(days=7 * number), clock) for number in range(count)]


def test_a_course_writes_a_visit_for_each_session_sharing_one_token(
    course_offering, anna, two_rooms
):
    course = a_course(course_offering)

    visits = list(course.visits.order_by("start_at"))
    assert [visit.start_at for visit in visits] == course_starts(TUESDAY)
    assert len({visit.manage_token for visit in visits}) == 1
    assert (course.session_count, course.interval_days) == (3, 7)
    assert Appointment.objects.filter(visit__course=course).count() == 3


def test_a_course_is_confirmed_once_and_reminded_per_session(course_offering, anna, two_rooms):
    course = a_course(course_offering)

    first = course.visits.earliest("start_at")
    confirmations = Message.objects.filter(kind="confirmation")
    assert list(confirmations.values_list("appointment__visit", flat=True)) == [first.id]
    day_before = Message.objects.filter(kind="day_before")
    assert day_before.values("appointment__visit").distinct().count() == 3


def test_a_course_with_one_session_taken_writes_nothing(course_offering, anna, two_rooms):
    book_visit(
        appointments=[
            WantedAppointment(offering=course_offering, start_at=course_starts(TUESDAY)[2])
        ],
        client=ClientDetails(name="Other", email="other@example.com", phone="+49 30 7654321"),
        source="admin",
        actor=DESK,
        now=NOW,
    )
    before = row_counts()

    with pytest.raises(errors.SlotUnavailable):
        a_course(course_offering)

    assert row_counts() == before


def test_a_course_with_a_session_replaced_books_the_replacement(course_offering, anna, two_rooms):
    starts = course_starts(TUESDAY)
    starts[1] = at(TUESDAY + timedelta(days=8), "15:00")

    course = a_course(course_offering, starts)

    assert list(course.visits.order_by("start_at").values_list("start_at", flat=True)) == starts


def test_only_an_offering_sold_as_a_course_is_booked_as_one(classical, anna, two_rooms):
    with pytest.raises(errors.InvalidVisit):
        a_course(classical)


def test_a_course_needs_as_many_sessions_as_it_is_sold_with(course_offering, anna, two_rooms):
    with pytest.raises(errors.InvalidVisit) as refused:
        a_course(course_offering, course_starts(TUESDAY, count=2))

    assert "starts" in refused.value.fields


def test_a_course_across_both_clock_changes_keeps_its_local_time(
    settings, course_offering, anna, two_rooms
):
    settings.STUDIO_HORIZON_DAYS = 400
    course_offering.course_sessions = 2
    course_offering.save(update_fields=["course_sessions"])
    # Tuesdays around 28 March and 31 October 2027.
    spring = [at(date(2027, 3, 23), "10:00"), at(date(2027, 3, 30), "10:00")]
    autumn = [at(date(2027, 10, 26), "10:00"), at(date(2027, 11, 2), "10:00")]

    for starts in (spring, autumn):
        course = a_course(course_offering, starts)
        stored = course.visits.order_by("start_at").values_list("start_at", flat=True)
        assert [start.astimezone(BERLIN).time() for start in stored] == [time(10), time(10)]
        assert stored[0].hour != stored[1].hour


def test_confirming_a_held_course_confirms_every_session(holds, course_offering, anna, two_rooms):
    course = a_course(course_offering, source="web", actor=Actor.guest())
    lead = Appointment.objects.filter(visit__course=course).earliest("start_at")

    confirm_held_appointment(appointment=lead, actor=Actor.guest(), now=NOW)

    assert set(course.visits.values_list("status", flat=True)) == {"confirmed"}


def test_cancelling_a_course_cancels_the_sessions_to_come(course_offering, anna, two_rooms):
    course = a_course(course_offering)
    after_first = at(TUESDAY, "12:00")

    cancel_course(course=course, actor=DESK, now=after_first)

    statuses = list(course.visits.order_by("start_at").values_list("status", flat=True))
    assert statuses == ["confirmed", "cancelled", "cancelled"]
    assert Message.objects.filter(kind="cancellation").count() == 1


def test_a_guest_cancels_only_the_sessions_before_the_cut_off(course_offering, anna, two_rooms):
    course = a_course(course_offering)

    # The evening before the first session: too late for it alone.
    cancel_course(course=course, actor=Actor.guest(), now=at(TUESDAY - timedelta(days=1), "20:00"))

    statuses = list(course.visits.order_by("start_at").values_list("status", flat=True))
    assert statuses == ["confirmed", "cancelled", "cancelled"]
