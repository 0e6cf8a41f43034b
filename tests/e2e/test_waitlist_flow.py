"""On a phone: a full day, the waitlist, a cancellation by staff, the offer taken from its e-mail.

In English, and in Russian at 390 px wide, each page of it checked with
axe-core. Screenshots go to tests/artifacts/e2e/.
"""

import re
from datetime import date, time

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.urls import reverse
from playwright.sync_api import ViewportSize, expect

from booking.models import Appointment, Visit
from booking.services import Actor, ClientDetails, book_appointment, cancel_visit
from catalog.models import Offering
from notifications.services import dispatch_due_messages
from tests.e2e.conftest import PHONE
from tests.e2e.test_booking_flow import days_ahead, local, open_page
from tests.e2e.test_staff_clients import check
from tests.factories import TherapistFactory, give_hours, rooms

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# A common phone today (iPhone 12 to 15).
PHONE_390: ViewportSize = {"width": 390, "height": 844}
# Russian names a day's month in the genitive ("8 декабря"), never "8 декабрь".
RUSSIAN_MONTHS = [
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
]
# A weekday leads a line, so it has its capital.
RUSSIAN_WEEKDAYS = [
    "Понедельник",
    "Вторник",
    "Среда",
    "Четверг",
    "Пятница",
    "Суббота",
    "Воскресенье",
]


def fill_the_day(day: date) -> tuple[Offering, Appointment]:
    """One therapist, one room, one hour: a single booking at 10:15 fills the day."""
    anna = TherapistFactory.create(name="Anna Weber", slug="anna")
    give_hours(anna, (time(10), time(11)))
    rooms(1)
    classical = Offering.objects.get(slug="classical-foot-30")
    taken = book_appointment(
        offering=classical,
        start_at=local(day, time(10, 15)),
        client=ClientDetails("Olga Other", "olga@example.com", "+49 30 7654321"),
        source=Appointment.Source.WEB,
        actor=Actor.guest(),
    )
    return classical, taken


def free_by_staff(taken: Appointment, django_user_model) -> None:
    """Reception cancels the booking, and beat hands the freed time to the waitlist."""
    desk = django_user_model.objects.create_user("desk", is_staff=True)
    desk.user_permissions.add(Permission.objects.get(codename="change_appointment"))
    staff = Actor.for_user(django_user_model.objects.get(pk=desk.pk))
    cancel_visit(visit=taken.visit, actor=staff, reason="Client called")
    # What beat does every minute; the worker may have done it already.
    dispatch_due_messages()
    dispatch_due_messages()


def offer_link(address: str, subject: str) -> str:
    """The "Take it" link of the offer e-mailed to `address`."""
    [offer] = [m for m in mail.outbox if m.to == [address] and subject in m.subject]
    link = re.search(r"https?://\S+/waitlist/offer/\?t=\S+", str(offer.body))
    assert link is not None
    return link[0]


def test_a_freed_time_goes_to_the_waitlist_and_is_taken_from_the_offer(
    live_server, browser, steps_for, settings, django_user_model
):
    settings.STUDIO_BASE_URL = live_server.url
    day = days_ahead(3)
    classical, taken = fill_the_day(day)
    page = open_page(browser, PHONE)
    steps = steps_for(page)
    picker = reverse("booking:slots", kwargs={"offering_slug": classical.slug})
    page.goto(f"{live_server.url}{picker}?on={day.isoformat()}")
    expect(page.get_by_text("No free times on this day.")).to_be_visible()
    steps.shot("full-day")

    page.get_by_role("link", name="Tell me when a time frees up").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tell me when a time frees up")
    page.get_by_label("Your name").fill("Mira Example")
    page.get_by_label("E-mail", exact=True).fill("mira@example.com")
    page.get_by_label("Phone", exact=True).fill("+49 30 1234567")
    steps.shot("waitlist-form")
    page.get_by_role("button", name="Put me on the waitlist").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You are on the waitlist")
    steps.shot("on-the-waitlist")

    free_by_staff(taken, django_user_model)
    link = offer_link("mira@example.com", "freed up")

    mail_program = open_page(browser, PHONE)
    steps.page = mail_program
    mail_program.goto(link)
    expect(mail_program.get_by_role("heading", level=1)).to_have_text("A time has freed up")
    assert "?t=" not in mail_program.url
    steps.shot("offer")
    mail_program.get_by_role("button", name="Take it").click()
    expect(mail_program.get_by_role("heading", level=1)).to_have_text("Your massage is booked")
    steps.shot("booked")

    booked = Visit.objects.get(contact_email="mira@example.com")
    assert booked.status == Visit.Status.CONFIRMED
    assert booked.start_at == local(day, time(10, 15))


def test_the_waitlist_and_its_offer_read_in_russian_on_a_phone(
    live_server, browser, steps_for, settings, django_user_model
):
    settings.STUDIO_BASE_URL = live_server.url
    day = days_ahead(3)
    on_the_day = f"{day.day} {RUSSIAN_MONTHS[day.month - 1]}"
    classical, taken = fill_the_day(day)
    context = browser.new_context(viewport=PHONE_390, locale="ru-RU")
    context.set_default_timeout(10_000)
    page = context.new_page()
    steps = steps_for(page)
    picker = reverse("booking:slots", kwargs={"offering_slug": classical.slug})
    page.goto(f"{live_server.url}/ru{picker.removeprefix('/en')}?on={day.isoformat()}")
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page.get_by_text("В этот день нет свободного времени.")).to_be_visible()

    page.get_by_role("link", name="Сообщите, когда освободится время").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Сообщите, когда освободится время")
    assert "/ru/waitlist/join/" in page.url
    expect(page.locator("main")).to_contain_text("Классический: стопа")
    for label in ("С", "По", "Начало не раньше", "Начало не позже", "Сколько человек"):
        expect(page.get_by_label(label, exact=True)).to_be_visible()
    expect(page.get_by_label("С", exact=True)).to_have_value(day.isoformat())
    page.get_by_label("Ваше имя").fill("Мира Пример")
    page.get_by_label("E-mail", exact=True).fill("mira@example.com")
    page.get_by_label("Телефон", exact=True).fill("+49 30 1234567")
    check(page, steps, "join")
    page.get_by_role("button", name="Записаться в лист ожидания").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Вы в листе ожидания")
    expect(page.locator(".details")).to_contain_text(f"{on_the_day} – ")
    check(page, steps, "on-the-waitlist")

    free_by_staff(taken, django_user_model)
    link = offer_link("mira@example.com", "Освободилось время")
    assert "/ru/waitlist/offer/" in link

    mail_program = context.new_page()
    steps.page = mail_program
    mail_program.goto(link)
    expect(mail_program.get_by_role("heading", level=1)).to_have_text("Освободилось время")
    expect(mail_program.locator(".lead")).to_have_text(
        f"{RUSSIAN_WEEKDAYS[day.weekday()]}, {on_the_day}, 10:15 — Классический: стопа"
    )
    expect(mail_program.locator("main")).to_contain_text("Мы держим его для вас до")
    check(mail_program, steps, "offer")
    mail_program.get_by_role("button", name="Записаться").click()

    expect(mail_program.get_by_role("heading", level=1)).to_have_text("Вы записаны на массаж")
    steps.shot("booked")
    booked = Visit.objects.get(contact_email="mira@example.com")
    assert (booked.status, booked.language) == (Visit.Status.CONFIRMED, "ru")
