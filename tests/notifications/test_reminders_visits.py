"""The dispatcher sends a visit's messages in batches whose cost does not grow with the visits.

A batch is loaded in a fixed number of queries, with every appointment
its messages list, however many people, massages or sessions its visits
have; each message then costs only its own two updates.
"""

from datetime import timedelta

import pytest
from django.core import mail
from icalendar import Calendar

from booking.models import Course, Therapist, Visit
from booking.services import (
    Actor,
    WantedAppointment,
    book_course,
    book_visit,
    cancel_course,
    cancel_visit,
    reschedule_visit,
)
from catalog.models import Offering
from notifications.models import Message
from notifications.services import dispatch_due_messages
from tests.booking.conftest import NOW, TUESDAY, at, reminder_on, visit_of
from tests.factories import TherapistFactory, appointment_in, vacuum_device

pytestmark = pytest.mark.django_db

Kind = Message.Kind


@pytest.fixture(autouse=True)
def frozen(time_machine) -> None:
    time_machine.move_to(NOW, tick=False)


def due(visit: Visit, kind: str = Kind.CONFIRMATION) -> Message:
    reminder = reminder_on(visit, kind)
    reminder.due_at = NOW
    reminder.save()
    return reminder


def couples(mira, offering: Offering, people: int) -> Visit:
    """`people` side by side, each with a therapist of their own."""
    start_at = at(TUESDAY, "10:00")
    visit = visit_of(mira, start_at, start_at + timedelta(minutes=offering.duration_minutes))
    for person in range(people):
        guest_name = f"Guest {person}" if person else ""
        appointment_in(visit, offering, TherapistFactory.create(), start_at, guest_name=guest_name)
    return visit


def course(mira, offering: Offering, sessions: int) -> Course:
    therapist = TherapistFactory.create()
    course = Course.objects.create(
        client=mira, offering=offering, interval_days=7, session_count=sessions
    )
    for week in range(sessions):
        start_at = at(TUESDAY + timedelta(days=7 * week), "12:00")
        visit = visit_of(mira, start_at, start_at + timedelta(minutes=45), course=course)
        appointment_in(visit, offering, therapist, start_at)
    return course


@pytest.mark.parametrize(("people", "sessions"), [(2, 2), (4, 10)])
def test_a_batch_of_visits_messages_takes_the_same_queries_whatever_their_size(
    mira, classical, vacuum, people, sessions, django_assert_num_queries
):
    due(couples(mira, classical, people))
    sessions_in_order = list(course(mira, vacuum, sessions).visits.order_by("start_at"))
    due(sessions_in_order[0])
    due(sessions_in_order[1], Kind.DAY_BEFORE)

    # The claim: a savepoint, the pending rows locked, the rows whose lease
    #   ran out locked, marked sending, released (5).
    # The batch: the reminders with their appointments, clients, visits
    #   and courses; the visits' appointments; the courses' visits; and
    #   their appointments (4).
    # The notes other apps add to the batch's messages: the payments app's
    #   read of the visits' package sessions, none found (1).
    # Each of the 3 messages: its lease renewed, then marked sent (6).
    # The next claim finds nothing: a savepoint, the two selects, released (4).
    with django_assert_num_queries(5 + 4 + 1 + 6 + 4):
        assert dispatch_due_messages() == 3

    assert set(Message.objects.values_list("status", flat=True)) == {Message.Status.SENT}
    by_subject = {
        message.subject.split(" on ")[0].split(" at ")[0]: message for message in mail.outbox
    }
    couples_message = by_subject["Your massages"]
    confirmation = by_subject[f"Your course of {sessions} sessions from Tuesday 2 March"]
    day_before = by_subject["See you tomorrow"]
    events = [
        len(Calendar.from_ical(message.attachments[0][1]).walk("VEVENT"))
        for message in (couples_message, confirmation, day_before)
    ]
    assert events == [people, sessions, 1]
    assert couples_message.body.count("What: Classical: foot") == people
    assert confirmation.body.count("What: Vacuum: hip") == sessions
    assert f"session 2 of {sessions}" in day_before.subject


# Through the booking services ------------------------------------------------------


