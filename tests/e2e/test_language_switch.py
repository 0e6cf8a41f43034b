"""The language switcher in a real browser, at a phone's width, without JavaScript.

Screenshots go to tests/artifacts/e2e/.
"""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PHONE
from tests.e2e.test_booking_flow import open_page

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_visitor_switches_a_page_to_russian_and_back_without_javascript(
    live_server, browser, studio, steps_for
):
    page = open_page(browser, PHONE, javascript=False)
    steps = steps_for(page)

    page.goto(f"{live_server.url}/catalog/classical/")
    # The browser asks for British English: the address gets /en/.
    assert page.url == f"{live_server.url}/en/catalog/classical/"
    expect(page.locator("html")).to_have_attribute("lang", "en")
    switcher = page.get_by_role("navigation", name="Language")
    expect(switcher).to_be_visible()
    steps.shot("english")

    switcher.get_by_role("link", name="Русский").click()

    assert page.url == f"{live_server.url}/ru/catalog/classical/"
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    steps.shot("russian")
    page.get_by_role("navigation").filter(has=page.get_by_text("English")).get_by_role(
        "link", name="English"
    ).click()
    assert page.url == f"{live_server.url}/en/catalog/classical/"
