"""A client books and cancels in Russian in a real browser, at a phone's width.

Screenshots of every step go to tests/artifacts/e2e/.
"""

from datetime import time

import pytest
from playwright.sync_api import expect

from booking.models import Appointment
from tests.e2e.conftest import PHONE
from tests.e2e.test_booking_flow import choose_day, days_ahead, local

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_client_books_and_cancels_in_russian(live_server, browser, studio, steps_for):
    context = browser.new_context(viewport=PHONE, locale="ru-RU")
    context.set_default_timeout(10_000)
    page = context.new_page()
    steps = steps_for(page)
    day = days_ahead(3)

    page.goto(f"{live_server.url}/")
    assert page.url == f"{live_server.url}/ru/catalog/"
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page.get_by_role("heading", level=1)).to_have_text("Массаж для уставших ног")
    steps.shot("catalog")
    page.get_by_role("link", name="Классический массаж", exact=True).click()
    steps.shot("massage-type")
    page.get_by_role("link", name="Выбрать время: Классический: голень и стопа").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Выбрать время")
    choose_day(page, day)
    steps.shot("slot-picker")
    page.locator(".time-grid").get_by_role("link", name="10:00", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Запись: Классический: голень и стопа"
    )
    page.get_by_label("Ваше имя").fill("Мира Пример")
    page.get_by_label("E-mail", exact=True).fill("mira@example.com")
    page.get_by_label("Телефон", exact=True).fill("+49 30 1234567")
    for radio in page.locator("input[type=radio][value=no]").all():
        radio.check()
    page.locator("input[name=consent]").check()
    steps.shot("form-filled")
    page.locator("button[type=submit]").last.click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Вы записаны на массаж")
    steps.shot("confirmation")
    appointment = Appointment.objects.get()
    assert appointment.language == "ru"
    assert appointment.start_at == local(day, time(10))

    page.get_by_role("link", name="Управление записью").click()
    page.get_by_role("link", name="Отменить запись").click()
    steps.shot("cancel")
    page.locator("button[type=submit]").last.click()
    expect(page.locator("body")).to_contain_text("Ваша запись отменена")
    steps.shot("cancelled")
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED
