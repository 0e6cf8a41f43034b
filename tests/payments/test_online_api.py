"""The API's bookings that ask for a deposit online: `awaiting_payment`, then confirmed."""

import contextlib
from datetime import timedelta

import pytest
import stripe
import time_machine

from payments.models import Payment
from payments.services import online
from tests.booking.conftest import MIRA, NOW, TUESDAY, assert_error, at
from tests.payments.conftest import (
    CARD_DECLINED,
    CARD_OK,
    card_entered,
    gateway,
    gateway_event,
    post_event,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

HOLD = timedelta(minutes=15)

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


def browser_pays(payment: Payment, number: str) -> None:
    """What Stripe.js's `confirmCardPayment` does with the payment's secret: charge the card.

    localstripe declines `4000000000000341` when charged (`4000000000000002` only when a
    card is attached, as the website's card entry does).
    """
    method = gateway().v1.payment_methods.create(
        params={
            "type": "card",
            "card": {"number": number, "exp_month": 12, "exp_year": 2030, "cvc": "123"},
        }
    )
    gateway().v1.payment_intents.update(
        payment.gateway_reference, params={"payment_method": method.id}
    )
    with contextlib.suppress(stripe.CardError):
        gateway().v1.payment_intents.confirm(payment.gateway_reference)


@pytest.fixture
def awaiting(api, online_studio, classical) -> dict:
    response = api.post("/api/v1/visits/", visit_body(classical), format="json")
    assert response.status_code == 201, response.content
    return response.json()


def try_again(api, booked: dict, token: str | None = None):
    headers = {"X-Manage-Token": token or booked["manage_token"]}
    return api.post(f"/api/v1/visits/{booked['id']}/payment/", headers=headers)


def test_after_a_declined_card_a_new_payment_is_made_and_paid(api, client, awaiting):
    declined = Payment.objects.get(pk=awaiting["payment"]["id"])
    browser_pays(declined, CARD_DECLINED)

    response = try_again(api, awaiting)

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "awaiting_payment"
    fresh = body["payment"]
    assert fresh["id"] != str(declined.pk)
    assert (fresh["amount"], fresh["status"]) == ("7.00", "pending")
    assert fresh["client_secret"] not in ("", declined.client_secret)
    declined.refresh_from_db()
    assert declined.status == Payment.Status.FAILED
    assert declined.failure_message == "Your card was declined."

    paid = Payment.objects.get(pk=fresh["id"])
    browser_pays(paid, CARD_OK)
    post_event(client, gateway_event(online.SUCCEEDED, paid))
    visit = api.get(
        f"/api/v1/visits/{awaiting['id']}/", headers={"X-Manage-Token": awaiting["manage_token"]}
    ).json()
    assert (visit["status"], visit["payment"]["id"]) == ("confirmed", fresh["id"])


def test_trying_again_while_the_payment_can_be_paid_makes_no_new_one(api, awaiting):
    first = try_again(api, awaiting)
    again = try_again(api, awaiting)

    assert first.status_code == again.status_code == 200
    assert first.json()["payment"]["id"] == again.json()["payment"]["id"]
    assert first.json()["payment"]["id"] == awaiting["payment"]["id"]
    assert Payment.objects.count() == 1


def test_trying_again_after_a_decline_twice_makes_one_new_payment(api, awaiting):
    browser_pays(Payment.objects.get(pk=awaiting["payment"]["id"]), CARD_DECLINED)

    first = try_again(api, awaiting)
    again = try_again(api, awaiting)

    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["payment"]["id"] == again.json()["payment"]["id"]
    assert Payment.objects.count() == 2


def test_after_the_hold_ran_out_trying_again_is_a_409(api, awaiting):
    with time_machine.travel(NOW + HOLD, tick=False):
        response = try_again(api, awaiting)

    assert_error(response, 409, "hold_expired")
    assert Payment.objects.count() == 1


def test_a_visit_that_waits_for_no_payment_is_a_409(integration, online_studio, classical):
    booked = integration.post("/api/v1/visits/", visit_body(classical), format="json").json()

    response = integration.post(f"/api/v1/visits/{booked['id']}/payment/")

    assert_error(response, 409, "not_awaiting_payment")
    assert not Payment.objects.exists()


def test_a_wrong_token_finds_no_visit_to_pay(api, awaiting):
    assert try_again(api, awaiting, token="not-the-token").status_code == 404
