"""The owner reads the reports on a tablet and a phone: charts, their tables, a CSV."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, ViewportSize, expect

from booking.models import Client
from catalog.models import Offering
from tests.e2e.conftest import assert_accessible
from tests.factories import appointment_in, visit_for

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

TABLET: ViewportSize = {"width": 1024, "height": 768}
PHONE: ViewportSize = {"width": 375, "height": 812}


@pytest.fixture
def past_weeks(studio) -> None:
    """Three weeks of Anna's and Ben's massages, some cancelled, one a no-show."""
    offering = Offering.objects.get(slug="classical-foot-30")
    client = Client.objects.create(name="Mira", email="mira@example.com", phone="+4930123456")
    today = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0)
    statuses = ["completed", "completed", "cancelled", "no_show", "completed", "completed"]
    for week in range(1, 4):
        for number, status in enumerate(statuses):
            start = today - timedelta(weeks=week, days=number % 3) + timedelta(hours=number)
            visit = visit_for(client, start, start + timedelta(minutes=30), status=status)
            therapist = studio["anna"] if number % 2 else studio["ben"]
            appointment_in(visit, offering, therapist, start)


@pytest.mark.parametrize("viewport", [TABLET, PHONE], ids=["tablet", "phone"])
def test_the_owner_reads_the_reports(
    live_server, browser: Browser, past_weeks, django_user_model, steps_for, viewport
):
    django_user_model.objects.create_superuser("owner", "owner@example.com", "owner-pass-1")
    page = browser.new_page(viewport=viewport)
    steps = steps_for(page)

    page.goto(f"{live_server.url}/staff/login/")
    page.fill("#id_username", "owner")
    page.fill("#id_password", "owner-pass-1")
    page.locator("main button[type=submit]").click()
    page.goto(f"{live_server.url}/staff/reports/")

    expect(page.get_by_role("heading", name="Reports", level=1)).to_be_visible()
    expect(page.get_by_role("img", name="Utilisation per therapist, in percent")).to_be_visible()
    expect(page.get_by_role("img", name="Revenue by massage type")).to_be_visible()
    expect(page.get_by_role("row", name="Anna Weber")).to_be_visible()
    steps.shot("reports")
    assert_accessible(page)
    # The page never scrolls sideways; a table wider than the screen scrolls in its own
    # region, which a keyboard reaches and scrolls to the last column.
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    if viewport == PHONE:
        table = page.get_by_role("region", name="Table: Utilisation per therapist")
        table.focus()
        assert table.evaluate("r => r.scrollWidth > r.clientWidth")
        for _ in range(4):
            page.keyboard.press("ArrowRight")
        page.wait_for_function(
            "r => r.scrollLeft + r.clientWidth >= r.scrollWidth - 1", arg=table.element_handle()
        )
        steps.shot("scrolled-table")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download “Revenue by massage type” (CSV)").click()
    assert download.value.suggested_filename.startswith("revenue-")

    page.fill("#id_start", "2020-01-01")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_text("Choose a period of at most 366 days.")).to_be_visible()
    steps.shot("too-long")
    assert_accessible(page)
