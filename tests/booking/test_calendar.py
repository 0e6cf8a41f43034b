import pytest
from icalendar import Calendar

from booking.calendar import appointment_calendar
from booking.services import Actor, cancel_appointment, reschedule_appointment
from tests.booking.conftest import NOW, TUESDAY, at

pytestmark = pytest.mark.django_db


def event_of(ics: bytes):
    calendar = Calendar.from_ical(ics)
    (event,) = calendar.walk("VEVENT")
    return calendar, event


def test_the_calendar_file_holds_the_appointment_in_utc(booked):
    calendar, event = event_of(appointment_calendar(booked, method="PUBLISH", now=NOW))

    assert str(calendar["method"]) == "PUBLISH"
    assert event.decoded("dtstart") == at(TUESDAY, "10:00")
    assert event.decoded("dtend") == at(TUESDAY, "10:30")
    assert str(event["summary"]) == "Classical: foot at Studio"
    assert str(event["status"]) == "CONFIRMED"
    assert int(event["sequence"]) == 0
    assert str(event["attendee"]) == "mailto:mira@example.com"


def test_a_moved_appointment_keeps_its_uid_with_a_higher_sequence(booked):
    _, before = event_of(appointment_calendar(booked, method="REQUEST", now=NOW))

    moved = reschedule_appointment(
        appointment=booked, start_at=at(TUESDAY, "15:00"), actor=Actor.guest(), now=NOW
    )
    _, after = event_of(appointment_calendar(moved, method="REQUEST", now=NOW))

    assert str(after["uid"]) == str(before["uid"])
    assert int(after["sequence"]) == int(before["sequence"]) + 1
    assert after.decoded("dtstart") == at(TUESDAY, "15:00")


def test_a_cancellation_asks_the_calendar_to_remove_the_event(booked):
    cancelled = cancel_appointment(appointment=booked, actor=Actor.guest(), now=NOW)

    calendar, event = event_of(appointment_calendar(cancelled, method="CANCEL", now=NOW))

    assert str(calendar["method"]) == "CANCEL"
    assert str(event["status"]) == "CANCELLED"
    assert int(event["sequence"]) == 1
