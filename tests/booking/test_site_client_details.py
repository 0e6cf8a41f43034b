"""The e-mailed link "Use these details for your client record": look first, then confirm."""

import re
from datetime import date

import pytest
import time_machine
from django.core import mail

from booking.models import Appointment, Client
from booking.services import Actor, ClientDetails, book_appointment
from booking.services.clients import details_link_token
from notifications.services import send_message_now
from tests.booking.conftest import NOW, TUESDAY, at

pytestmark = pytest.mark.django_db

WEDNESDAY = date(2027, 3, 3)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def differing(classical, anna, ben, two_rooms, guest_details) -> Appointment:
    """Mira's second booking, with the same e-mail and a new phone."""
    for start, details in [
        (at(TUESDAY, "10:00"), guest_details),
        (
            at(WEDNESDAY, "10:00"),
            ClientDetails(name="Mira Example", email="mira@example.com", phone="+49307654321"),
        ),
    ]:
        appointment = book_appointment(
            offering=classical,
            start_at=start,
            client=details,
            source="web",
            actor=Actor.guest(),
            now=NOW,
        )
    return appointment


def link_in_confirmation(appointment: Appointment) -> str:
    send_message_now(message_id=appointment.messages.get(kind="confirmation").pk)
    message = mail.outbox[-1]
    found = re.search(r"https?://[^/\s]+(/en/booking/client-details/[^\s]+/)", str(message.body))
    assert found, message.body
    return found.group(1)


def test_opening_the_link_shows_the_change_and_changes_nothing(client, differing):
    response = client.get(link_in_confirmation(differing))

    assert response.status_code == 200
    html = response.content.decode()
    assert "+49307654321" in html
    assert "the record says +49 30 1234567" in html
    assert Client.objects.get().phone == "+49 30 1234567"
    assert Client.objects.get().email_verified_at is None
    assert Appointment.objects.get(pk=differing.pk).is_client_verified is False


def test_confirming_puts_the_details_on_the_record_and_verifies_the_email(client, differing):
    url = link_in_confirmation(differing)

    response = client.post(url)

    assert response.status_code == 303
    assert response["Location"] == url
    record = Client.objects.get()
    assert (record.phone, record.email_verified_at) == ("+49307654321", NOW)
    assert Appointment.objects.get(pk=differing.pk).is_client_verified is True
    assert "now has these details" in client.get(url).content.decode()


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_wrong_link_is_a_404_and_changes_nothing(client, differing, method):
    token = details_link_token(differing)

    response = getattr(client, method)(f"/en/booking/client-details/{token[:-3]}abc/")

    assert response.status_code == 404
    assert Client.objects.get().phone == "+49 30 1234567"


def test_an_expired_link_is_a_404(client, differing):
    url = link_in_confirmation(differing)

    with time_machine.travel(at(TUESDAY, "10:00").replace(day=9), tick=False):
        response = client.post(url)

    assert response.status_code == 404
    assert Client.objects.get().phone == "+49 30 1234567"
