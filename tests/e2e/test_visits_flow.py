"""Visits in a real browser at a phone's width: two people, two massages, a course.

Each step's screenshot is saved (see conftest); each page is checked to
fit the phone's width, with nothing running off its right edge.
"""

from datetime import time
from decimal import Decimal

import pytest
from django.conf import settings
from playwright.sync_api import Browser, Page, expect

from booking.models import Appointment, Client, Course, Visit
from booking.services import Actor, ClientDetails, book_appointment
from catalog.models import Offering
from payments.models import Package
from payments.package_mail import package_link
from payments.selectors import sessions_left
from payments.services import packages
from tests.e2e.conftest import PHONE, Steps
from tests.e2e.test_booking_flow import DASH, choose_day, days_ahead, fill_in_details, local
from tests.factories import ResourceFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def open_page(browser: Browser, *, javascript: bool = True) -> Page:
    context = browser.new_context(viewport=PHONE, java_script_enabled=javascript, locale="en-GB")
    context.set_default_timeout(10_000)
    return context.new_page()


def shot(page: Page, steps: Steps, name: str) -> None:
    """A screenshot of the step, once the page is sure to fit the phone's width."""
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{name}: the page is {overflow}px wider than the phone"
    steps.shot(name)


def test_two_people_book_side_by_side_on_a_phone(live_server, browser, studio, steps_for):
    couples = Offering.objects.get(slug="classical-foot-30")
    couples.max_people = 2
    couples.save(update_fields=["max_people"])
    ResourceFactory.create(name="Room for two", capacity=2)
    page = open_page(browser)
    steps = steps_for(page)
    day = days_ahead(3)

    page.goto(f"{live_server.url}/en/catalog/classical/")
    page.get_by_role("link", name="Classical: foot for two people").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose a time for two people")
    expect(page.locator(".visit-option[aria-current]")).to_have_text("For two people")
    choose_day(page, day)
    shot(page, steps, "picker-for-two")
    page.locator(".time-grid").get_by_role("link", name="10:00", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Book Classical: foot for two people")
    fill_in_details(page)
    second = page.get_by_role("group", name="The second person")
    second.get_by_label("Their name").fill("Alex Example")
    for question in [
        "Do they have varicose veins",
        "Are they pregnant",
        "Have they had an injury",
        "Do they have a skin condition",
    ]:
        second.get_by_role("group", name=question).get_by_label("No", exact=True).check()
    shot(page, steps, "form-for-two")
    page.get_by_role("button", name="Book for €70").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your visit is booked")
    expect(page.locator(".visit-parts")).to_contain_text("For Alex Example")
    expect(page.locator(".visit-parts")).to_contain_text("For Mira Example")
    shot(page, steps, "confirmation-for-two")
    visit = Visit.objects.get()
    mine, theirs = visit.appointments.order_by("guest_name")
    assert mine.start_at == theirs.start_at == local(day, time(10))
    assert mine.therapist_id != theirs.therapist_id
    assert theirs.guest_name == "Alex Example"

    page.get_by_role("link", name="Manage your booking").click()
    expect(page.get_by_role("link", name="Cancel the visit")).to_be_visible()
    shot(page, steps, "manage-for-two")
    page.get_by_role("link", name="Cancel the visit").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cancel this visit?")
    shot(page, steps, "cancel-for-two")
    page.get_by_role("button", name="Yes, cancel it").click()
    expect(page.get_by_role("status")).to_contain_text("Your visit is cancelled")
    shot(page, steps, "cancelled-for-two")
    assert set(Appointment.objects.values_list("status", flat=True)) == {"cancelled"}


def test_a_client_books_foot_then_hip_on_a_phone_without_javascript(
    live_server, browser, studio, steps_for
):
    page = open_page(browser, javascript=False)
    steps = steps_for(page)
    day = days_ahead(3)

    page.goto(f"{live_server.url}/en/booking/classical-foot-30/")
    page.get_by_label("Add another massage").select_option(
        label="Anti-cellulite: hip · 45 min · €52"
    )
    page.get_by_role("button", name="Add", exact=True).click()
    page.wait_for_url("**then=anti-cellulite-hip-45**")
    expect(page.locator(".visit-chosen")).to_contain_text(
        "Classical: foot, then Anti-cellulite: hip: 1 h 15 min, €87."
    )
    page.locator(f"#day-{day.isoformat()}").click()
    shot(page, steps, "picker-two-massages")
    page.locator(".time-grid").get_by_role("link", name="10:00", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Book Classical: foot, then Anti-cellulite: hip"
    )
    expect(page.locator(".visit-parts")).to_contain_text(f"10:30{DASH}11:15")
    fill_in_details(page)
    shot(page, steps, "form-two-massages")
    page.get_by_role("button", name="Book for €87").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your visit is booked")
    expect(page.locator(".visit-parts")).to_contain_text("Anti-cellulite: hip")
    shot(page, steps, "confirmation-two-massages")
    foot, hip = Visit.objects.get().appointments.order_by("start_at")
    assert (foot.start_at, hip.start_at) == (local(day, time(10)), local(day, time(10, 30)))

    # The visit moves as one.
    page.get_by_role("link", name="Manage your booking").click()
    page.get_by_role("link", name="Change the time").click()
    page.locator(".time-grid").get_by_role("link", name="15:00", exact=True).click()
    expect(page.locator(".move-to")).to_contain_text(f"15:00{DASH}16:15")
    shot(page, steps, "move-two-massages")
    page.get_by_role("button", name="Move it").click()
    expect(page.get_by_role("status")).to_contain_text("Your visit is moved to")
    shot(page, steps, "moved-two-massages")
    foot, hip = Visit.objects.get().appointments.order_by("start_at")
    assert (foot.start_at, hip.start_at) == (local(day, time(15)), local(day, time(15, 30)))


def test_a_client_books_a_course_replacing_a_taken_session_on_a_phone(
    live_server, browser, studio, steps_for
):
    offering = Offering.objects.get(slug="anti-cellulite-hip-45")
    offering.course_sessions = 4
    offering.save(update_fields=["course_sessions"])
    first_day = days_ahead(3)
    taken_day = days_ahead(3 + 14)
    book_appointment(
        offering=offering,
        start_at=local(taken_day, time(10)),
        client=ClientDetails("Quick Other", "other@example.com", "+49 30 7654321"),
        source=Appointment.Source.WEB,
        actor=Actor.guest(),
    )
    page = open_page(browser)
    steps = steps_for(page)

    page.goto(f"{live_server.url}/en/catalog/anti-cellulite/")
    page.get_by_role("link", name="Anti-cellulite: hip: book a course of 4 sessions").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose the first session")
    choose_day(page, first_day)
    shot(page, steps, "course-picker")
    page.locator(".time-grid").get_by_role("link", name="10:00", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("a course of 4 sessions")
    expect(page.locator(".caution-box").first).to_contain_text("1 session is not free")
    shot(page, steps, "course-dates")
    third = page.locator("#id_session_3")
    expect(third).to_contain_text("10:00 is taken.")
    third.locator(".time-choice input").first.check()
    # Another session moved to another time that day, by choice.
    second = page.locator("#id_session_2")
    second.get_by_text("Another time that day").click()
    second.locator(".session-others").get_by_label("15:00", exact=True).check()
    fill_in_details(page)
    shot(page, steps, "course-form")
    page.get_by_role("button", name="Book 4 sessions for €208").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your course is booked")
    expect(page.locator(".course-list li")).to_have_count(4)
    shot(page, steps, "course-confirmation")
    course = Course.objects.get()
    starts = [visit.start_at for visit in course.visits.order_by("start_at")]
    assert starts[0] == local(first_day, time(10))
    assert starts[1] == local(days_ahead(10), time(15))
    assert starts[2] != local(taken_day, time(10))
    assert starts[3] == local(days_ahead(24), time(10))

    page.get_by_role("link", name="Manage your booking").click()
    page.get_by_role("link", name="Cancel this session or the course").click()
    page.get_by_label("The whole course: every session still to come").check()
    shot(page, steps, "course-cancel")
    page.get_by_role("button", name="Yes, cancel it").click()
    expect(page.get_by_role("status")).to_contain_text("Your course is cancelled")
    shot(page, steps, "course-cancelled")
    assert set(course.visits.values_list("status", flat=True)) == {"cancelled"}


def test_a_client_books_a_course_paid_with_their_package_on_a_phone(
    live_server, browser, studio, steps_for
):
    offering = Offering.objects.get(slug="anti-cellulite-hip-45")
    offering.course_sessions = 4
    offering.save(update_fields=["course_sessions"])
    package = Package.objects.create(
        name="Four anti-cellulite sessions", offering=offering, sessions=4, price=Decimal("180")
    )
    mira = Client.objects.create(
        name="Mira Example", email="mira@example.com", phone="+49 30 1234567"
    )
    owned = packages.sell_package_at_desk(
        package=package, client=mira, method="cash", actor=Actor(label="desk", is_staff=True)
    )
    page = open_page(browser)
    steps = steps_for(page)

    page.goto(f"{live_server.url}{package_link(owned).removeprefix(settings.STUDIO_BASE_URL)}")
    expect(page.get_by_role("heading", level=2, name="Book a course")).to_be_visible()
    page.get_by_role("heading", level=2, name="Book a course").scroll_into_view_if_needed()
    shot(page, steps, "package-offers-a-course")
    page.get_by_role("link", name="Choose the first session").click()
    choose_day(page, days_ahead(3))
    page.locator(".time-grid").get_by_role("link", name="10:00", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("a course of 4 sessions")
    fill_in_details(page)
    page.get_by_role("button", name="Book 4 sessions for €208").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your course is booked")
    expect(page.get_by_role("status")).to_contain_text("Every session is paid with your package.")
    expect(page.locator(".package-note")).to_contain_text(
        "Paid with your package: 0 of 4 sessions left"
    )
    expect(page.get_by_text("paid at the studio", exact=True)).to_have_count(0)
    shot(page, steps, "course-paid-with-package")
    assert sessions_left(owned) == 0
    assert set(Visit.objects.values_list("status", flat=True)) == {"confirmed"}
