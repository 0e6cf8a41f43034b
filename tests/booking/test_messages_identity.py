"""Messages carry the studio's identity, and offer only changes the cut-off still allows."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from icalendar import Calendar

from booking.models import Appointment
from booking.services import Actor, book_appointment
from notifications.appointments import build_email, build_sms
from notifications.models import Message
from studio.identity import save_profile
from studio.models import StudioProfile
from tests.booking.conftest import NOW, TUESDAY, at

pytestmark = pytest.mark.django_db
Kind = Message.Kind

# The appointment starts Tuesday 10:00 Berlin (09:00 UTC); with a cut-off
# of 24 hours guests change it online until Monday 09:00 UTC.
BEFORE_CUT_OFF = datetime(2027, 3, 1, 8, 59, tzinfo=UTC)
# The day-before reminder goes out at 18:00 Berlin on Monday.
DAY_BEFORE_SEND_TIME = datetime(2027, 3, 1, 17, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _profile() -> None:
    save_profile(
        StudioProfile(
            name_en="Lindenhof",
            name_ru="Линденхоф",
            address_en="Lindenstraße 12, Berlin",
            address_ru="Линденштрассе 12, Берлин",
            phone="+49 30 7654321",
            email="desk@lindenhof.example",
            map_url="https://maps.example/lindenhof",
        )
    )


@pytest.fixture
def appointment(classical, anna, two_rooms, guest_details) -> Appointment:
    return book_appointment(
        offering=classical,
        start_at=at(TUESDAY, "10:00"),
        client=guest_details,
        source=Appointment.Source.API,
        actor=Actor.guest(),
        now=NOW,
    )


def email(appointment: Appointment, kind: str, *, sent_at: datetime) -> tuple[str, str]:
    with time_machine.travel(sent_at, tick=False):
        message = build_email(Message(appointment=appointment, kind=kind, channel="email"))
    return str(message.body), str(message.alternatives[0][0])


def sms(appointment: Appointment, kind: str, *, sent_at: datetime) -> str:
    with time_machine.travel(sent_at, tick=False):
        return build_sms(Message(appointment=appointment, kind=kind, channel="sms"))


def test_every_email_ends_with_the_studios_name_address_phone_and_map(appointment):
    text, html = email(appointment, Kind.CONFIRMATION, sent_at=NOW)

    for part in (text, html):
        assert "Lindenhof" in part
        assert "Lindenstraße 12, Berlin" in part
        assert "+49 30 7654321" in part
        assert "https://maps.example/lindenhof" in part
        assert "desk@lindenhof.example" in part
    assert 'href="tel:+49307654321"' in html


def test_a_russian_email_gives_the_studios_russian_name_and_address(appointment):
    appointment.visit.language = "ru"

    text, _ = email(appointment, Kind.CONFIRMATION, sent_at=NOW)

    assert "Линденхоф" in text
    assert "Линденштрассе 12, Берлин" in text


def test_the_day_before_reminder_past_the_cut_off_says_call_us_not_the_link(appointment):
    text, html = email(appointment, Kind.DAY_BEFORE, sent_at=DAY_BEFORE_SEND_TIME)

    assert "/booking/manage/" not in text
    assert "/booking/manage/" not in html
    assert "Cancel or move this booking" not in html
    assert "To cancel or move it, call us on +49 30 7654321." in text
    assert "To cancel or move it, call us on" in html


def test_a_reminder_before_the_cut_off_offers_the_link(appointment):
    text, html = email(appointment, Kind.DAY_BEFORE, sent_at=BEFORE_CUT_OFF)

    assert "/en/booking/manage/" in text
    assert "Cancel or move this booking" in html
    assert "too late to change" not in text


def test_a_moved_appointment_is_judged_by_its_new_start_when_the_reminder_is_sent(appointment):
    # Planned for a Tuesday visit, sent after it moved to Wednesday: the
    # cut-off is then Tuesday morning, still ahead on Monday evening.
    visit = appointment.visit
    later = at(TUESDAY.replace(day=3), "10:00")
    type(visit).objects.filter(pk=visit.pk).update(
        start_at=later, end_at=later + timedelta(minutes=30)
    )
    appointment.refresh_from_db()

    text, _ = email(appointment, Kind.DAY_BEFORE, sent_at=DAY_BEFORE_SEND_TIME)

    assert "/en/booking/manage/" in text


def test_the_hours_before_text_past_the_cut_off_gives_the_phone(appointment):
    text = sms(appointment, Kind.HOURS_BEFORE, sent_at=datetime(2027, 3, 2, 7, 0, tzinfo=UTC))

    assert text == (
        "Lindenhof: see you today at 10:00 for Classical: foot. To change it, call +49 30 7654321."
    )


def test_a_text_before_the_cut_off_gives_the_link(appointment):
    text = sms(appointment, Kind.DAY_BEFORE, sent_at=BEFORE_CUT_OFF)

    assert text.startswith("Lindenhof: see you tomorrow at 10:00 for Classical: foot. Manage: ")
    assert f"/en/booking/manage/{appointment.pk}/?t=" in text


def test_the_calendar_file_places_the_massage_at_the_studios_address(appointment):
    with time_machine.travel(NOW, tick=False):
        message = build_email(
            Message(appointment=appointment, kind=Kind.CONFIRMATION, channel="email")
        )
    calendar = Calendar.from_ical(message.attachments[0][1])

    [event] = calendar.walk("VEVENT")
    assert str(event["location"]) == "Lindenstraße 12, Berlin"
