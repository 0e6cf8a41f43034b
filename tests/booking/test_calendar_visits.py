"""A visit's calendar file: one event per appointment, each with a UID of its own.

Read back with the `icalendar` package, as a client's calendar reads it.
"""

import uuid
from datetime import timedelta

import pytest
from django.db.models import F
from django.test import Client
from django.urls import reverse
from icalendar import Calendar

from booking.calendar import appointment_calendar
from booking.guest_access import manage_link
from booking.models import Appointment, Course, Visit
from notifications.appointments import build_email
from notifications.models import Message
from tests.booking.conftest import TUESDAY, at, reminder_on, visit_of
from tests.factories import appointment_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("russian_catalogue")]

Kind = Message.Kind


@pytest.fixture(autouse=True)
def _studio(settings) -> None:
    settings.STUDIO_NAME = "Studio"
    settings.STUDIO_BASE_URL = "https://studio.example"


def attached(visit: Visit, kind: str) -> Calendar:
    """The calendar file attached to the e-mail of `kind` about the visit."""
    message = build_email(reminder_on(visit, kind))
    name, ics, mimetype = message.attachments[0]
    method = "CANCEL" if kind == Kind.CANCELLATION else "REQUEST"
    assert (name, mimetype) == ("appointment.ics", f"text/calendar; method={method}; charset=utf-8")
    return Calendar.from_ical(ics)


def events(calendar: Calendar) -> dict[str, dict]:
    """The calendar's events by UID, with what a calendar shows of each."""
    return {
        str(event["uid"]): {
            "start": event.decoded("dtstart"),
            "end": event.decoded("dtend"),
            "sequence": int(str(event["sequence"])),
            "status": str(event["status"]),
            "description": str(event["description"]),
        }
        for event in calendar.walk("VEVENT")
    }


def uid(appointment_id: int) -> str:
    return f"appointment-{uuid.UUID(int=appointment_id)}@studio.example"


def test_a_couples_confirmation_holds_one_event_for_each_person(couples_visit):
    calendar = attached(couples_visit, Kind.CONFIRMATION)

    assert str(calendar["method"]) == "REQUEST"
    assert events(calendar) == {
        uid(1): {
            "start": at(TUESDAY, "10:00"),
            "end": at(TUESDAY, "10:30"),
            "sequence": 0,
            "status": "CONFIRMED",
            "description": "Classical: foot with Anna.",
        },
        uid(2): {
            "start": at(TUESDAY, "10:00"),
            "end": at(TUESDAY, "10:30"),
            "sequence": 0,
            "status": "CONFIRMED",
            "description": "Classical: foot with Ben, for Olga Guest.",
        },
    }
    attendees = {str(event["attendee"]) for event in calendar.walk("VEVENT")}
    assert attendees == {"mailto:mira@example.com"}


def test_a_one_massage_visit_keeps_the_uid_its_calendar_entry_already_has(mira, classical, anna):
    # Migrated appointments became visits of the same id (booking 0018).
    start_at = at(TUESDAY, "10:00")
    appointment_id = uuid.uuid4()
    visit = visit_of(mira, start_at, start_at + timedelta(minutes=30), id=appointment_id)
    appointment_in(visit, classical, anna, start_at, id=appointment_id)

    (event,) = attached(visit, Kind.DAY_BEFORE).walk("VEVENT")

    assert str(event["uid"]) == f"appointment-{appointment_id}@studio.example"


def test_a_moved_visit_keeps_each_uid_with_its_own_higher_sequence(consecutive_visit):
    before = events(attached(consecutive_visit, Kind.CONFIRMATION))
    # As reschedule_visit leaves them: each appointment an hour later, its sequence bumped.
    Appointment.objects.filter(visit=consecutive_visit).update(
        start_at=F("start_at") + timedelta(hours=1),
        end_at=F("end_at") + timedelta(hours=1),
        blocked_until=F("blocked_until") + timedelta(hours=1),
        sequence=F("sequence") + 1,
    )
    Appointment.objects.filter(pk=uuid.UUID(int=4)).update(sequence=F("sequence") + 1)

    after = events(attached(consecutive_visit, Kind.RESCHEDULED))

    assert set(after) == set(before) == {uid(3), uid(4)}
    assert (after[uid(3)]["sequence"], after[uid(4)]["sequence"]) == (1, 2)
    assert after[uid(3)]["start"] == at(TUESDAY, "11:00")
    assert after[uid(4)]["start"] == at(TUESDAY, "11:30")


