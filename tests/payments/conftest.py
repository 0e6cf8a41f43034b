"""localstripe, a fake Stripe server, on loopback; and the studio pointed at it.

The official `stripe` package talks to it over HTTP as it would to
Stripe: nothing of the SDK is mocked. Each pytest-xdist worker starts
its own server (its state is its own), once per session.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
import stripe
from django.conf import settings
from django.test import Client as DjangoClient
from django.test import override_settings

from payments.backends import _backend_of, get_backend
from payments.models import Payment, PaymentPolicy

# The booking tests' studio (offerings, therapists with hours, rooms, a
# client, staff, the studio's rules and a frozen clock), for the money
# tests to book with; importing a fixture into a conftest shares it.
from tests.booking.conftest import (  # noqa: F401 (fixtures, found by name)
    NOW,
    anna,
    api,
    ben,
    booked,
    classical,
    course_of_three,
    for_two,
    frozen,
    guest_details,
    integration,
    mira,
    staff,
    studio_rules,
    two_rooms,
    vacuum,
)

# Test cards localstripe knows (as Stripe's test mode does).
CARD_OK = "4242424242424242"
CARD_DECLINED = "4000000000000341"  # attaches, then every charge is declined
WEBHOOK_SECRET = "whsec_studio_tests"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def localstripe_url() -> Iterator[str]:
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "localstripe", "--port", str(port), "--from-scratch"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{url}/js.stripe.com/v3/", timeout=1).close()  # noqa: S310 (loopback)
                break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.1)
        else:
            pytest.fail("localstripe did not start")
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture
def stripe_backend(localstripe_url: str) -> Iterator[str]:
    """The studio takes cards through Stripe, at localstripe; yields its address."""
    with override_settings(
        PAYMENT_BACKEND="payments.backends.stripe.StripeBackend",
        STRIPE_SECRET_KEY="sk_test_studio",
        STRIPE_PUBLISHABLE_KEY="pk_test_studio",
        STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
        STRIPE_API_BASE=localstripe_url,
        STRIPE_JS_URL=f"{localstripe_url}/js.stripe.com/v3/",
        STRIPE_SAVE_CARD_BY_ATTACHING=True,
    ):
        _backend_of.cache_clear()
        yield localstripe_url
    _backend_of.cache_clear()


def euros(text: str) -> Decimal:
    return Decimal(text)


def gateway() -> stripe.StripeClient:
    """The SDK at localstripe, as the client's browser and Stripe itself stand in the tests."""
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY, base_addresses={"api": settings.STRIPE_API_BASE}
    )


def card_entered(payment: Payment, number: str = CARD_OK) -> str:
    """What Stripe.js does on the pay page: the card straight to the gateway; its SetupIntent."""
    secret = get_backend().start_card_entry(payment_reference=payment.gateway_reference)
    setup_id = secret.split("_secret_")[0]
    # localstripe takes a raw card here, as Stripe.js sends it; Stripe's types do not.
    card = {"number": number, "exp_month": 12, "exp_year": 2030, "cvc": "123"}
    params: Any = {"payment_method_data": {"type": "card", "card": card}}
    gateway().v1.setup_intents.confirm(setup_id, params=params)
    return setup_id


def signed(body: bytes, at: int | None = None, secret: str = WEBHOOK_SECRET) -> str:
    """A `Stripe-Signature` header as Stripe (and localstripe) make it."""
    at = at or int(time.time())
    digest = hmac.new(secret.encode(), f"{at}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={at},v1={digest}"


def gateway_event(kind: str, payment: Payment, event_id: str | None = None) -> bytes:
    """The gateway's event about the payment, with the PaymentIntent as it stands at localstripe."""
    intent = gateway().v1.payment_intents.retrieve(payment.gateway_reference)
    return json.dumps(
        {
            "id": event_id or f"evt_{uuid.uuid4().hex}",
            "object": "event",
            "type": kind,
            "data": {"object": json.loads(str(intent))},
        }
    ).encode()


def post_event(client: DjangoClient, body: bytes, signature: str | None = None) -> Any:
    return client.post(
        "/payments/webhooks/stripe/",
        data=body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=signature if signature is not None else signed(body),
    )


@pytest.fixture
def deposit_policy(db) -> PaymentPolicy:
    """The studio asks 20 % of the price online, for every massage."""
    return PaymentPolicy.objects.create(online=PaymentPolicy.Online.DEPOSIT, deposit_percent=20)
