"""Reception takes a payment at checkout in a real browser: part in cash, the rest by gift card.

Reuses the desk's visit of tests/e2e/test_staff_visit.py (Mira at 10:00
today, the clock ticking on from 09:00). Each page is checked with
axe-core and saved as a screenshot.
"""

# ruff: noqa: F811 - the tests take as arguments the fixtures imported below

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from payments.codes import format_code
from payments.models import Entry
from payments.selectors import gift_card_balance, visit_balance
from tests.e2e.conftest import PHONE, Steps, assert_accessible
from tests.e2e.test_staff_visit import (  # noqa: F401 - fixtures
    TABLET,
    clock,
    fits,
    logged_in,
    visit_at_ten,
)
from tests.factories import sold_gift_card

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_reception_takes_cash_then_the_rest_by_gift_card(
    live_server, browser, visit_at_ten, steps_for
):
    card, code = sold_gift_card("100.00")
    price = visit_at_ten.price
    page = logged_in(browser, live_server, TABLET)
    steps: Steps = steps_for(page)
    page.goto(f"{live_server.url}/staff/visits/{visit_at_ten.visit_id}/")
    checkout = page.locator("#checkout")
    expect(checkout.get_by_role("heading", name="Take payment")).to_be_visible()
    expect(checkout.get_by_label("Amount")).to_have_value(str(price))
    assert_accessible(page)
    steps.shot("checkout")

    checkout.get_by_label("Cash").check()
    checkout.get_by_label("Amount").fill("10.00")
    checkout.get_by_role("button", name="Take payment").click()
    expect(page.get_by_role("status")).to_contain_text("€10 taken (Cash).")
    steps.shot("cash-taken")

    checkout.get_by_label("Gift card", exact=True).check()
    checkout.get_by_label("Amount").fill("")
    checkout.get_by_label("Gift card code").fill(format_code(code).lower())
    checkout.get_by_role("button", name="Take payment").click()
    expect(page.get_by_role("status")).to_contain_text("taken (Gift card).")
    expect(checkout).to_contain_text("Nothing is due for this visit.")
    assert_accessible(page)
    steps.shot("paid-in-full")

    assert visit_balance(visit_at_ten.visit).due == 0
    kinds = sorted(Entry.objects.filter(visit=visit_at_ten.visit).values_list("kind", flat=True))
    assert kinds == ["desk_payment", "gift_card_redemption"]
    assert gift_card_balance(card) == Decimal("100.00") - (price - Decimal("10.00"))

    with page.context.expect_page() as receipt_page:
        page.locator(".visit-money").get_by_role("link", name="Print receipt").first.click()
    receipt = receipt_page.value
    expect(receipt.get_by_role("heading", level=2)).to_contain_text("Receipt")
    assert_accessible(receipt)
    receipt.screenshot(path=steps.folder / "04-receipt.png", full_page=True)


def test_reception_sells_a_gift_card_on_a_phone(live_server, browser, visit_at_ten, steps_for):
    page = logged_in(browser, live_server, PHONE)
    steps: Steps = steps_for(page)
    page.goto(f"{live_server.url}/staff/gift-cards/")
    page.get_by_label("Amount").fill("40")
    page.get_by_label("Card on the terminal").check()
    page.get_by_label("For", exact=True).fill("Olga")
    page.get_by_role("button", name="Sell").click()
    expect(page.get_by_role("heading", name="Gift card sold")).to_be_visible()
    expect(page.locator(".gift-cards-table")).to_contain_text("Olga")
    assert_accessible(page)
    fits(page)
    steps.shot("sold-phone")
