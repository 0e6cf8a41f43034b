"""A guest's booking by its manage token: confirmation, calendar file, cancel, reschedule.

The token opens the pages once, through the session; the pages' own
addresses never hold it.
"""

import re

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from icalendar import Calendar

from booking.guest_access import SESSION_KEY, manage_link
from booking.models import Appointment, AppointmentEvent
from booking.services import Actor, ClientDetails, book_appointment, mark_appointment
from booking.site_forms import slot_value
from notifications.appointments import manage_url
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


def url(name: str, appointment: Appointment) -> str:
    return reverse(f"booking:{name}", kwargs={"appointment_id": appointment.pk})


def old_link(name: str, appointment: Appointment, token: str | None = None) -> str:
    """A guest page as the e-mails linked to it before: the token in the path.

    In the language the test runs in (/en/); the links as sent had no
    language, see the tests of unprefixed links below.
    """
    page = {
        "manage": "",
        "confirmation": "confirmed/",
        "calendar": "appointment.ics",
        "cancel": "cancel/",
        "reschedule": "reschedule/",
    }[name]
    return f"{url('manage', appointment)}{token or appointment.manage_token}/{page}"


def wrong(token: str) -> str:
    """One character off, so the length and the rest of it are right."""
    return ("y" if token.startswith("x") else "x") + token[1:]


@pytest.fixture
def guest(client: Client, booked) -> Client:
    """The client's browser, after opening the link in the e-mail."""
    assert client.get(manage_link(booked)).status_code == 303
    return client


def test_the_manage_url_is_the_one_the_emails_link_to(booked, settings):
    settings.STUDIO_BASE_URL = "https://studio.example"

    assert (
        manage_url(booked)
        == f"https://studio.example/en/booking/manage/{booked.pk}/?t={booked.manage_token}"
    )
    assert reverse("booking:manage", kwargs={"appointment_id": booked.pk}) == (
        f"/en/booking/manage/{booked.pk}/"
    )


def test_the_confirmation_says_what_when_with_whom_where_and_the_price(
    guest: Client, booked, settings
):
    settings.STUDIO_ADDRESS = "Lindenstraße 12, 10969 Berlin"

    response = guest.get(url("confirmation", booked))

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
    # The link to keep is the e-mail's, which any browser exchanges;
    # the button opens the page in this one.
    assert f'<a href="http://testserver{manage_link(booked)}">' in html
    assert f'href="{url("manage", booked)}">Manage your booking</a>' in html
    assert "until Monday 1 March, 10:00 (24 hours before it starts)" in html
    # Classical massage asks for a word first about the veins.
    assert "please mention them when you arrive" in html


def test_the_calendar_file_is_a_download_of_the_appointment(guest: Client, booked):
    response = guest.get(url("calendar", booked))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="massage-2027-03-02-1000.ics"'
    (event,) = Calendar.from_ical(response.content).walk("VEVENT")
    assert event.decoded("dtstart") == at(TUESDAY, "10:00")
    assert str(event["status"]) == "CONFIRMED"


def test_the_manage_page_shows_the_cancellation_policy_and_the_ways_to_change(
    guest: Client, booked
):
    html = guest.get(url("manage", booked)).content.decode()

    assert "Confirmed" in html
    assert "until Monday 1 March, 10:00 (24 hours before it starts)" in html
    assert f'href="{url("reschedule", booked)}">Change the time</a>' in html
    assert f'href="{url("cancel", booked)}">Cancel the appointment</a>' in html


def test_opening_the_link_exchanges_the_token_for_the_session_and_drops_it(client: Client, booked):
    response = client.get(manage_link(booked))

    assert response.status_code == 303
    assert response["Location"] == f"/en/booking/manage/{booked.pk}/"
    assert response["Referrer-Policy"] == "no-referrer"
    assert "no-store" in response["Cache-Control"]
    assert client.session[SESSION_KEY] == {str(booked.pk): booked.manage_token}
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert booked.manage_token not in page.content.decode()


def test_the_link_opens_the_booking_every_time_in_any_browser(booked):
    for browser in (Client(), Client(), Client()):
        response = browser.get(manage_link(booked), follow=True)

        assert response.redirect_chain == [(url("manage", booked), 303)]
        assert response.status_code == 200


def test_a_token_on_any_guest_page_is_exchanged_and_the_rest_of_the_query_kept(
    client: Client, booked
):
    start = slot_value(at(TUESDAY, "15:00"))

    response = client.get(url("reschedule", booked), {"start": start, "t": booked.manage_token})

    assert response.status_code == 303
    assert response["Location"] == f"{url('reschedule', booked)}?start=2027-03-02T14%3A00Z"
    assert "15:00" in client.get(response["Location"]).content.decode()


@pytest.mark.parametrize("name", GUEST_PAGES)
def test_an_old_link_with_the_token_in_the_path_still_opens_its_page(client: Client, booked, name):
    response = client.get(old_link(name, booked))

    assert response.status_code == 303
    assert response["Location"] == url(name, booked)
    assert response["Referrer-Policy"] == "no-referrer"
    assert client.session[SESSION_KEY] == {str(booked.pk): booked.manage_token}
    assert client.get(url(name, booked)).status_code == 200


