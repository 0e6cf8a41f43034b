"""The Stripe backend against localstripe: the SDK's real requests, a fake server."""

import hashlib
import hmac
import json
import time
from decimal import Decimal

import pytest
import stripe
from django.conf import settings

from payments.backends import get_backend
from payments.backends.base import GatewayPayment, InvalidSignature, PaymentError
from payments.backends.stripe import major_units, minor_units
from tests.payments.conftest import CARD_DECLINED, CARD_OK, WEBHOOK_SECRET


def _card(number: str) -> str:
    client = stripe.StripeClient(
        settings.STRIPE_SECRET_KEY, base_addresses={"api": settings.STRIPE_API_BASE}
    )
    method = client.v1.payment_methods.create(
        params={
            "type": "card",
            "card": {"number": number, "exp_month": 12, "exp_year": 2030, "cvc": "123"},
        }
    )
    return str(method.id)


def _pay_in_browser(reference: str, method: str) -> None:
    """What Stripe.js does with the client secret: set the card and confirm."""
    client = stripe.StripeClient(
        settings.STRIPE_SECRET_KEY, base_addresses={"api": settings.STRIPE_API_BASE}
    )
    client.v1.payment_intents.update(reference, params={"payment_method": method})
    client.v1.payment_intents.confirm(reference)


def test_amounts_go_to_the_gateway_in_cents():
    assert minor_units(Decimal("12.34"), "EUR") == 1234
    assert major_units(1234, "eur") == Decimal("12.34")
    assert minor_units(Decimal(500), "JPY") == 500


def _deposit(key: str, *, save_card: bool = False) -> GatewayPayment:
    return get_backend().create_payment(
        amount=Decimal("20.00"),
        currency="EUR",
        description="Deposit",
        email="mira@example.com",
        metadata={"test": key},
        save_card=save_card,
        idempotency_key=key,
    )


def test_a_payment_starts_pending_with_a_secret_for_the_browser(stripe_backend):
    payment = _deposit("test-create-1", save_card=True)

    assert payment.status == "pending"
    assert payment.reference.startswith("pi_")
    assert payment.client_secret.startswith(payment.reference)


def test_a_paid_payment_saves_its_card_for_a_fee_later(stripe_backend):
    backend = get_backend()
    payment = _deposit("test-save-1", save_card=True)
    _pay_in_browser(payment.reference, _card(CARD_OK))

    paid = backend.retrieve(payment_reference=payment.reference)
    assert paid.status == "succeeded"
    assert paid.card_last4 == "4242"
    fee = backend.charge_saved_card(
        card_customer=paid.customer_reference,
        card_method=paid.method_reference,
        amount=Decimal("35.00"),
        currency="EUR",
        description="No-show fee",
        metadata={},
        idempotency_key="test-fee-1",
    )
    assert fee.status == "succeeded"


def test_a_declined_saved_card_says_why(stripe_backend):
    backend = get_backend()
    client = stripe.StripeClient(
        settings.STRIPE_SECRET_KEY, base_addresses={"api": settings.STRIPE_API_BASE}
    )
    customer = client.v1.customers.create()
    method = _card(CARD_DECLINED)
    client.v1.payment_methods.attach(method, params={"customer": customer.id})

    with pytest.raises(PaymentError) as refused:
        backend.charge_saved_card(
            card_customer=customer.id,
            card_method=method,
            amount=Decimal("35.00"),
            currency="EUR",
            description="No-show fee",
            metadata={},
            idempotency_key="test-declined-1",
        )
    assert refused.value.code == "card_declined"
    assert "declined" in refused.value.message


def test_a_refund_gives_back_part_of_a_payment(stripe_backend):
    backend = get_backend()
    payment = _deposit("test-refund-1")
    _pay_in_browser(payment.reference, _card(CARD_OK))

    refund = backend.refund(
        payment_reference=payment.reference,
        amount=Decimal("5.00"),
        currency="EUR",
        idempotency_key="test-refund-1-r",
    )
    assert refund.amount == Decimal("5.00")
    assert refund.status == "succeeded"


def test_an_unpaid_payment_is_cancelled(stripe_backend):
    backend = get_backend()
    payment = _deposit("test-cancel-1")

    backend.cancel(payment_reference=payment.reference)

    assert backend.retrieve(payment_reference=payment.reference).status == "cancelled"


def _signed(body: bytes, secret: str, at: int | None = None) -> str:
    at = at or int(time.time())
    digest = hmac.new(secret.encode(), f"{at}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={at},v1={digest}"


EVENT = json.dumps(
    {
        "id": "evt_1",
        "type": "payment_intent.succeeded",
        "data": {"object": {"object": "payment_intent", "id": "pi_1", "status": "succeeded"}},
    }
).encode()


def test_a_signed_webhook_is_read(stripe_backend):
    event = get_backend().parse_webhook(body=EVENT, signature=_signed(EVENT, WEBHOOK_SECRET))

    assert event.reference == "evt_1"
    assert event.kind == "payment_intent.succeeded"
    assert event.payment is not None
    assert event.payment.reference == "pi_1"
    assert event.payment.status == "succeeded"


@pytest.mark.parametrize(
    "signature",
    [
        "",
        "t=1,v1=00",
        _signed(EVENT, "whsec_someone_else"),
        # Right secret, but five hours old: a replay.
        _signed(EVENT, WEBHOOK_SECRET, at=int(time.time()) - 5 * 3600),
    ],
    ids=["missing", "garbage", "other secret", "replayed"],
)
def test_a_webhook_with_a_bad_signature_is_refused(stripe_backend, signature):
    with pytest.raises(InvalidSignature):
        get_backend().parse_webhook(body=EVENT, signature=signature)


def test_the_studio_backend_takes_nothing_online():
    backend = get_backend()

    assert backend.takes_online is False
    with pytest.raises(PaymentError):
        backend.refund(
            payment_reference="x", amount=Decimal(1), currency="EUR", idempotency_key="k"
        )
