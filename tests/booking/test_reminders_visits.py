"""The dispatcher sends a visit's messages in batches whose cost does not grow with the visits.

A batch is loaded in a fixed number of queries, with every appointment
its messages list, however many people, massages or sessions its visits
have; each message then costs only its own two updates.
"""

from datetime import timedelta

import pytest
from django.core import mail
from icalendar import Calendar

from booking.models import Course, Reminder, Visit
from booking.services import dispatch_due_reminders
from catalog.models import Offering
from tests.booking.conftest import NOW, TUESDAY, at, reminder_on, visit_of
from tests.factories import TherapistFactory, appointment_in

pytestmark = pytest.mark.django_db

Kind = Reminder.Kind


@pytest.fixture(autouse=True)
def frozen(time_machine) -> None:
    time_machine.move_to(NOW, tick=False)


def due(visit: Visit, kind: str = Kind.CONFIRMATION) -> Reminder:
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

    # The claim: a savepoint, the rows locked, marked sending, released (4).
    # The batch: the reminders with their appointments, clients, visits
    #   and courses; the visits' appointments; the courses' visits; and
    #   their appointments (4).
    # Each of the 3 messages: its lease renewed, then marked sent (6).
    # The next claim finds nothing: a savepoint, the select, released (3).
    with django_assert_num_queries(4 + 4 + 6 + 3):
        assert dispatch_due_reminders() == 3

    assert set(Reminder.objects.values_list("status", flat=True)) == {Reminder.Status.SENT}
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