@pytest.mark.parametrize("name", GUEST_PAGES)
def test_a_guest_page_without_the_session_is_a_plain_404(client: Client, booked, name):
    response = client.get(url(name, booked))

    assert response.status_code == 404
    assert "Mira" not in response.content.decode()


@pytest.mark.parametrize("name", GUEST_PAGES)
def test_a_wrong_token_is_a_plain_404_that_leaves_nothing_in_the_session(
    client: Client, booked, name
):
    token = wrong(booked.manage_token)

    in_query = client.get(url(name, booked), {"t": token})
    in_path = client.get(old_link(name, booked, token=token))

    assert in_query.status_code == in_path.status_code == 404
    assert "Mira" not in in_query.content.decode()
    assert SESSION_KEY not in client.session
    assert client.get(url(name, booked)).status_code == 404


def test_a_wrong_token_does_not_close_a_booking_the_browser_opened(guest: Client, booked):
    assert guest.get(url("manage", booked), {"t": wrong(booked.manage_token)}).status_code == 404

    assert guest.get(url("manage", booked)).status_code == 200


def test_the_session_opens_only_the_bookings_whose_links_it_opened(
    guest: Client, booked, classical
):
    other = book_appointment(
        offering=classical,
        start_at=at(TUESDAY, "15:00"),
        client=ClientDetails("Quick Other", "other@example.com", "+49 30 7654321"),
        source="web",
        actor=Actor.guest(),
        now=NOW,
    )

    assert guest.get(url("manage", other)).status_code == 404
    assert guest.get(url("manage", booked)).status_code == 200


def test_opening_the_link_gives_the_session_a_new_key(client: Client, booked):
    client.get(url("manage", booked))
    session = client.session
    session["planted"] = True
    session.save()
    planted = session.session_key

    client.get(manage_link(booked))

    assert client.session.session_key != planted
    assert Client(HTTP_COOKIE=f"sessionid={planted}").get(url("manage", booked)).status_code == 404


@pytest.mark.parametrize("name", ["cancel", "reschedule"])
def test_a_wrong_token_cannot_change_anything(client: Client, booked, name):
    moving = {"start": slot_value(at(TUESDAY, "11:00"))}
    token = wrong(booked.manage_token)

    responses = [
        client.post(f"{url(name, booked)}?t={token}", moving),
        client.post(old_link(name, booked, token=token), moving),
        client.post(url(name, booked), moving),
    ]

    assert [response.status_code for response in responses] == [404, 404, 404]
    booked.refresh_from_db()
    assert (booked.status, booked.start_at) == ("confirmed", at(TUESDAY, "10:00"))


@pytest.mark.parametrize("prefix", ["/en", ""])
def test_an_unknown_appointment_is_a_404(client: Client, prefix):
    appointment_id = "7d0f1c2e-2f3a-4a57-9f0e-0e8f7f6b2c11"
    manage = f"{prefix}/booking/manage"

    for address in [
        f"{manage}/{appointment_id}/?t=some-token",
        f"{manage}/{appointment_id}/some-token/",
        f"{manage}/{appointment_id}/",
        f"{manage}/not-a-uuid/some-token/",
    ]:
        # Without a language, by way of the redirect to the address with one.
        assert client.get(address, follow=True).status_code == 404, address


def test_an_old_link_without_a_language_opens_the_booking_in_the_browsers(client: Client, booked):
    """The links sent before the pages had a language still open them, and drop the token."""
    response = client.get(
        f"/booking/manage/{booked.pk}/?t={booked.manage_token}",
        follow=True,
        HTTP_ACCEPT_LANGUAGE="ru",
    )

    assert response.redirect_chain == [
        (f"/ru/booking/manage/{booked.pk}/?t={booked.manage_token}", 302),
        (f"/ru/booking/manage/{booked.pk}/", 303),
    ]
    assert response.status_code == 200
    assert response.request["PATH_INFO"] == f"/ru/booking/manage/{booked.pk}/"
    assert not response.request["QUERY_STRING"]
    assert client.session[SESSION_KEY] == {str(booked.pk): booked.manage_token}
    html = response.content.decode()
    assert '<html lang="ru">' in html
    assert booked.manage_token not in html


@pytest.mark.parametrize("name", GUEST_PAGES)
def test_an_old_link_without_a_language_and_the_token_in_its_path_opens_its_page(
    client: Client, booked, name
):
    old = old_link(name, booked).removeprefix("/en")

    response = client.get(old, follow=True)

    assert [address for address, _status in response.redirect_chain] == [
        f"/en{old}",
        url(name, booked),
    ]
    assert response.status_code == 200
    assert client.session[SESSION_KEY] == {str(booked.pk): booked.manage_token}


@pytest.mark.parametrize("name", GUEST_PAGES)
def test_the_token_is_used_up_once_the_appointment_is_over(guest: Client, booked, name, frozen):
    frozen.move_to(at(TUESDAY, "10:30"))

    assert guest.get(url(name, booked)).status_code == 404


