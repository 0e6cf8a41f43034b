"""localstripe, a fake Stripe server, on loopback; and the studio pointed at it.

The official `stripe` package talks to it over HTTP as it would to
Stripe: nothing of the SDK is mocked. Each pytest-xdist worker starts
its own server (its state is its own), once per session.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.test import override_settings

from payments.backends import _backend_of

# The booking tests' studio (offerings, therapists with hours, rooms, a
# client, staff, the studio's rules and a frozen clock), for the money
# tests to book with; importing a fixture into a conftest shares it.
from tests.booking.conftest import (  # noqa: F401 (fixtures, found by name)
    NOW,
    anna,
    ben,
    booked,
    classical,
    course_of_three,
    for_two,
    frozen,
    guest_details,
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