def test_a_cancellation_asks_the_calendar_to_remove_every_appointment(consecutive_visit):
    Visit.objects.filter(pk=consecutive_visit.pk).update(status=Visit.Status.CANCELLED)
    Appointment.objects.filter(visit=consecutive_visit).update(
        status=Appointment.Status.CANCELLED, sequence=F("sequence") + 1
    )

    calendar = attached(consecutive_visit, Kind.CANCELLATION)

    assert str(calendar["method"]) == "CANCEL"
    cancelled = events(calendar)
    assert set(cancelled) == {uid(3), uid(4)}
    assert {event["status"] for event in cancelled.values()} == {"CANCELLED"}
    assert {event["sequence"] for event in cancelled.values()} == {1}


def first_session(course: Course) -> Visit:
    return course.visits.order_by("start_at")[0]


def test_a_courses_confirmation_puts_every_session_in_the_calendar(course_of_three):
    sessions = events(attached(first_session(course_of_three), Kind.CONFIRMATION))

    assert sorted(sessions) == [uid(11), uid(12), uid(13)]
    assert [sessions[uid(11 + week)]["start"] for week in range(3)] == [
        at(TUESDAY + timedelta(days=7 * week), "10:00") for week in range(3)
    ]
    assert sessions[uid(12)]["description"] == "Session 2 of 3. Vacuum: hip with Anna."


def test_a_sessions_cancellation_removes_that_session_alone(course_of_three):
    second = course_of_three.visits.order_by("start_at")[1]

    calendar = attached(second, Kind.CANCELLATION)

    assert list(events(calendar)) == [uid(12)]


def test_a_russian_couples_visits_calendar_file_reads_in_russian(couples_visit):
    Visit.objects.update(language="ru")

    couples = events(attached(couples_visit, Kind.DAY_BEFORE))

    assert couples[uid(1)]["description"] == "Классический: стопа, массажист: Anna."
    assert couples[uid(2)]["description"] == "Классический: стопа для Olga Guest, массажист: Ben."


def test_a_russian_courses_calendar_file_names_each_session_in_russian(course_of_three):
    Visit.objects.update(language="ru")

    course = events(attached(first_session(course_of_three), Kind.CONFIRMATION))

    assert course[uid(13)]["description"] == "Сеанс 3 из 3. Вакуумный: бедро, массажист: Anna."


def download(client: Client, visit: Visit) -> Calendar:
    """The calendar file the visit's manage page offers, opened with its e-mail's link."""
    appointment = visit.appointments.order_by("start_at", "id")[0]
    client.get(manage_link(appointment))
    response = client.get(reverse("booking:calendar", kwargs={"appointment_id": appointment.pk}))
    assert response.status_code == 200
    return Calendar.from_ical(response.content)


def test_the_download_of_a_couples_visit_holds_both_appointments(client: Client, couples_visit):
    calendar = download(client, couples_visit)

    assert str(calendar["method"]) == "PUBLISH"
    assert set(events(calendar)) == {uid(1), uid(2)}


def test_the_download_of_a_course_session_holds_the_whole_course(client: Client, course_of_three):
    calendar = download(client, course_of_three.visits.order_by("start_at")[2])

    assert set(events(calendar)) == {uid(11), uid(12), uid(13)}


def test_a_visits_calendar_takes_two_queries(couples_visit, django_assert_num_queries):
    appointment = couples_visit.appointments.first()

    # 1. the visit (joined with its course, here none)
    # 2. its appointments, with their offerings and therapists
    with django_assert_num_queries(2):
        appointment_calendar(appointment, method="PUBLISH")


@pytest.mark.parametrize("more_sessions", [0, 4])
def test_a_courses_calendar_takes_four_queries_however_many_sessions(
    course_of_three, vacuum, anna, mira, more_sessions, django_assert_num_queries
):
    for week in range(3, 3 + more_sessions):
        start_at = at(TUESDAY + timedelta(days=7 * week), "10:00")
        visit = visit_of(mira, start_at, start_at + timedelta(minutes=45), course=course_of_three)
        appointment_in(visit, vacuum, anna, start_at)
    appointment = first_session(course_of_three).appointments.get()

    # 1. the visit, joined with its course
    # 2. its appointments, with their offerings and therapists
    # 3. the course's visits
    # 4. their appointments, with their offerings and therapists
    with django_assert_num_queries(4):
        ics = appointment_calendar(appointment, method="PUBLISH")

    assert len(Calendar.from_ical(ics).walk("VEVENT")) == 3 + more_sessions