def test_the_token_is_used_up_once_staff_mark_the_appointment(guest: Client, booked, frozen):
    frozen.move_to(at(TUESDAY, "10:05"))
    assert guest.get(url("manage", booked)).status_code == 200

    mark_appointment(appointment=booked, status="no_show", actor=Actor(label="desk", is_staff=True))

    assert guest.get(url("manage", booked)).status_code == 404


def test_token_pages_are_never_cached(guest: Client, booked):
    response = guest.get(url("manage", booked))

    assert "no-store" in response["Cache-Control"]
    assert '<meta name="robots" content="noindex">' in response.content.decode()


def test_cancelling_asks_first_then_cancels(guest: Client, booked):
    page = guest.get(url("cancel", booked))
    assert page.status_code == 200
    assert "Cancel this appointment?" in page.content.decode()

    response = guest.post(url("cancel", booked), {"reason": "Ill."}, follow=True)

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


def test_cancelling_twice_says_it_is_cancelled_already(guest: Client, booked):
    guest.post(url("cancel", booked))

    response = guest.post(url("cancel", booked), follow=True)

    assert "This appointment is already cancelled." in response.content.decode()


def test_after_the_cut_off_the_page_says_to_call_and_changes_are_refused(
    guest: Client, booked, frozen, settings
):
    settings.STUDIO_PHONE = "+49 30 1234567"
    frozen.move_to(at(TUESDAY, "08:00"))

    html = guest.get(url("manage", booked)).content.decode()
    assert "so this one can no longer be changed here. To move or cancel it, please call us" in html
    assert 'href="tel:+49 30 1234567"' in html
    assert "Cancel the appointment" not in html
    assert guest.get(url("cancel", booked)).status_code == 302
    assert guest.get(url("reschedule", booked)).status_code == 302

    response = guest.post(url("cancel", booked), follow=True)

    booked.refresh_from_db()
    assert booked.status == Appointment.Status.CONFIRMED
    assert "Appointments can be changed online until 24 hours" in response.content.decode()


def test_forms_on_token_pages_need_the_csrf_token(booked):
    guarded = Client(enforce_csrf_checks=True)

    assert guarded.post(url("cancel", booked)).status_code == 403
    booked.refresh_from_db()
    assert booked.status == Appointment.Status.CONFIRMED


def test_the_reschedule_picker_opens_on_the_appointment_day_with_its_therapist(
    guest: Client, booked, ben
):
    response = guest.get(url("reschedule", booked))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Tuesday 2 March" in html
    assert "free times with Anna" in html
    assert 'name="therapist"' not in html
    # Its own time is shown as its own, the times beside it are free.
    assert '<span class="time time-current">10:00<span class="time-note">yours</span>' in html
    reschedule = url("reschedule", booked)
    assert f'href="{reschedule}?start=2027-03-02T09%3A15Z">10:15</a>' in html


def test_rescheduling_confirms_the_new_time_then_moves_it(guest: Client, booked):
    new_start = slot_value(at(TUESDAY, "15:00"))

    page = guest.get(url("reschedule", booked), {"start": new_start})
    assert "Tuesday 2 March, 15:00\N{EN DASH}15:30" in page.content.decode()
    response = guest.post(url("reschedule", booked), {"start": new_start}, follow=True)

    assert response.redirect_chain == [(url("manage", booked), 303)]
    booked.refresh_from_db()
    assert booked.start_at == at(TUESDAY, "15:00")
    assert "Your appointment is moved to Tuesday 2 March, 15:00." in response.content.decode()


def test_rescheduling_to_a_taken_time_offers_the_nearest_free_ones(
    guest: Client, booked, classical
):
    book_appointment(
        offering=classical,
        start_at=at(TUESDAY, "15:00"),
        client=ClientDetails("Quick Other", "other@example.com", "+49 30 7654321"),
        source="web",
        actor=Actor.guest(),
        now=NOW,
    )

    response = guest.post(url("reschedule", booked), {"start": slot_value(at(TUESDAY, "15:00"))})

    html = response.content.decode()
    assert response.status_code == 200
    assert "That time is no longer free." in html
    offered = re.findall(r'name="start" value="([^"]+)"', html)
    assert slot_value(at(TUESDAY, "15:45")) in offered
    assert slot_value(at(TUESDAY, "15:00")) not in offered
    booked.refresh_from_db()
    assert booked.start_at == at(TUESDAY, "10:00")


def test_rescheduling_into_the_past_is_refused_with_the_reason(guest: Client, booked):
    response = guest.post(url("reschedule", booked), {"start": "2027-02-26T09:00Z"})

    assert "That time is in the past." in response.content.decode()
    booked.refresh_from_db()
    assert booked.start_at == at(TUESDAY, "10:00")


def test_a_cancelled_appointment_cannot_be_rescheduled(guest: Client, booked):
    guest.post(url("cancel", booked))

    response = guest.post(url("reschedule", booked), {"start": slot_value(at(TUESDAY, "15:00"))})

    assert response.status_code == 302
    booked.refresh_from_db()
    assert booked.start_at == at(TUESDAY, "10:00")
