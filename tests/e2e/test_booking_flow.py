"""A client books, moves and cancels a massage in a real browser.

Each test walks the site as a client does, at a phone's width unless it
says otherwise, and saves a screenshot of every step (see conftest).
"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from icalendar import Calendar
from playwright.sync_api import Browser, Page, ViewportSize, expect

from booking.guest_access import manage_link
from booking.models import Appointment
from booking.services import Actor, ClientDetails, book_appointment
from catalog.models import Offering
from tests.e2e.conftest import DESKTOP, PHONE, Steps

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

BERLIN = ZoneInfo("Europe/Berlin")
DASH = "\N{EN DASH}"


def days_ahead(count: int) -> date:
    """A local date far enough ahead for the notice and the cancellation cut-off."""
    return timezone.now().astimezone(BERLIN).date() + timedelta(days=count)


def local(day: date, clock: time) -> datetime:
    return datetime.combine(day, clock, tzinfo=BERLIN)


def open_page(browser: Browser, viewport: ViewportSize, *, javascript: bool = True) -> Page:
    context = browser.new_context(viewport=viewport, java_script_enabled=javascript, locale="en-GB")
    context.set_default_timeout(10_000)
    return context.new_page()


def fill_in_details(page: Page, *, vein_problems: str = "No") -> None:
    page.get_by_label("Your name").fill("Mira Example")
    page.get_by_label("E-mail", exact=True).fill("mira@example.com")
    page.get_by_label("Phone", exact=True).fill("+49 30 1234567")
    for question, answer in [
        ("Do you have varicose veins", vein_problems),
        ("Are you pregnant", "No"),
        ("Have you had an injury", "No"),
        ("Do you have a skin condition", "No"),
    ]:
        page.get_by_role("group", name=question).get_by_label(answer, exact=True).check()
    page.get_by_label("Anything else the therapist should know").fill("Sensitive left knee.")
    page.get_by_label("I agree that the studio").check()


def choose_day(page: Page, day: date) -> None:
    page.locator(f"#day-{day.isoformat()}").click()
    expect(page.locator(f"#day-{day.isoformat()}")).to_have_attribute("aria-current", "date")


def test_a_client_books_on_a_phone_then_moves_and_cancels(live_server, browser, studio, steps_for):
    page = open_page(browser, PHONE)
    steps = steps_for(page)
    booking_day, moving_day = days_ahead(3), days_ahead(4)

    book_from_the_catalog(page, steps, live_server.url, booking_day)
    appointment = Appointment.objects.get()
    assert page.url == f"{live_server.url}/en/booking/manage/{appointment.pk}/confirmed/"
    assert appointment.start_at == local(booking_day, time(10))
    assert appointment.health["vein_problems"] is True
    assert appointment.source == Appointment.Source.WEB

    with page.expect_download() as download:
        page.get_by_role("link", name="Add to your calendar (.ics)").click()
    (event,) = Calendar.from_ical(download.value.path().read_bytes()).walk("VEVENT")
    assert event.decoded("dtstart") == local(booking_day, time(10))
    assert event.decoded("dtend") == local(booking_day, time(10, 45))
    assert str(event["summary"]) == "Classical: shin and foot at Studio"

    page.get_by_role("link", name="Manage your booking").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your booking")
    assert page.url == f"{live_server.url}/en/booking/manage/{appointment.pk}/"
    steps.shot("manage")

    move_to(page, steps, moving_day)
    appointment.refresh_from_db()
    assert appointment.start_at == local(moving_day, time(11))

    page.get_by_role("link", name="Cancel the appointment").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cancel this appointment?")
    steps.shot("cancel")
    page.get_by_role("button", name="Yes, cancel it").click()
    expect(page.get_by_role("status")).to_contain_text("Your appointment is cancelled")
    expect(page.locator(".badge")).to_have_text("Cancelled")
    steps.shot("cancelled")
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED


def test_the_link_in_the_email_opens_the_booking_and_leaves_the_address_at_once(
    live_server, browser, studio, steps_for
):
    appointment = book_appointment(
        offering=Offering.objects.get(slug="classical-shin-foot-45"),
        start_at=local(days_ahead(3), time(10)),
        client=ClientDetails("Mira Example", "mira@example.com", "+49 30 1234567"),
        source=Appointment.Source.WEB,
        actor=Actor.guest(),
        therapist=studio["anna"],
    )
    page = open_page(browser, PHONE)
    steps = steps_for(page)
    sent: list[tuple[str, str]] = []
    page.on(
        "request", lambda request: sent.append((request.url, request.headers.get("referer", "")))
    )

    # Opened twice, as a client does with an e-mail: it works each time.
    for _ in range(2):
        page.goto(f"{live_server.url}{manage_link(appointment)}")
        expect(page.get_by_role("heading", level=1)).to_have_text("Your booking")
        assert page.url == f"{live_server.url}/en/booking/manage/{appointment.pk}/"
    steps.shot("manage-from-email")
    page.get_by_role("link", name="Change the time").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Change the time")

    # Only the request that opened the link carried the token; no
    # request after it, and no Referer, did.
    with_token = [
        (url, referer) for url, referer in sent if appointment.manage_token in url + referer
    ]
    assert [url for url, _ in with_token] == [f"{live_server.url}{manage_link(appointment)}"] * 2
    assert all(not referer for _, referer in with_token)


def book_from_the_catalog(page: Page, steps: Steps, site: str, day: date) -> None:
    """From the catalog to the confirmation: Anna, `day` at 10:00, with a vein problem."""
    page.goto(f"{site}/")
    expect(page).to_have_title("Massages · Studio")
    steps.shot("catalog")
    page.get_by_role("link", name="Classical massage", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Classical massage")
    steps.shot("massage-type")
    page.get_by_role("link", name="Choose a time for Classical: shin and foot").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose a time")
    steps.shot("slot-picker")

    # With JavaScript the therapist and the day swap the picker in place,
    # and the address follows: the page itself is never left.
    expect(page.locator("html")).to_have_class("js")
    page.evaluate("window.pickerPageStayed = true")
    page.get_by_label("Therapist").select_option(label="Anna Weber")
    page.wait_for_url("**therapist=**")
    choose_day(page, day)
    assert page.evaluate("window.pickerPageStayed === true")
    expect(page.locator("#times-title")).to_have_text(f"{day:%A} {day.day} {day:%B}")
    steps.shot("day-chosen")
    page.locator(".time-grid").get_by_role("link", name="10:00", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Book Classical: shin and foot")
    expect(page.locator("#when-title")).to_contain_text("10:00")
    fill_in_details(page, vein_problems="Yes")
    steps.shot("form-filled")
    page.get_by_role("button", name="Book for €48").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your massage is booked")
    expect(page.locator(".details")).to_contain_text("Anna Weber")
    expect(page.locator(".details")).to_contain_text(f"10:00{DASH}10:45")
    # Classical massage asks for a word first about the veins the client named.
    expect(page.get_by_role("heading", name="Before your massage")).to_be_visible()
    steps.shot("confirmation")


def move_to(page: Page, steps: Steps, day: date) -> None:
    """From the manage page, move the appointment to `day` at 11:00."""
    page.get_by_role("link", name="Change the time").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Change the time")
    # The picker opens on the appointment's own day, its time marked.
    expect(page.locator(".time-current")).to_contain_text("10:00")
    steps.shot("reschedule-picker")
    # By keyboard: the swapped-in picker keeps the focus on the chosen day.
    link = page.locator(f"#day-{day.isoformat()}")
    link.focus()
    page.keyboard.press("Enter")
    expect(link).to_have_attribute("aria-current", "date")
    expect(link).to_be_focused()
    expect(page.locator("#announcer")).to_contain_text(f"{day:%A} {day.day} {day:%B}: ")
    page.locator(".time-grid").get_by_role("link", name="11:00", exact=True).click()
    expect(page.locator(".move-to")).to_contain_text(f"11:00{DASH}11:45")
    steps.shot("reschedule-confirm")
    page.get_by_role("button", name="Move it").click()

    expect(page.get_by_role("status")).to_contain_text("Your appointment is moved to")
    expect(page.locator(".details")).to_contain_text(f"11:00{DASH}11:45")
    steps.shot("moved")


def test_a_client_books_without_javascript_on_a_desktop(live_server, browser, studio, steps_for):
    page = open_page(browser, DESKTOP, javascript=False)
    steps = steps_for(page)
    booking_day = days_ahead(3)

    page.goto(f"{live_server.url}/catalog/classical/")
    steps.shot("massage-type")
    page.get_by_role("link", name="Choose a time for Classical: foot").click()
    # Without JavaScript the therapist is chosen with a plain form.
    page.get_by_label("Therapist").select_option(label="Ben Hoffmann")
    page.get_by_role("button", name="Show times").click()
    page.wait_for_url("**therapist=**")
    # The keyboard alone gets there too.
    page.locator(f"#day-{booking_day.isoformat()}").focus()
    page.keyboard.press("Enter")
    expect(page.locator(f"#day-{booking_day.isoformat()}")).to_have_attribute(
        "aria-current", "date"
    )
    expect(page.locator(".times-status")).to_contain_text("with Ben Hoffmann")
    steps.shot("slot-picker")
    page.locator(".time-grid").get_by_role("link", name="14:30", exact=True).click()

    fill_in_details(page)
    steps.shot("form-filled")
    page.get_by_role("button", name="Book for €35").focus()
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text("Your massage is booked")
    steps.shot("confirmation")
    appointment = Appointment.objects.select_related("therapist").get()
    assert appointment.therapist.name == "Ben Hoffmann"
    assert appointment.start_at == local(booking_day, time(14, 30))


def test_a_time_taken_meanwhile_offers_the_nearest_and_keeps_what_was_typed(
    live_server, browser, studio, steps_for
):
    page = open_page(browser, PHONE)
    steps = steps_for(page)
    booking_day = days_ahead(3)
    wanted = local(booking_day, time(10))

    page.goto(f"{live_server.url}/booking/classical-shin-foot-45/?therapist={studio['anna'].id}")
    choose_day(page, booking_day)
    page.locator(".time-grid").get_by_role("link", name="10:00", exact=True).click()
    fill_in_details(page)
    steps.shot("form-filled")

    # Someone else books Anna at that time between picking and sending.
    book_appointment(
        offering=Offering.objects.get(slug="classical-shin-foot-45"),
        start_at=wanted,
        client=ClientDetails("Quick Other", "other@example.com", "+49 30 7654321"),
        source=Appointment.Source.WEB,
        actor=Actor.guest(),
        therapist=studio["anna"],
    )
    page.get_by_role("button", name="Book for €48").click()

    expect(page.get_by_role("alert")).to_contain_text("That time is no longer free")
    alternatives = page.get_by_role("group", name="Choose a new time")
    expect(alternatives).to_contain_text("09:00")
    expect(alternatives).to_contain_text("11:00")
    expect(page.get_by_label("Your name")).to_have_value("Mira Example")
    expect(page.get_by_label("Anything else the therapist should know")).to_have_value(
        "Sensitive left knee."
    )
    expect(page.get_by_role("group", name="Are you pregnant").get_by_label("No")).to_be_checked()
    steps.shot("taken")

    alternatives.get_by_label("11:00", exact=True).check()
    page.get_by_role("button", name="Book for €48").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your massage is booked")
    steps.shot("confirmation")
    mine = Appointment.objects.get(client__email="mira@example.com")
    assert mine.start_at == local(booking_day, time(11)).astimezone(UTC)
    assert mine.therapist_id == studio["anna"].id
