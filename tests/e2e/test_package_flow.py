"""A client buys a package at a phone's width, pays through localstripe, and sees its sessions.

The Stripe backend points at localstripe: the pay page loads
localstripe's stand-in for Stripe.js, the card goes from the browser to
localstripe, and the studio pays with it and opens the package's page.
Screenshots go to tests/artifacts/e2e/.
"""

# ruff: noqa: F811 - the test takes as arguments the fixtures imported from the payments tests

from decimal import Decimal

import pytest
from django.urls import reverse
from playwright.sync_api import ViewportSize, expect

from catalog.models import Offering
from payments.models import ClientPackage, Entry, Package
from tests.e2e.conftest import assert_accessible
from tests.e2e.test_booking_flow import open_page
from tests.payments.conftest import (  # noqa: F401 (fixtures, found by name)
    CARD_OK,
    localstripe_url,
    stripe_backend,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PHONE_390: ViewportSize = {"width": 390, "height": 844}


def test_a_client_buys_a_package_by_card_and_sees_its_sessions(
    live_server, browser, studio, steps_for, stripe_backend
):
    Package.objects.create(
        name="Ten classical foot massages",
        offering=Offering.objects.get(slug="classical-foot-30"),
        sessions=10,
        price=Decimal("300.00"),
    )
    page = open_page(browser, PHONE_390)
    steps = steps_for(page)
    page.goto(f"{live_server.url}{reverse('packages:list')}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Packages")
    steps.shot("packages")
    assert_accessible(page)

    page.get_by_label("Your name").fill("Mira Example")
    page.get_by_label("E-mail").fill("mira@example.com")
    page.get_by_label("Phone").fill("+49 30 1234567")
    page.get_by_role("button", name="Buy for €300").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Pay for your package")
    field = page.locator("#card-element")
    field.get_by_placeholder("number").fill(CARD_OK)
    field.get_by_placeholder("exp_month").fill("12")
    field.get_by_placeholder("exp_year").fill("30")
    field.get_by_placeholder("cvc").fill("123")
    field.get_by_placeholder("postal_code").fill("10115")
    steps.shot("pay")
    assert_accessible(page)

    page.get_by_role("button", name="Pay €300").click()

    expect(page.locator("#sessions-left")).to_have_text("10 of 10 sessions left", timeout=20_000)
    steps.shot("package")
    assert_accessible(page)
    owned = ClientPackage.objects.get()
    assert owned.is_paid
    assert list(Entry.objects.values_list("kind", "method", "amount")) == [
        ("package_sale", "online", Decimal("300.00"))
    ]
