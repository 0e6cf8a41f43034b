"""The website's pages in Russian: every sentence of ours translated, none left in English.

The English sentences looked for are the catalogue's own: every message
of the site's templates that has a Russian translation differs from it,
so any of them on a Russian page is a word that escaped translation.
"""

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import time_machine
from babel.messages.pofile import read_po
from django.conf import settings
from django.core.management import call_command
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import trans_real

from booking.guest_access import manage_link
from booking.models import Appointment
from booking.services import Actor, book_appointment
from tests.booking.conftest import NOW, TUESDAY, at

pytestmark = pytest.mark.django_db

ROOT = Path(settings.BASE_DIR)
PO = ROOT / "locale" / "ru" / "LC_MESSAGES" / "django.po"
# The templates this test renders; their sentences must all be translated.
SITE_TEMPLATES = ("booking/templates/booking/", "catalog/templates/", "studio/templates/")


@pytest.fixture(scope="module", autouse=True)
def russian_catalogue() -> Iterator[None]:
    """The committed .po, compiled now, and read anew by Django."""
    call_command("compile_translations")
    setattr(trans_real, "_translations", {})  # noqa: B010 - private, and untyped
    yield
    setattr(trans_real, "_translations", {})  # noqa: B010


@pytest.fixture(autouse=True)
def frozen():
    """Monday 1 March 2027, 08:00 in the studio."""
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def russian(client: Client) -> Iterator[Client]:
    """A browser that asks for Russian, on a site that speaks it."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "ru"
    with translation.override("ru"):
        yield client


@pytest.fixture
def booked(classical, anna, two_rooms, guest_details) -> Appointment:
    return book_appointment(
        offering=classical,
        start_at=at(TUESDAY, "10:00"),
        client=guest_details,
        source="web",
        actor=Actor.guest(),
        health={"vein_problems": True, "pregnancy": False},
        has_consent=True,
        now=NOW,
    )


def english_sentences() -> list[str]:
    """The site templates' messages, as the words of a page show them: placeholders split off."""
    catalogue = read_po(PO.open("rb"))
    found: set[str] = set()
    for message in catalogue:
        if not message.id or not any(
            path.startswith(SITE_TEMPLATES) for path, _line in message.locations
        ):
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        for text in map(str, ids):
            # The plain text between tags and placeholders, long enough to be a phrase.
            for piece in re.split(r"<[^>]+>|%\(\w+\)[sd]", text):
                phrase = piece.strip(" .,:()")
                if len(phrase.split()) >= 3:
                    found.add(phrase)
    return sorted(found)


