"""The front desk's calendar in a real browser: a walk-in booked from a free gap.

At a tablet's width (1024 by 768) the receptionist logs in, clicks a free
gap in a therapist's column, books a walk-in there and sees the card;
at a phone's width (375 by 812) the calendar's columns scroll sideways
inside the page, which itself never runs off the screen. Each page is
checked with axe-core; each step's screenshot is saved (see conftest).
"""

from datetime import time

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import Browser, Page, ViewportSize, expect

from booking.models import Appointment
from catalog.models import Offering
from tests.e2e.conftest import PHONE, assert_accessible
from tests.factories import TherapistFactory, give_hours, rooms

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

TABLET: ViewportSize = {"width": 1024, "height": 768}


@pytest.fixture
def desk(transactional_db, django_user_model):
    """A reception login, and two therapists who work round the clock (a walk-in fits now)."""
    user = django_user_model.objects.create_user("desk", password="desk-pass-1", is_staff=True)
    user.groups.add(Group.objects.get(name="reception"))
    for name, slug in [("Anna Weber", "anna"), ("Ben Hoffmann", "ben")]:
        therapist = TherapistFactory.create(name=name, slug=slug, skills=["classical"])
        give_hours(therapist, (time(0), time(23, 45)))
    rooms(2)
    return user


def logged_in(browser: Browser, live_server, viewport: ViewportSize) -> Page:
    context = browser.new_context(viewport=viewport, locale="en-GB")
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(f"{live_server.url}/staff/login/")
    page.get_by_label("Username").fill("desk")
    page.get_by_label("Password").fill("desk-pass-1")
    page.get_by_role("button", name="Log in").click()
    return page


def test_the_desk_books_a_walk_in_from_a_free_gap(live_server, browser, desk, steps_for):
    page = logged_in(browser, live_server, TABLET)
    steps = steps_for(page)

    expect(page.get_by_role("heading", name="Anna Weber")).to_be_visible()
    assert_accessible(page)
    steps.shot("calendar")
    anna = page.locator(".cal-column", has=page.get_by_role("heading", name="Anna Weber"))
    anna.locator("a.cal-gap").first.click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Book at the desk")
    page.get_by_label("Massage").select_option(
        value=str(Offering.objects.get(slug="classical-foot-30").pk)
    )
    page.get_by_role("button", name="Find times").click()
    expect(page.locator(".desk-time input:checked")).to_have_count(1)
    assert_accessible(page)
    steps.shot("finder")
    page.get_by_label("Name", exact=True).fill("Walter Walkin")
    page.get_by_label("Phone", exact=True).fill("030 7654321")
    steps.shot("client")
    page.get_by_role("button", name="Book", exact=True).click()

    card = page.locator(".cal-card.is-highlighted")
    expect(card).to_contain_text("Walter Walkin")
    expect(page.get_by_role("status")).to_contain_text("Booked: Walter Walkin")
    assert_accessible(page)
    steps.shot("booked")
    appointment = Appointment.objects.get()
    assert (appointment.source, appointment.client.email) == ("desk", "")


def test_the_desk_switches_the_calendar_to_russian_and_stays_on_it(
    live_server, browser, desk, steps_for
):
    page = logged_in(browser, live_server, TABLET)
    steps = steps_for(page)
    page.goto(f"{live_server.url}/staff/calendar/")

    page.get_by_role("navigation", name="Language").get_by_role("button", name="Русский").click()

    assert page.url == f"{live_server.url}/staff/calendar/"
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page.get_by_role("link", name="Календарь")).to_be_visible()
    assert_accessible(page)
    steps.shot("calendar-russian")


def test_the_calendar_scrolls_its_columns_on_a_phone(live_server, browser, desk, steps_for):
    page = logged_in(browser, live_server, PHONE)
    steps = steps_for(page)

    expect(page.get_by_role("heading", name="Ben Hoffmann")).to_be_attached()
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    grid = page.locator(".cal-scroll")
    scrolls = grid.evaluate("element => element.scrollWidth > element.clientWidth")
    assert_accessible(page)
    steps.shot("calendar-phone")
    grid.evaluate("element => { element.scrollLeft = element.scrollWidth; }")
    steps.shot("calendar-phone-scrolled")

    assert overflow <= 0
    assert scrolls
