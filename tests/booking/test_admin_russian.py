"""The studio's own admin pages in Russian, for staff whose language is Russian."""

from collections.abc import Iterator

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from booking.models import Appointment
from booking.services import Actor, book_appointment
from tests.booking.conftest import NOW, TUESDAY, at
from tests.booking.test_privacy_permission import staff_user
from tests.booking.test_site_russian import russian_catalogue  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db

DAY_URL = reverse("admin:booking_appointment_day")
CHANGELIST_URL = reverse("admin:booking_appointment_changelist")


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def booked(classical, anna, two_rooms, guest_details) -> Appointment:
    return book_appointment(
        offering=classical,
        start_at=at(TUESDAY, "10:00"),
        client=guest_details,
        source="web",
        actor=Actor.guest(),
        health={"vein_problems": True},
        notes="Sensitive left knee.",
        has_consent=True,
        now=NOW,
    )


def in_russian(browser: Client) -> Iterator[Client]:
    browser.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"
    browser.defaults["HTTP_ACCEPT_LANGUAGE"] = "ru"
    with translation.override("ru"):
        yield browser


@pytest.fixture
def owner(admin_client: Client) -> Iterator[Client]:
    yield from in_russian(admin_client)


@pytest.fixture
def desk(django_user_model) -> Iterator[Client]:
    """Staff who may see appointments, but not health data, reading Russian."""
    browser = Client()
    browser.force_login(staff_user(django_user_model, "desk", "view_appointment"))
    yield from in_russian(browser)


def test_the_day_view_is_in_russian(owner: Client, booked):
    html = owner.get(DAY_URL, {"date": TUESDAY.isoformat()}).content.decode()

    assert "Расписание дня: Вторник, 2 марта 2027" in html
    assert "Часы работы" in html
    assert "Ответил(-а) «да» на вопрос о здоровье" in html
    assert "Записать к массажисту Anna" in html
    for english in ["Day view", "Hours", "Said yes to a health question", "Book with"]:
        assert english not in html


def test_the_appointment_list_page_and_actions_are_in_russian(owner: Client, booked):
    listing = owner.get(CHANGELIST_URL).content.decode()
    page = owner.get(reverse("admin:booking_appointment_change", args=[booked.pk])).content.decode()

    assert "Запись по телефону" in listing
    assert "Отменить выбранные записи" in listing
    assert "Начало (время студии)" in listing
    assert "Ответы о здоровье" in page
    assert "Отметить как состоявшуюся" in page


def test_a_cancellation_is_reported_in_russian(owner: Client, booked):
    response = owner.post(
        CHANGELIST_URL,
        {"action": "cancel_appointments", "_selected_action": [booked.pk], "post": "yes"},
        follow=True,
    )

    assert [str(message) for message in response.context["messages"]] == [f"{booked}: отменена."]


def test_health_data_stays_hidden_in_russian_from_staff_without_the_permission(
    desk: Client, booked
):
    html = desk.get(reverse("admin:booking_appointment_change", args=[booked.pk])).content.decode()

    assert "Скрыто: нужно право на просмотр данных о здоровье." in html
    assert "Sensitive left knee." not in html


def test_the_models_and_their_fields_have_russian_names(owner: Client, booked):
    index = owner.get(reverse("admin:index")).content.decode()
    listing = owner.get(CHANGELIST_URL).content.decode()

    for words in ["Массажисты", "Записи", "Уведомления", "Сообщения", "Виды массажа", "Услуги"]:
        assert words in index
    assert "Статус" in listing
    assert "Источник" in listing