def visible_text(html: str) -> str:
    """What a reader sees or hears: text and the attributes read aloud."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    labels = " ".join(re.findall(r'(?:aria-label|data-busy-label|content)="([^"]*)"', html))
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html) + " " + labels)


def assert_russian(html: str, *expected: str) -> None:
    text = visible_text(html)
    left = [sentence for sentence in english_sentences() if sentence in text]
    assert not left, f"English left on a Russian page: {left}"
    for words in expected:
        assert words in text, words


def test_the_catalogue_has_every_sentence_of_the_site_in_russian():
    catalogue = read_po(PO.open("rb"))
    ours = [
        message
        for message in catalogue
        if message.id and any(path.startswith(SITE_TEMPLATES) for path, _line in message.locations)
    ]

    assert len(ours) > 150
    untranslated = [
        message.id
        for message in ours
        if message.fuzzy
        or not all(message.string if isinstance(message.string, tuple) else [message.string])
    ]
    assert not untranslated


def test_the_catalog_pages_are_in_russian(russian: Client, classical):
    catalog = russian.get(reverse("catalog:catalog"), follow=True)
    massage = russian.get(classical.massage_type.get_absolute_url(), follow=True)

    assert_russian(catalog.content.decode(), "Массаж для уставших ног", "30 мин", "35 €", "Массажи")
    assert_russian(massage.content.decode(), "Длительность и цены", "Выбрать время")


def test_the_slot_picker_is_in_russian_with_russian_plurals_and_dates(
    russian: Client, classical, anna, two_rooms
):
    url = reverse("booking:slots", kwargs={"offering_slug": classical.slug})

    html = russian.get(url, {"on": "2027-03-02"}, follow=True).content.decode()

    # Tuesday: 9-13 and 14-18 every 15 minutes, less the 30-minute massage's tail.
    assert_russian(
        html,
        "Любой массажист",
        "Вторник, 2 марта",
        "марта, 30 свободных окон",
        "30 свободных окон.",
        "Время указано по часам студии",
    )


def test_the_booking_form_and_its_errors_are_in_russian(
    russian: Client, classical, anna, two_rooms
):
    url = reverse("booking:book", kwargs={"offering_slug": classical.slug})

    form = russian.get(url, {"start": "2027-03-02T09:00Z"}, follow=True).content.decode()
    refused = russian.post(url, {"start": "2027-03-02T09:00Z"}, follow=True).content.decode()

    assert_russian(
        form,
        "Вторник, 2 марта 2027",
        "Ваше здоровье",
        "Вы беременны?",
        "Отменить или перенести запись на сайте можно не позднее чем за 24 часа до начала.",
    )
    assert_russian(refused, "Пожалуйста, проверьте форму", "Введите ваше имя.")


def test_the_confirmation_manage_and_change_pages_are_in_russian(russian: Client, booked):
    russian.get(manage_link(booked), follow=True)

    def page(name: str) -> str:
        url = reverse(f"booking:{name}", kwargs={"appointment_id": booked.pk})
        response = russian.get(url, follow=True)
        assert response.status_code == 200
        return response.content.decode()

    assert_russian(page("confirmation"), "Вы записаны на массаж", "оплата в студии")
    assert_russian(page("manage"), "Ваша запись", "Подтверждена", "Изменить или отменить")
    assert_russian(page("cancel"), "Отменить эту запись?", "Нет, оставить")
    assert_russian(page("reschedule"), "Выберите новое время, когда Anna свободен(-на).")


def test_the_page_not_found_is_in_russian(russian: Client):
    response = russian.get("/no-such-page/")

    assert response.status_code == 404
    assert_russian(response.content.decode(), "Страница не найдена")


def test_the_pages_stay_in_english_for_an_english_reader(client: Client, classical):
    html = client.get(reverse("catalog:catalog")).content.decode()

    assert "Massages for tired legs" in html
    assert "Массаж" not in html


def test_the_server_error_page_is_in_russian():
    # Django renders it without a request context: only the active language.
    with translation.override("ru"):
        html = render_to_string("500.html")

    assert '<html lang="ru">' in html
    assert_russian(html, "Что-то пошло не так", "Назад к массажам")


def test_the_pages_for_two_people_are_in_russian(
    russian: Client, classical, anna, ben, room_for_two
):
    classical.max_people = 2
    classical.save(update_fields=["max_people"])
    slots = reverse("booking:slots", kwargs={"offering_slug": classical.slug})
    book = reverse("booking:book", kwargs={"offering_slug": classical.slug})

    picker = russian.get(slots, {"people": "2", "on": "2027-03-02"}, follow=True)
    form = russian.get(book, {"start": "2027-03-02T09:00Z", "people": "2"}, follow=True)

    assert_russian(picker.content.decode(), "Выберите время для двоих", "На двоих")
    assert_russian(form.content.decode(), "Второй человек", "70 €")


def test_the_page_of_a_courses_dates_is_in_russian(
    russian: Client, course_offering, anna, two_rooms
):
    url = reverse("booking:course", kwargs={"offering_slug": course_offering.slug})

    response = russian.get(url, {"start": "2027-03-16T09:00Z"}, follow=True)

    assert response.status_code == 200
    assert_russian(response.content.decode(), "Сеанс 3: Вторник, 30 марта", "208 €")


def test_the_pages_of_a_visit_and_a_course_are_in_russian(
    russian: Client, booked_couples_visit, booked_course
):
    lead = booked_couples_visit.appointments.earliest("start_at", "id")
    session = Appointment.objects.filter(visit__course=booked_course).earliest("start_at")
    russian.get(manage_link(lead), follow=True)
    russian.get(manage_link(session), follow=True)

    def page(name: str, appointment: Appointment) -> str:
        url = reverse(f"booking:{name}", kwargs={"appointment_id": appointment.pk})
        response = russian.get(url, follow=True)
        assert response.status_code == 200
        return response.content.decode()

    assert_russian(page("confirmation", lead), "Для Alex Example")
    assert_russian(page("cancel", lead), "Отменить этот визит?")
    assert_russian(page("reschedule", lead), "Ваш визит")
    assert_russian(page("manage", session), "Ваш курс: 4 сеанса")
    assert_russian(page("cancel", session), "Весь курс")
