"""The client pages of the front desk in a real browser, at a tablet's and a phone's width.

Reception searches a client, opens the record and changes the
preferences; the therapist, logged in with her own login, writes the
treatment note of the massage she gave. Each page is checked with
axe-core and must fit the width; each step's screenshot is saved.
"""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.utils import timezone
from playwright.sync_api import Browser, Page, ViewportSize, expect

from booking.models import Client, Therapist, TreatmentNote
from tests.e2e.conftest import PHONE, Steps, assert_accessible
from tests.staff.clients_setup import booked

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

TABLET: ViewportSize = {"width": 1024, "height": 768}


def open_page(browser: Browser, viewport: ViewportSize) -> Page:
    context = browser.new_context(viewport=viewport, locale="en-GB")
    context.set_default_timeout(10_000)
    return context.new_page()


def check(page: Page, steps: Steps, name: str) -> None:
    """The page passes axe-core, fits its width, and its screenshot is saved."""
    assert_accessible(page)
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{name}: the page is {overflow}px wider than the screen"
    steps.shot(name)


def log_in(page: Page, base_url: str, username: str, password: str) -> None:
    page.goto(f"{base_url}/staff/login/?next=/staff/clients/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Clients")


def search(page: Page, query: str) -> None:
    page.get_by_label("Name, phone or e-mail").fill(query)
    page.get_by_role("button", name="Search").click()


@pytest.fixture
def front_desk(studio: dict[str, Therapist]) -> dict[str, object]:
    """Reception, Anna with her own login, and a client Anna gave a massage yesterday."""
    desk = User.objects.create_user("desk", password="desk-pass-1", is_staff=True)
    desk.groups.add(Group.objects.get(name="reception"))
    anna = studio["anna"]
    anna.user = User.objects.create_user("anna", password="anna-pass-1", first_name="Anna")
    anna.save(update_fields=["user"])
    anna.user.groups.add(Group.objects.get(name="therapist"))
    maria = Client.objects.create(
        name="Maria Schneider", email="maria@example.com", phone="+49301234567"
    )
    Client.objects.create(name="Otto Brandt", email="otto@example.com", phone="+49309999999")
    yesterday = datetime.combine(
        timezone.localdate() - timedelta(days=1), time(10), tzinfo=ZoneInfo("Europe/Berlin")
    )
    given = booked(maria, anna, yesterday, health={"recent_injury": True, "pregnancy": False})
    booked(maria, anna, yesterday + timedelta(days=8))
    return {"maria": maria, "given": given, "anna": anna}


@pytest.mark.parametrize("viewport", [TABLET, PHONE], ids=["tablet", "phone"])
def test_reception_finds_a_client_and_changes_their_preferences(
    live_server, browser, front_desk, steps_for, viewport
):
    page = open_page(browser, viewport)
    steps = steps_for(page)
    log_in(page, live_server.url, "desk", "desk-pass-1")
    check(page, steps, "search")

    search(page, "030 1234567")
    expect(page.get_by_role("heading", name="1 client found")).to_be_visible()
    check(page, steps, "found-by-phone")

    page.get_by_role("link", name="Maria Schneider").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Maria Schneider")
    expect(page.locator(".asks-for-care")).to_contain_text("injury")
    check(page, steps, "record")

    page.get_by_text("Change preferences and notes").click()
    pressure = page.get_by_role("group", name="Pressure")
    pressure.get_by_label("Firm").check()
    page.get_by_label("Preferred therapist").select_option(label="Anna Weber")
    page.get_by_label("Allergies and oils").fill("No nut oils.")
    page.get_by_label("Staff notes").fill("Likes the first slot of the day.")
    check(page, steps, "preferences-form")
    page.get_by_role("button", name="Save preferences").click()

    expect(page.get_by_role("status")).to_have_text("The client's preferences are saved.")
    check(page, steps, "preferences-saved")

    # The staff pages' addresses carry no language: a browser asking for
    # Russian gets them in Russian.
    russian = browser.new_context(
        viewport=viewport, locale="ru-RU", storage_state=page.context.storage_state()
    ).new_page()
    russian.goto(page.url)
    page = russian
    steps.page = page
    expect(page.get_by_role("heading", name="Предпочтения и заметки")).to_be_visible()
    check(page, steps, "record-in-russian")
    maria = Client.objects.get(pk=front_desk["maria"].pk)
    assert (maria.pressure, maria.allergies) == ("firm", "No nut oils.")
    assert maria.preferred_therapist == front_desk["anna"]


@pytest.mark.parametrize("viewport", [TABLET, PHONE], ids=["tablet", "phone"])
def test_the_therapist_writes_the_treatment_note_of_her_massage(
    live_server, browser, front_desk, steps_for, viewport
):
    page = open_page(browser, viewport)
    steps = steps_for(page)
    log_in(page, live_server.url, "anna", "anna-pass-1")

    search(page, "maria")
    page.get_by_role("link", name="Maria Schneider").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Maria Schneider")
    check(page, steps, "record-as-therapist")

    page.get_by_role("link", name="Write the treatment note").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Treatment note")
    page.get_by_label("Subjective").fill("Stiff lower back after gardening.")
    page.get_by_label("Objective").fill("Tension in the left lower back.")
    page.get_by_label("Assessment").fill("Eased with medium pressure.")
    page.get_by_label("Plan").fill("Again in two weeks.")
    check(page, steps, "note-form")
    page.get_by_role("button", name="Save the note").click()

    expect(page.get_by_role("status")).to_have_text("The treatment note is saved.")
    check(page, steps, "note-saved")
    note = TreatmentNote.objects.get()
    assert note.appointment == front_desk["given"]
    assert note.plan == "Again in two weeks."

    page.goto(f"{live_server.url}/staff/feed/")
    page.get_by_role("button", name="Turn the feed on").click()
    expect(page.get_by_label("The feed's address")).to_have_value(
        f"{settings.STUDIO_BASE_URL}/staff/feed/{Therapist.objects.get(slug='anna').feed_token}.ics"
    )
    check(page, steps, "feed-on")
