"""Held bookings on the website and the API: held on booking, confirmed by the e-mailed link.

Only the link in the confirmation e-mail proves the mailbox: the session
the booking page grants, and the manage token the API answers with,
open the booking but never confirm it.
"""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from booking.guest_access import confirmation_link, manage_link
from booking.models import Appointment
from booking.services import release_expired_holds
from booking.views.slots import WantedVisit, is_offered
from booking.visits import Part
from notifications.models import Message
from tests.booking.conftest import NOW, TUESDAY, at
from tests.booking.test_site_booking import details, form_url

pytestmark = pytest.mark.django_db

Status = Appointment.Status
EXPIRED = NOW + timedelta(minutes=30)


@pytest.fixture(autouse=True)
def holds(settings):
    settings.STUDIO_WEB_BOOKING_HOLD_MINUTES = 30


@pytest.fixture
def frozen():
    """Monday 1 March 2027, 08:00 in the studio; tests move on with `.move_to`."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def page(name: str, appointment: Appointment) -> str:
    return reverse(f"booking:{name}", kwargs={"appointment_id": appointment.pk})


def book_on_the_website(client: Client, offering) -> tuple[Appointment, str]:
    """Book Tuesday 10:00; returns the appointment and the page shown right after."""
    response = client.post(form_url(offering), details(at(TUESDAY, "10:00")), follow=True)
    assert response.status_code == 200
    return Appointment.objects.get(), response.content.decode()


def test_a_website_booking_is_held_and_the_page_after_it_says_so(
    client: Client, classical, anna, two_rooms, frozen
):
    appointment, html = book_on_the_website(client, classical)

    assert appointment.status == Status.HELD
    assert "<title>Held: Classical: foot · Studio</title>" in html
    assert "Your time is held" in html
    assert "We hold this time for you until <strong>" in html
    assert ">08:30</time>" in html
    assert "We have e-mailed a link to mira@example.com: open it to confirm" in html
    # The page gives away no link that a made-up address could use.
    assert appointment.manage_token not in html
    assert appointment.mailbox_token not in html


def test_the_pages_of_the_browser_that_booked_do_not_confirm_it(
    client: Client, classical, anna, two_rooms, frozen
):
    appointment, _ = book_on_the_website(client, classical)

    for name in ["confirmation", "manage"]:
        assert client.get(page(name, appointment)).status_code == 200

    assert Appointment.objects.get().status == Status.HELD
    assert set(Message.objects.values_list("kind", flat=True)) == {"confirmation"}


def test_the_manage_token_opens_a_held_booking_but_does_not_confirm_it(
    classical, anna, two_rooms, frozen
):
    browser = Client()
    book_on_the_website(browser, classical)
    appointment = Appointment.objects.get()

    response = Client().get(manage_link(appointment), follow=True)

    assert response.status_code == 200
    assert Appointment.objects.get().status == Status.HELD
    assert "Please confirm your booking" in response.content.decode()


def test_opening_the_emailed_link_confirms_the_booking_and_plans_its_reminders(
    classical, anna, two_rooms, frozen
):
    book_on_the_website(Client(), classical)
    appointment = Appointment.objects.get()
    frozen.move_to(NOW + timedelta(minutes=10))

    # In the mail program: another browser than the one that booked.
    response = Client().get(confirmation_link(appointment), follow=True)

    html = response.content.decode()
    assert response.redirect_chain == [(page("manage", appointment), 303)]
    assert "Thank you: your booking is confirmed." in html
    assert '<span class="badge badge-confirmed">Confirmed</span>' in html
    stored = Appointment.objects.get()
    assert (stored.status, stored.hold_expires_at) == (Status.CONFIRMED, None)
    assert set(
        Message.objects.filter(status=Message.Status.PENDING).values_list("kind", flat=True)
    ) >= {"day_before", "hours_before"}


def test_the_emailed_link_keeps_opening_the_booking_once_confirmed(
    classical, anna, two_rooms, frozen
):
    book_on_the_website(Client(), classical)
    appointment = Appointment.objects.get()
    Client().get(confirmation_link(appointment))

    response = Client().get(confirmation_link(appointment), follow=True)

    assert response.status_code == 200
    assert "your booking is confirmed" not in response.content.decode()
    assert Appointment.objects.get().status == Status.CONFIRMED


def test_a_link_opened_after_the_hold_expired_says_the_time_was_released(
    classical, anna, two_rooms, frozen
):
    book_on_the_website(Client(), classical)
    appointment = Appointment.objects.get()
    frozen.move_to(EXPIRED)
    release_expired_holds()

    response = Client().get(confirmation_link(appointment), follow=True)

    html = response.content.decode()
    assert "This booking was not confirmed in time, so its time has been released." in html
    assert '<span class="badge badge-cancelled">Cancelled</span>' in html
    assert Appointment.objects.get().status == Status.CANCELLED


def test_a_held_time_is_offered_again_once_the_sweep_released_it(
    classical, anna, two_rooms, frozen
):
    book_on_the_website(Client(), classical)
    with_anna = WantedVisit(parts=(Part(offering=classical, therapist_id=anna.id),))
    assert not is_offered(with_anna, at(TUESDAY, "10:00"))

    frozen.move_to(EXPIRED)
    release_expired_holds()

    assert is_offered(with_anna, at(TUESDAY, "10:00"))
    response = Client().post(
        form_url(classical),
        details(at(TUESDAY, "10:00"), email="other@example.com", phone="+49 30 7654321"),
    )
    assert response.status_code == 303
    assert Appointment.objects.filter(status=Status.HELD).count() == 1


def test_a_held_booking_can_be_cancelled_but_not_moved_from_its_page(
    client: Client, classical, anna, two_rooms, frozen
):
    appointment, _ = book_on_the_website(client, classical)

    html = client.get(page("manage", appointment)).content.decode()

    assert f'href="{page("cancel", appointment)}">Cancel the booking</a>' in html
    assert page("reschedule", appointment) not in html
    assert client.get(page("reschedule", appointment))["Location"] == page("manage", appointment)


# The API ----------------------------------------------------------------------


def api_booking(offering) -> dict:
    return {
        "offering": offering.id,
        "start": at(TUESDAY, "10:00").isoformat(),
        "client": {"name": "Mira Example", "email": "mira@example.com", "phone": "+49 30 1234567"},
    }


def test_an_anonymous_api_booking_answers_held_with_its_expiry(classical, anna, two_rooms, frozen):
    response = APIClient().post("/api/v1/appointments/", api_booking(classical), format="json")

    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "held"
    assert body["hold_expires_at"] == "2027-03-01T08:30:00+01:00"
    assert Appointment.objects.get().status == Status.HELD


def test_the_manage_token_from_the_api_does_not_confirm_a_held_booking(
    classical, anna, two_rooms, frozen
):
    created = APIClient().post("/api/v1/appointments/", api_booking(classical), format="json")
    token = created.json()["manage_token"]

    guest = APIClient()
    read = guest.get(
        f"/api/v1/appointments/{created.json()['id']}/", headers={"X-Manage-Token": token}
    )
    Client().get(f"/booking/manage/{created.json()['id']}/?t={token}")

    assert read.json()["status"] == "held"
    assert Appointment.objects.get().status == Status.HELD


def test_an_integrations_api_booking_is_confirmed_at_once(
    classical, anna, two_rooms, frozen, django_user_model
):
    user = django_user_model.objects.create_user("crm")
    user.groups.add(Group.objects.get(name="integrations"))
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")

    response = api.post("/api/v1/appointments/", api_booking(classical), format="json")

    assert response.status_code == 201
    assert (response.json()["status"], response.json()["hold_expires_at"]) == ("confirmed", None)


def test_a_guest_moving_a_held_booking_by_the_api_is_a_409(classical, anna, two_rooms, frozen):
    created = APIClient().post("/api/v1/appointments/", api_booking(classical), format="json")
    body = created.json()

    response = APIClient().post(
        f"/api/v1/appointments/{body['id']}/reschedule/",
        {"start": at(TUESDAY, "11:00").isoformat()},
        format="json",
        headers={"X-Manage-Token": body["manage_token"]},
    )

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "not_confirmed"