@pytest.fixture
def course_massage(vacuum) -> Offering:
    """Vacuum massage, sold as a course of three sessions; the studio has the device."""
    vacuum_device()
    vacuum.course_sessions = 3
    vacuum.save(update_fields=["course_sessions"])
    return vacuum


WEEKLY = [at(TUESDAY + timedelta(days=7 * week), "10:00") for week in range(3)]


def sent() -> list[tuple[str, int]]:
    """Each e-mail sent: its subject, and how many events its calendar file holds."""
    return [
        (
            message.subject.split(" · ")[0],
            len(Calendar.from_ical(message.attachments[0][1]).walk("VEVENT")),
        )
        for message in mail.outbox
    ]


def book_for_two(offering: Offering, details) -> Visit:
    """Mira and her guest Olga side by side, Tuesday at 10:00."""
    return book_visit(
        appointments=[
            WantedAppointment(offering=offering, start_at=at(TUESDAY, "10:00")),
            WantedAppointment(
                offering=offering, start_at=at(TUESDAY, "10:00"), guest_name="Olga Guest"
            ),
        ],
        client=details,
        source="web",
        actor=Actor.guest(),
        now=NOW,
    )


def test_a_booked_couples_visit_is_confirmed_once_for_both(
    for_two, anna, ben, room_for_two, guest_details
):
    book_for_two(for_two, guest_details)

    dispatch_due_messages()

    assert sent() == [("Your massages on Tuesday 2 March at 10:00 are booked", 2)]
    (message,) = mail.outbox
    assert "With: Anna" in message.body
    assert "With: Ben\nFor: Olga Guest\n" in message.body


def book_three_sessions(offering: Offering, therapist: Therapist, details) -> Course:
    return book_course(
        offering=offering,
        starts=WEEKLY,
        client=details,
        source="web",
        actor=Actor.guest(),
        therapist=therapist,
        now=NOW,
    )


def test_a_booked_course_is_confirmed_once_with_every_session(
    course_massage, anna, two_rooms, guest_details
):
    book_three_sessions(course_massage, anna, guest_details)

    dispatch_due_messages()

    assert sent() == [("Your course of 3 sessions from Tuesday 2 March at 10:00 is booked", 3)]


def test_cancelling_a_course_sends_one_notice_that_removes_every_session_cancelled(
    course_massage, anna, two_rooms, guest_details, staff
):
    course = book_three_sessions(course_massage, anna, guest_details)
    dispatch_due_messages()
    mail.outbox.clear()

    cancel_course(course=course, actor=staff, now=NOW)
    dispatch_due_messages()

    assert sent() == [("3 sessions of your course from Tuesday 2 March at 10:00 are cancelled", 3)]
    (message,) = mail.outbox
    assert str(Calendar.from_ical(message.attachments[0][1])["method"]) == "CANCEL"
    assert "3 sessions of your course have been cancelled." in message.body
    assert "Session 3 of 3\nWhat: Vacuum: hip\n" in message.body


def test_cancelling_one_session_sends_a_notice_about_it_alone(
    course_massage, anna, two_rooms, guest_details
):
    course = book_three_sessions(course_massage, anna, guest_details)
    dispatch_due_messages()
    mail.outbox.clear()
    second = course.visits.order_by("start_at")[1]

    cancel_visit(visit=second, actor=Actor.guest(), now=NOW)
    dispatch_due_messages()

    assert sent() == [("Your massage on Tuesday 9 March at 10:00 is cancelled", 1)]
    assert "Session 2 of 3\n" in mail.outbox[0].body


def test_moving_a_couples_visit_sends_one_notice_with_both_at_the_new_time(
    for_two, anna, ben, room_for_two, guest_details
):
    visit = book_for_two(for_two, guest_details)
    dispatch_due_messages()
    mail.outbox.clear()

    reschedule_visit(visit=visit, start_at=at(TUESDAY, "15:00"), actor=Actor.guest(), now=NOW)
    dispatch_due_messages()

    assert sent() == [("Your massages have moved to Tuesday 2 March at 15:00", 2)]
    (message,) = mail.outbox
    assert message.body.count("When: Tuesday 2 March at 15:00 to 15:30") == 2
    sequences = {
        int(str(event["sequence"]))
        for event in Calendar.from_ical(message.attachments[0][1]).walk("VEVENT")
    }
    assert sequences == {1}
