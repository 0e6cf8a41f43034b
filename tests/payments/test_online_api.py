"""The API's bookings that ask for a deposit online: `awaiting_payment`, then confirmed."""

import pytest

from payments.models import Payment
from payments.services import online
from tests.booking.conftest import MIRA, TUESDAY, at
from tests.payments.conftest import card_entered, gateway_event, post_event

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

PAYMENT_FIELDS = {
    "id",
    "amount",
    "currency",
    "status",
    "client_secret",
    "publishable_key",
    "js_url",
    "failure_message",
}


def visit_body(offering, clock="10:00") -> dict:
    return {
        "client": MIRA,
        "appointments": [{"offering": offering.id, "start": at(TUESDAY, clock).isoformat()}],
    }


@pytest.fixture
def online_studio(stripe_backend, deposit_policy, classical, anna, two_rooms):
    return stripe_backend


def test_a_visit_that_asks_a_deposit_answers_awaiting_payment_with_its_payment(
    api, online_studio, classical
):
    response = api.post("/api/v1/visits/", visit_body(classical), format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "awaiting_payment"
    assert body["expires_at"] == "2027-03-01T08:15:00+01:00"
    payment = body["payment"]
    assert set(payment) == PAYMENT_FIELDS
    assert (payment["amount"], payment["currency"], payment["status"]) == ("7.00", "EUR", "pending")
    stored = Payment.objects.get(pk=payment["id"])
    assert payment["client_secret"] == stored.client_secret != ""
    assert payment["publishable_key"] == "pk_test_studio"
    assert payment["js_url"] == f"{online_studio}/js.stripe.com/v3/"


def test_an_appointment_that_asks_a_deposit_answers_awaiting_payment_too(
    api, online_studio, classical
):
    response = api.post(
        "/api/v1/appointments/",
        {"offering": classical.id, "start": at(TUESDAY, "10:00").isoformat(), "client": MIRA},
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "awaiting_payment"
    assert body["expires_at"] == "2027-03-01T08:15:00+01:00"
    assert body["payment"]["amount"] == "7.00"


def test_a_replayed_idempotency_key_returns_the_same_payment(api, online_studio, classical):
    headers = {"Idempotency-Key": "pay-once-1"}
    first = api.post("/api/v1/visits/", visit_body(classical), format="json", headers=headers)
    again = api.post("/api/v1/visits/", visit_body(classical), format="json", headers=headers)

    assert first.status_code == again.status_code == 201
    assert again.json()["payment"]["id"] == first.json()["payment"]["id"]
    assert Payment.objects.count() == 1


def test_the_visit_reads_awaiting_payment_until_paid_then_confirmed(
    api, client, online_studio, classical
):
    booked = api.post("/api/v1/visits/", visit_body(classical), format="json").json()
    headers = {"X-Manage-Token": booked["manage_token"]}
    url = f"/api/v1/visits/{booked['id']}/"

    waiting = api.get(url, headers=headers).json()
    assert (waiting["status"], waiting["payment"]["id"]) == (
        "awaiting_payment",
        booked["payment"]["id"],
    )

    payment = Payment.objects.get(pk=booked["payment"]["id"])
    online.pay_with_card(payment=payment, entry_reference=card_entered(payment))
    post_event(client, gateway_event(online.SUCCEEDED, payment))

    paid = api.get(url, headers=headers).json()
    assert paid["status"] == "confirmed"
    assert paid["expires_at"] is None
    assert paid["payment"]["status"] == "succeeded"


def test_an_integration_with_staff_rights_books_without_a_payment_hold(
    integration, online_studio, classical
):
    """Like reception, an integration that may change bookings takes the money itself."""
    response = integration.post("/api/v1/visits/", visit_body(classical), format="json")

    assert response.status_code == 201, response.content
    assert (response.json()["status"], response.json()["payment"]) == ("confirmed", None)
    assert not Payment.objects.exists()
