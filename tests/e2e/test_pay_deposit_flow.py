"""A client pays a deposit at a phone's width, through to the confirmation.

The Stripe backend points at localstripe: the pay page loads
localstripe's stand-in for Stripe.js, the card goes from the browser to
localstripe, and localstripe sends its signed webhook to the live
server, which confirms the visit. Screenshots go to tests/artifacts/e2e/.
"""

import urllib.parse
import urllib.request
import uuid
from datetime import time

import pytest
from django.urls import reverse
from playwright.sync_api import Page, ViewportSize, expect

from booking.models import Visit
from booking.site_forms import slot_value
from payments.models import Entry, Payment, PaymentPolicy
from tests.e2e.conftest import assert_accessible
from tests.e2e.test_booking_flow import days_ahead, fill_in_details, local, open_page
from tests.payments.conftest import (  # noqa: F401 (fixtures, found by name)
    CARD_DECLINED,
    CARD_OK,
    WEBHOOK_SECRET,
    localstripe_url,
    stripe_backend,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PHONE_390: ViewportSize = {"width": 390, "height": 844}


@pytest.fixture
def webhook_to_live_server(live_server, stripe_backend):  # noqa: F811 (the fixture imported above)
    """localstripe sends its events, signed, to the live server's webhook address."""
    url = f"{live_server.url}/payments/webhooks/stripe/"
    form = urllib.parse.urlencode({"url": url, "secret": WEBHOOK_SECRET}).encode()
    hook = f"{stripe_backend}/_config/webhooks/e2e-{uuid.uuid4().hex[:8]}"
    urllib.request.urlopen(hook, data=form, timeout=5).close()  # noqa: S310 (loopback)
    return url


def enter_card(page: Page, number: str) -> None:
    """localstripe's card field: number, month, year, CVC and postcode inputs."""
    field = page.locator("#card-element")
    field.get_by_placeholder("number").fill(number)
    field.get_by_placeholder("exp_month").fill("12")
    field.get_by_placeholder("exp_year").fill("30")
    field.get_by_placeholder("cvc").fill("123")
    field.get_by_placeholder("postal_code").fill("10115")


def book_with_deposit(live_server, browser, studio) -> Page:
    PaymentPolicy.objects.create(online=PaymentPolicy.Online.DEPOSIT, deposit_percent=20)
    page = open_page(browser, PHONE_390)
    form = reverse("booking:book", kwargs={"offering_slug": "classical-foot-30"})
    start = slot_value(local(days_ahead(3), time(10)))
    page.goto(f"{live_server.url}{form}?start={start}&therapist={studio['anna'].id}")
    fill_in_details(page)
    page.get_by_role("button", name="Book for €35").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Pay the deposit")
    return page


def test_a_client_pays_a_deposit_and_sees_the_visit_confirmed(
    live_server, browser, studio, steps_for, webhook_to_live_server
):
    page = book_with_deposit(live_server, browser, studio)
    steps = steps_for(page)
    expect(page.get_by_role("button", name="Pay €7")).to_be_visible()
    expect(page.locator("[data-countdown]")).to_contain_text("Minutes left:")
    assert Visit.objects.get().status == Visit.Status.HELD
    enter_card(page, CARD_OK)
    steps.shot("pay")
    assert_accessible(page)

    page.get_by_role("button", name="Pay €7").click()

    # The status page polls until localstripe's webhook has arrived.
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Payment received, your visit is confirmed", timeout=20_000
    )
    steps.shot("paid")
    assert_accessible(page)
    visit = Visit.objects.get()
    assert visit.status == Visit.Status.CONFIRMED
    payment = Payment.objects.get()
    assert payment.status == Payment.Status.SUCCEEDED
    assert list(Entry.objects.values_list("kind", "method", "amount")) == [
        ("deposit", "online", payment.amount)
    ]
    page.get_by_role("link", name="See your booking").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your massage is booked")
    expect(page.locator("#paid-online")).to_have_text(
        "Paid online: €7. The rest is paid at the studio."
    )
    steps.shot("confirmation")
    assert_accessible(page)


def test_a_declined_card_says_why_and_the_client_tries_another(
    live_server, browser, studio, steps_for, webhook_to_live_server
):
    page = book_with_deposit(live_server, browser, studio)
    steps = steps_for(page)
    enter_card(page, CARD_DECLINED)
    page.get_by_role("button", name="Pay €7").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("The payment did not go through")
    expect(page.get_by_role("alert")).to_contain_text("declined")
    steps.shot("declined")
    assert_accessible(page)
    assert Visit.objects.get().status == Visit.Status.HELD

    page.get_by_role("button", name="Try another card").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Pay the deposit")
    enter_card(page, CARD_OK)
    page.get_by_role("button", name="Pay €7").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Payment received, your visit is confirmed", timeout=20_000
    )
    steps.shot("paid-with-another-card")
    assert Visit.objects.get().status == Visit.Status.CONFIRMED
    assert Payment.objects.filter(status=Payment.Status.FAILED).count() == 1
