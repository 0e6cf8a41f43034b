"""Reception at the desk in a real browser: a visit moved to another therapist, marked, unmarked.

The clock (the live server's, in this process) stands on a Tuesday at
09:00 in the studio and ticks on, so the visit at 10:00 is today's:
it can be marked arrived. Each page is checked with axe-core and
saved as a screenshot (see conftest), on a tablet and on a phone.
"""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.models import Group, User
from playwright.sync_api import Browser, Page, ViewportSize, expect

from booking.models import Appointment, Therapist
from booking.services import Actor, ClientDetails, book_appointment
from catalog.models import Offering
from tests.e2e.conftest import PHONE, Steps, assert_accessible

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

TABLET: ViewportSize = {"width": 1024, "height": 768}
# Tuesday 2 March 2027, 09:00 in Berlin.
TUESDAY_NINE = datetime(2027, 3, 2, 8, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> Iterator[None]:
    with time_machine.travel(TUESDAY_NINE, tick=True):
        yield


@pytest.fixture
def visit_at_ten(studio: dict[str, Therapist], clock: None) -> Appointment:
    """Mira's classical foot massage with Anna today at 10:00, booked at the desk."""
    User.objects.create_user("desk", password="desk-pass-1").groups.add(
        Group.objects.get(name="reception")
    )
    return book_appointment(
        offering=Offering.objects.get(slug="classical-foot-30"),
        start_at=datetime(2027, 3, 2, 9, 0, tzinfo=UTC),
        therapist=studio["anna"],
        client=ClientDetails(name="Mira Example", email="mira@example.com", phone="+4930123456"),
        health={"recent_injury": False, "pregnancy": None},
        has_consent=True,
        source="desk",
        actor=Actor(label="desk", is_staff=True),
        # Booked the day before.
        now=TUESDAY_NINE - timedelta(days=1),
    )


def logged_in(browser: Browser, live_server, viewport: ViewportSize) -> Page:
    context = browser.new_context(viewport=viewport, locale="en-GB")
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(f"{live_server.url}/staff/login/")
    page.get_by_label("Username").fill("desk")
    page.get_by_label("Password").fill("desk-pass-1")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/staff/**")
    return page


def fits(page: Page) -> None:
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"the page is {overflow}px wider than the screen"


def test_reception_gives_a_visit_to_another_therapist_then_marks_and_unmarks_it(
    live_server, browser, visit_at_ten, steps_for
):
    page = logged_in(browser, live_server, TABLET)
    steps: Steps = steps_for(page)
    page.goto(f"{live_server.url}/staff/visits/{visit_at_ten.visit_id}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Visit of Mira Example")
    assert_accessible(page)
    steps.shot("visit")

    page.get_by_role("link", name="Move or change therapist").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Move or change therapist")
    page.get_by_label("Therapist for Classical: foot (10:00)").select_option(label="Ben Hoffmann")
    # htmx brings Ben's free times; the visit's own time stays chosen.
    expect(page.locator(f"input[name=therapist_{visit_at_ten.pk}]")).to_have_value(
        str(Therapist.objects.get(slug="ben").pk)
    )
    expect(page.get_by_label("10:00 (the visit's time now)")).to_be_checked()
    expect(page.get_by_label("Tell the client about the change")).to_be_checked()
    assert_accessible(page)
    steps.shot("move-to-ben")
    page.get_by_role("button", name="Move the visit").click()

    expect(page.get_by_role("status")).to_have_text("The visit is changed; the client is told.")
    expect(page.locator(".visit-facts")).to_contain_text("Ben Hoffmann")
    steps.shot("given-to-ben")
    visit_at_ten.refresh_from_db()
    assert visit_at_ten.therapist.slug == "ben"

    page.get_by_role("button", name="Arrived").click()
    expect(page.locator(".visit-arrived")).to_have_text("arrived 09:00")
    expect(page.get_by_role("status")).to_have_text("Marked arrived.")
    assert_accessible(page)
    steps.shot("arrived")

    page.get_by_role("button", name="Undo “arrived”").click()
    expect(page.get_by_role("status")).to_have_text("Mark undone.")
    expect(page.locator(".visit-arrived")).to_have_count(0)
    expect(page.locator(".visit-history")).to_contain_text("Mark undone arrived")
    steps.shot("arrival-undone")
    visit_at_ten.refresh_from_db()
    assert visit_at_ten.arrived_at is None


def test_the_visit_and_its_move_on_a_phone(live_server, browser, visit_at_ten, steps_for):
    page = logged_in(browser, live_server, PHONE)
    steps: Steps = steps_for(page)

    page.goto(f"{live_server.url}/staff/visits/{visit_at_ten.visit_id}/")
    expect(page.get_by_role("heading", level=2, name="Health answers and notes")).to_be_visible()
    assert_accessible(page)
    fits(page)
    steps.shot("visit-phone")

    page.get_by_role("link", name="Move or change therapist").click()
    expect(page.get_by_role("group", name="Free times on Tue 2 March 2027")).to_be_visible()
    assert_accessible(page)
    fits(page)
    steps.shot("move-phone")
