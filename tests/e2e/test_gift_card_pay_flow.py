"""On a 375 px phone: buy a gift card online, then pay a deposit with it and a card.

The Stripe backend points at localstripe: the one pay page loads
localstripe's stand-in for Stripe.js, which takes the card with a
SetupIntent for the gift card as for the deposit; localstripe sends its
signed webhook to the live server, which confirms the visit. The ledger
and the gift card's balance are checked in the database to the cent.
Screenshots go to tests/artifacts/e2e/.
"""

from datetime import time
from decimal import Decimal

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from booking.models import Visit
from booking.site_forms import slot_value
from payments.models import Entry, GiftCard, Payment, PaymentPolicy
from payments.selectors import gift_card_balance
from payments.services.gift_cards import find_gift_card
from tests.e2e.conftest import PHONE, Steps, assert_accessible
from tests.e2e.test_booking_flow import days_ahead, fill_in_details, local, open_page
from tests.e2e.test_pay_deposit_flow import enter_card, webhook_to_live_server  # noqa: F401
from tests.payments.conftest import (  # noqa: F401 (fixtures, found by name)
    CARD_OK,
    localstripe_url,
    stripe_backend,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def buy_a_gift_card_of_ten_euros(page: Page, server: str, steps: Steps) -> str:
    """Buy a gift card of 10 € on the one pay page; its code, as the page shows it once."""
    page.goto(f"{server}{reverse('gift_cards:gift_cards')}")
    page.get_by_label("Amount in euros").fill("10")
    page.get_by_label("Your name").fill("Olga Example")
    page.get_by_label("Your e-mail").fill("olga@example.com")
    page.get_by_role("button", name="Go to payment").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Pay for the gift card")
    enter_card(page, CARD_OK)
    steps.shot("gift-card-pay")
    assert_accessible(page)
    page.get_by_role("button", name="Pay €10").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your gift card", timeout=20_000)
    code = page.locator(".gift-card-code").inner_text()
    expect(page.get_by_text("It holds €10")).to_be_visible()
    steps.shot("gift-card-code")
    assert_accessible(page)
    card = find_gift_card(code)
    assert card is not None and card.is_paid
    assert gift_card_balance(card) == Decimal("10.00")

    return code


def test_a_gift_card_bought_online_pays_part_of_a_deposit_and_a_card_the_rest(
    live_server,
    browser,
    studio,
    steps_for,
    webhook_to_live_server,  # noqa: F811 (the fixture imported above)
):
    page = open_page(browser, PHONE)
    steps = steps_for(page)

    code = buy_a_gift_card_of_ten_euros(page, live_server.url, steps)

    # Book a massage of 35 € whose policy asks half of it (17.50 €) online.
    PaymentPolicy.objects.create(online=PaymentPolicy.Online.DEPOSIT, deposit_percent=50)
    form = reverse("booking:book", kwargs={"offering_slug": "classical-foot-30"})
    start = slot_value(local(days_ahead(3), time(10)))
    page.goto(f"{live_server.url}{form}?start={start}&therapist={studio['anna'].id}")
    fill_in_details(page)
    page.get_by_role("button", name="Book for €35").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Pay the deposit")
    expect(page.get_by_role("button", name="Pay €17.50")).to_be_visible()

    # A wrong code first: said on the field, nothing spent.
    page.get_by_label("Gift card code").fill("AAAA-BBBB-CCCC-DDDD")
    page.get_by_role("button", name="Pay with the gift card").click()
    expect(page.locator(".field-error").first).to_contain_text(
        "There is no gift card with this code"
    )
    steps.shot("wrong-code")
    assert_accessible(page)

    page.get_by_label("Gift card code").fill(code)
    page.get_by_role("button", name="Pay with the gift card").click()
    expect(
        page.get_by_text("Your gift card paid €10. Please pay the rest, €7.50, by card.")
    ).to_be_visible()
    expect(page.locator("#gift-card-paid")).to_have_text("€10")
    enter_card(page, CARD_OK)
    steps.shot("rest-by-card")
    assert_accessible(page)
    page.get_by_role("button", name="Pay €7.50").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Payment received, your visit is confirmed", timeout=20_000
    )
    page.get_by_role("link", name="See your booking").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your massage is booked")
    expect(page.locator("#paid-online")).to_have_text(
        "Paid online: €17.50, €10 of it with your gift card. The rest is paid at the studio."
    )
    expect(page.get_by_text("paid at the studio", exact=True)).to_have_count(0)
    steps.shot("confirmation")
    assert_accessible(page)

    visit = Visit.objects.get()
    assert visit.status == Visit.Status.CONFIRMED
    assert list(
        Entry.objects.order_by("created_at", "id").values_list("kind", "method", "amount", "visit")
    ) == [
        ("gift_card_sale", "online", Decimal("10.00"), None),
        ("gift_card_redemption", "gift_card", Decimal("10.00"), visit.pk),
        ("deposit", "online", Decimal("7.50"), visit.pk),
    ]
    assert gift_card_balance(GiftCard.objects.get()) == Decimal("0.00")
    assert sorted(Payment.objects.filter(visit=visit).values_list("amount", "status")) == [
        (Decimal("7.50"), "succeeded"),
        (Decimal("17.50"), "cancelled"),
    ]
