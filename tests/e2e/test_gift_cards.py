"""The public gift card pages on a phone: where to buy one, and a balance check."""

import pytest
from playwright.sync_api import Browser, Page, expect

from payments.codes import format_code
from tests.e2e.conftest import Steps, assert_accessible
from tests.factories import sold_gift_card

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def on_a_phone(browser: Browser) -> Page:
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-GB")
    context.set_default_timeout(10_000)
    return context.new_page()


def test_a_holder_checks_a_gift_cards_balance_on_a_phone(live_server, browser, steps_for):
    _card, code = sold_gift_card("75.00")
    page = on_a_phone(browser)
    steps: Steps = steps_for(page)

    page.goto(f"{live_server.url}/en/catalog/")
    page.get_by_role("link", name="Gift cards").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Gift cards")
    expect(page.get_by_text("Gift cards are sold at the studio")).to_be_visible()
    assert_accessible(page)
    steps.shot("gift-cards")

    page.get_by_role("link", name="Check a gift card's balance").click()
    page.get_by_label("Gift card code").fill("wrong-code")
    page.get_by_role("button", name="Check the balance").click()
    expect(page.locator(".field-error")).to_contain_text("There is no gift card with this code")
    assert_accessible(page)
    steps.shot("wrong-code")

    page.get_by_label("Gift card code").fill(format_code(code))
    page.get_by_role("button", name="Check the balance").click()
    expect(page.locator(".gift-card-balance")).to_contain_text("€75")
    assert_accessible(page)
    steps.shot("balance")
