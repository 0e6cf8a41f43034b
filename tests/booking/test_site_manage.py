"""A guest's booking by its manage token: confirmation, calendar file, cancel, reschedule."""

import re

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from icalendar import Calendar

from booking.models import Appointment, AppointmentEvent
from booking.services import Actor, ClientDetails, book_appointment, mark_appointment
from booking.site_forms import slot_value
from tests.booking.conftest import NOW, TUESDAY, at

pytestmark = pytest.mark.django_db

GUEST_PAGES = ["manage", "confirmation", "calendar", "cancel", "reschedule"]


@pytest.fixture(autouse=True)
def frozen():
    """Monday 1 March 2027, 08:00 in the studio."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def booked(classical, anna, two_rooms, guest_details) -> Appointment:
    """Classical: foot with Anna on Tuesday at 10:00; the client named vein problems."""
    return book_appointment(
        offering=classical,
        start_at=at(TUESDAY, "10:00"),
        client=guest_details,
        source="web",
        actor=Actor.guest(),
        health={"vein_problems": True, "pregnancy": False},
        has_consent=True,
        now=NOW,
    )


def url(name: str, appointment: Appointment, token: str | None = None) -> str:
    return reverse(
        f"booking:{name}",
        kwargs={"appointment_id": appointment.pk, "token": token or appointment.manage_token},
    )


def test_the_manage_url_is_the_one_the_emails_link_to():
    path = reverse(
        "booking:manage",
        kwargs={"appointment_id": "7d0f1c2e-2f3a-4a57-9f0e-0e8f7f6b2c11", "token": "abc_-XYZ"},
    )

    assert path == "/booking/manage/7d0f1c2e-2f3a-4a57-9f0e-0e8f7f6b2c11/abc_-XYZ/"


def test_the_confirmation_says_what_when_with_whom_where_and_the_price(
    client: Client, booked, settings
):
    settings.STUDIO_ADDRESS = "Lindenstraße 12, 10969 Berlin"

    response = client.get(url("confirmation", booked))

    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Booked: Classical: foot · Studio</title>" in html
    assert "Classical: foot" in html
    assert "Tuesday 2 March 2027" in html
    assert "10:00\N{EN DASH}10:30" in html
    assert "Anna" in html
    assert "Lindenstraße 12, 10969 Berlin" in html
    assert "€35" in html
    assert f'href="{url("calendar", booked)}" download' in html
    assert f'<a href="http://testserver{url("manage", booked)}">' in html
    assert "until Monday 1 March, 10:00 (24 hours before it starts)" in html
    # Classical massage asks for a word first about the veins.
    assert "please mention them when you arrive" in html


def test_the_calendar_file_is_a_download_of_the_appointment(client: Client, booked):
    response = client.get(url("calendar", booked))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="massage-2027-03-02-1000.ics"'
    (event,) = Calendar.from_ical(response.content).walk("VEVENT")
    assert event.decoded("dtstart") == at(TUESDAY, "10:00")
    assert str(event["status"]) == "CONFIRMED"


def test_the_manage_page_shows_the_cancellation_policy_and_the_ways_to_change(
    client: Client, booked
):
    html = client.get(url("manage", booked)).content.decode()

    assert "Confirmed" in html
    assert "until Monday 1 March, 10:00 (24 hours before it starts)" in html
    assert f'href="{url("reschedule", booked)}">Change the time</a>' in html
    assert f'href="{url("cancel", booked)}">Cancel the appointment</a>' in html


@pytest.mark.parametrize("name", GUEST_PAGES)
def test_a_wrong_token_is_a_plain_404(client: Client, booked, name):
    # One character off, so the length and the rest of it are right.
    first = "y" if booked.manage_token.startswith("x") else "x"
    response = client.get(url(name, booked, token=first + booked.manage_token[1:]))

    assert response.status_code == 404
    assert "Mira" not in response.content.decode()


@pytest.mark.parametrize("name", ["cancel", "reschedule"])
def test_a_wrong_token_cannot_change_anything(client: Client, booked, name):
    response = client.post(
        url(name, booked, token="wrong"), {"start": slot_value(at(TUESDAY, "11:00"))}
    )

    assert response.status_code == 404
    booked.refresh_from_db()
    assert (booked.status, booked.start_at) == ("confirmed", at(TUESDAY, "10:00"))


def test_an_unknown_appointment_is_a_404(client: Client):
    path = "/booking/manage/7d0f1c2e-2f3a-4a57-9f0e-0e8f7f6b2c11/some-token/"

    assert client.get(path).status_code == 404
    assert client.get("/booking/manage/not-a-uuid/some-token/").status_code == 404


@pytest.mark.parametrize("name", GUEST_PAGES)
def test_the_token_is_used_up_once_the_appointment_is_over(client: Client, booked, name, frozen):
    frozen.move_to(at(TUESDAY, "10:30"))

    assert client.get(url(name, booked)).status_code == 404


def test_the_token_is_used_up_once_staff_mark_the_appointment(client: Client, booked, frozen):
    frozen.move_to(at(TUESDAY, "10:05"))
    assert client.get(url("manage", booked)).status_code == 200

    mark_appointment(appointment=booked, status="no_show", actor=Actor(label="desk", is_staff=True))

    assert client.get(url("manage", booked)).status_code == 404


def test_token_pages_are_never_cached(client: Client, booked):
    response = client.get(url("manage", booked))

    assert "no-store" in response["Cache-Control"]
    assert '<meta name="robots" content="noindex">' in response.content.decode()


def test_cancelling_asks_first_then_cancels(client: Client, booked):
    page = client.get(url("cancel", booked))
    assert page.status_code == 200
    assert "Cancel this appointment?" in page.content.decode()

    response = client.post(url("cancel", booked), {"reason": "Ill."}, follow=True)

    assert response.redirect_chain == [(url("manage", booked), 303)]
    booked.refresh_from_db()
    assert booked.status == Appointment.Status.CANCELLED
    event = AppointmentEvent.objects.get(appointment=booked, action="cancelled")
    assert (event.actor, event.details) == ("guest", {"reason": "Ill."})
    html = response.content.decode()
    assert "Your appointment is cancelled." in html
    assert '<span class="badge badge-cancelled">Cancelled</span>' in html
    assert "Change the time" not in html
    assert "Book again" in html


def test_cancelling_twice_says_it_is_cancelled_already(client: Client, booked):
    client.post(url("cancel", booked))

    response = client.post(url("cancel", booked), follow=True)

    assert "This appointment is already cancelled." in response.content.decode()


def test_after_the_cut_off_the_page_says_to_call_and_changes_are_refused(
    client: Client, booked, frozen, settings
):
    settings.STUDIO_PHONE = "+49 30 1234567"
    frozen.move_to(at(TUESDAY, "08:00"))

    html = client.get(url("manage", booked)).content.decode()
    assert "so this one can no longer be changed here. To move or cancel it, please call us" in html
    assert 'href="tel:+49 30 1234567"' in html
    assert "Cancel the appointment" not in html
    assert client.get(url("cancel", booked)).status_code == 302
    assert client.get(url("reschedule", booked)).status_code == 302

    response = client.post(url("cancel", booked), follow=True)

    booked.refresh_from_db()
    assert booked.status == Appointment.Status.CONFIRMED
    assert "Appointments can be changed online until 24 hours" in response.content.decode()


def test_forms_on_token_pages_need_the_csrf_token(booked):
    guarded = Client(enforce_csrf_checks=True)

    assert guarded.post(url("cancel", booked)).status_code == 403
    booked.refresh_from_db()
    assert booked.status == Appointment.Status.CONFIRMED


def test_the_reschedule_picker_opens_on_the_appointment_day_with_its_therapist(
    client: Client, booked, ben
):
    response = client.get(url("reschedule", booked))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Tuesday 2 March" in html
    assert "free times with Anna" in html
    assert 'name="therapist"' not in html
    # Its own time is shown as its own, the times beside it are free.
    assert '<span class="time time-current">10:00<span class="time-note">yours</span>' in html
    reschedule = url("reschedule", booked)
    assert f'href="{reschedule}?start=2027-03-02T09%3A15Z">10:15</a>' in html


def test_rescheduling_confirms_the_new_time_then_moves_it(client: Client, booked):
    new_start = slot_value(at(TUESDAY, "15:00"))

    page = client.get(url("reschedule", booked), {"start": new_start})
    assert "Tuesday 2 March, 15:00\N{EN DASH}15:30" in page.content.decode()
    response = client.post(url("reschedule", booked), {"start": new_start}, follow=True)

    assert response.redirect_chain == [(url("manage", booked), 303)]
    booked.refresh_from_db()
    assert booked.start_at == at(TUESDAY, "15:00")
    assert "Your appointment is moved to Tuesday 2 March, 15:00." in response.content.decode()


def test_rescheduling_to_a_taken_time_offers_the_nearest_free_ones(
    client: Client, booked, classical
):
    book_appointment(
        offering=classical,
        start_at=at(TUESDAY, "15:00"),
        client=ClientDetails("Quick Other", "other@example.com", "+49 30 7654321"),
        source="web",
        actor=Actor.guest(),
        now=NOW,
    )

    response = client.post(url("reschedule", booked), {"start": slot_value(at(TUESDAY, "15:00"))})

    html = response.content.decode()
    assert response.status_code == 200
    assert "That time is no longer free." in html
    offered = re.findall(r'name="start" value="([^"]+)"', html)
    assert slot_value(at(TUESDAY, "15:45")) in offered
    assert slot_value(at(TUESDAY, "15:00")) not in offered
    booked.refresh_from_db()
    assert booked.start_at == at(TUESDAY, "10:00")


def test_rescheduling_into_the_past_is_refused_with_the_reason(client: Client, booked):
    response = client.post(url("reschedule", booked), {"start": "2027-02-26T09:00Z"})

    assert "That time is in the past." in response.content.decode()
    booked.refresh_from_db()
    assert booked.start_at == at(TUESDAY, "10:00")


def test_a_cancelled_appointment_cannot_be_rescheduled(client: Client, booked):
    client.post(url("cancel", booked))

    response = client.post(url("reschedule", booked), {"start": slot_value(at(TUESDAY, "15:00"))})

    assert response.status_code == 302
    booked.refresh_from_db()
    assert booked.start_at == at(TUESDAY, "10:00")
