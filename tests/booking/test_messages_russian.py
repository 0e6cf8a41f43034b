"""The words of messages and errors in Russian: e-mails, calendar files, refusals, API errors."""

# Cyrillic letters that look like Latin ones are meant here: the words are Russian.

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.template import Context, Template
from django.utils import translation
from icalendar import Calendar
from rest_framework.test import APIClient

from booking import errors
from booking.calendar import appointment_calendar
from booking.models import Appointment
from booking.services import Actor, book_appointment, cancel_appointment
from notifications.appointments import build_email
from notifications.models import Message
from studio.formatting import format_duration, format_money
from tests.booking.conftest import NOW, TUESDAY, at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("russian_catalogue")]

Kind = Message.Kind
NBSP = "\xa0"

# Every sentence the e-mail templates write in English: none may be left in a Russian e-mail.
ENGLISH = [
    "Dear ",
    "thank you",
    "reminder",
    "cancelled",
    "moved to",
    "What",
    "When",
    "With",
    "Where",
    "Price",
    "Please confirm",
    "Confirm my booking",
    "client record",
    "Cancel or move",
    "To cancel",
    "hours before",
    "calendar file",
    "did not book",
    "Questions?",
    " at 10:00",
]


@pytest.fixture(autouse=True)
def _studio(settings) -> None:
    settings.STUDIO_NAME = "Studio"
    settings.STUDIO_ADDRESS = "Hauptstraße 1, Berlin"
    settings.STUDIO_PHONE = "+49 30 1234567"


def book(offering, details, *, source=Appointment.Source.API) -> Appointment:
    return book_appointment(
        offering=offering,
        start_at=at(TUESDAY, "10:00"),
        client=details,
        source=source,
        actor=Actor.guest(),
        now=NOW,
    )


def email_in(language: str, appointment: Appointment, kind: str) -> tuple[str, str]:
    """The plain-text and HTML parts of the e-mail of `kind`, for a booking in `language`.

    The worker's own language is the other one: the booking's decides.
    """
    appointment.visit.language = language
    with translation.override("en" if language == "ru" else "ru"):
        message = build_email(Message(appointment=appointment, kind=kind, channel="email"))
    return str(message.body), str(message.alternatives[0][0])


OPENINGS = {
    Kind.CONFIRMATION: "Спасибо, что записались в Studio. Ваш массаж подтверждён.",
    Kind.DAY_BEFORE: "Напоминаем: завтра у вас массаж.",
    Kind.HOURS_BEFORE: "Напоминаем: сегодня у вас массаж.",
    Kind.CANCELLATION: "Ваша запись на массаж отменена. Будем рады видеть вас в другой раз.",
    Kind.RESCHEDULED: "Ваша запись на массаж перенесена на новое время.",
}


@pytest.mark.parametrize("kind", list(OPENINGS))
def test_each_email_kind_reads_in_russian_with_no_english_sentence_left(
    kind, classical, anna, two_rooms, guest_details
):
    appointment = book(classical, guest_details)

    text, html = email_in("ru", appointment, kind)

    assert text.startswith("Здравствуйте, Mira Example!\n")
    assert OPENINGS[kind] in text
    assert OPENINGS[kind] in html
    assert "Когда: Вторник, 2 марта, с 10:00 до 10:30" in text
    assert f"Цена: 35{NBSP}€" in text
    assert "Массажист: Anna" in text
    assert "Где: Hauptstraße 1, Berlin" in text
    assert "Есть вопросы? Позвоните нам: +49 30 1234567." in text
    assert '<html lang="ru">' in html
    for english in ENGLISH:
        assert english not in text
        assert english not in html


def test_the_russian_confirmation_says_until_when_it_can_be_changed_with_its_plural(
    classical, anna, two_rooms, guest_details
):
    appointment = book(classical, guest_details)

    text, html = email_in("ru", appointment, Kind.CONFIRMATION)

    # STUDIO_GUEST_CANCEL_HOURS is 24: "за 24 часа", not "часов".
    assert "(не позднее чем за 24 часа до начала):" in text
    assert "Изменить запись онлайн можно не позднее чем за 24 часа до начала." in html
    assert "Приложенный файл календаря добавит массаж в ваш календарь." in text
    assert "Отменить или перенести запись" in html


def test_the_russian_email_of_a_held_booking_asks_to_confirm_it(
    classical, anna, two_rooms, guest_details, settings
):
    settings.STUDIO_WEB_BOOKING_HOLD_MINUTES = 30
    appointment = book(classical, guest_details, source=Appointment.Source.WEB)
    assert appointment.status == Appointment.Status.HELD

    text, html = email_in("ru", appointment, Kind.CONFIRMATION)

    assert "Мы придерживаем для вас это время." in text
    assert (
        "Пожалуйста, подтвердите запись в течение 30 минут (до 08:30), иначе время освободится:"
        in text
    )
    assert "Подтвердить запись" in html
    assert "просто не обращайте внимания на это письмо" in text
    for english in ENGLISH:
        assert english not in text
        assert english not in html


def test_the_same_email_under_english_stays_english(classical, anna, two_rooms, guest_details):
    appointment = book(classical, guest_details)

    text, html = email_in("en", appointment, Kind.CONFIRMATION)

    assert text.startswith("Dear Mira Example,\n")
    assert "When: Tuesday 2 March at 10:00 to 10:30" in text
    assert "Price: €35" in text
    assert "until 24 hours before the start" in text
    assert '<html lang="en">' in html
    assert "Здравствуйте" not in text


def test_the_calendar_file_built_under_russian_has_russian_words(
    classical, anna, two_rooms, guest_details
):
    appointment = book(classical, guest_details)

    with translation.override("ru"):
        ics = appointment_calendar(appointment, method="REQUEST", now=NOW)

    (event,) = Calendar.from_ical(ics).walk("VEVENT")
    assert str(event["summary"]) == f"{classical.name_ru} в Studio"
    assert str(event["description"]) == f"{classical.name_ru}, массажист: Anna."


def test_the_calendar_file_built_under_english_has_english_words(
    classical, anna, two_rooms, guest_details
):
    appointment = book(classical, guest_details)

    with translation.override("en"):
        ics = appointment_calendar(appointment, method="REQUEST", now=NOW)

    (event,) = Calendar.from_ical(ics).walk("VEVENT")
    assert str(event["summary"]) == f"{classical.name_en} at Studio"
    assert str(event["description"]) == f"{classical.name_en} with Anna."


def test_a_booking_error_raised_under_russian_reads_russian_with_its_code_unchanged():
    with translation.override("ru"):
        refused = errors.SlotUnavailable()
        also_refused = errors.OutsideHours()

    assert refused.code == "slot_unavailable"
    assert refused.message == "Это время уже занято. Пожалуйста, выберите другое."
    assert also_refused.code == "outside_hours"
    assert also_refused.fields == {"start": ["В это время студия не проводит этот массаж."]}
    assert errors.SlotUnavailable().message == (
        "That time is no longer free. Please choose another time."
    )


@pytest.mark.parametrize(
    ("hours", "words"),
    [(1, "за 1 час до"), (2, "за 2 часа до"), (5, "за 5 часов до"), (21, "за 21 час до")],
)
def test_the_cancellation_cut_off_counts_hours_with_russian_plurals(
    hours, words, classical, anna, two_rooms, guest_details, settings
):
    settings.STUDIO_GUEST_CANCEL_HOURS = hours
    appointment = book(classical, guest_details)

    with translation.override("ru"), pytest.raises(errors.CancellationClosed) as refused:
        cancel_appointment(
            appointment=appointment,
            actor=Actor.guest(),
            now=appointment.start_at - timedelta(minutes=30),
        )

    assert refused.value.code == "cancellation_closed"
    assert refused.value.message == (
        f"Изменить или отменить запись онлайн можно не позднее чем {words} начала. "
        "Пожалуйста, позвоните в студию. Телефон: +49 30 1234567."
    )


def test_an_api_400_under_russian_has_russian_words_and_the_same_codes(db):
    api = APIClient()

    response = api.get(
        "/api/v1/availability/", {"offering": "x", "colour": "red"}, HTTP_ACCEPT_LANGUAGE="ru"
    )

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert error["message"] == "Некоторые поля заполнены неверно."
    assert error["fields"]["colour"] == ["Это поле здесь не принимается."]


def test_an_api_refusal_under_russian_has_a_russian_message_and_the_same_code(
    classical, anna, two_rooms, guest_details
):
    api = APIClient()
    body = {
        "offering": classical.id,
        "start": "2027-03-02T10:00:00",
        "client": {"name": "Mira", "email": "mira@example.com", "phone": "+49 30 1234567"},
    }

    with time_machine.travel(NOW, tick=False):
        response = api.post("/api/v1/appointments/", body, format="json", HTTP_ACCEPT_LANGUAGE="ru")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert error["fields"]["start"] == [
        "Укажите время со смещением от UTC, например 2027-03-02T10:00:00+01:00."
    ]


def test_a_too_soon_refusal_counts_the_notice_in_russian_hours(
    classical, anna, two_rooms, guest_details
):
    with translation.override("ru"), pytest.raises(errors.TooSoon) as refused:
        book_appointment(
            offering=classical,
            start_at=at(TUESDAY, "10:00"),
            client=guest_details,
            source=Appointment.Source.API,
            actor=Actor.guest(),
            now=at(TUESDAY, "09:00"),
        )

    assert refused.value.code == "too_soon"
    assert refused.value.message == (
        "Записаться можно не позднее чем за 2 часа; пожалуйста, выберите время попозже."
    )


@pytest.mark.parametrize(
    ("language", "amount", "currency", "written"),
    [
        ("en", "35.00", "EUR", "€35"),
        ("en", "55.50", "EUR", "€55.50"),
        ("en", "3500", "EUR", "€3,500"),
        ("en", "3500", "RUB", f"RUB{NBSP}3,500"),
        ("ru", "3500", "RUB", f"3{NBSP}500{NBSP}₽"),
        ("ru", "3500.50", "RUB", f"3{NBSP}500,50{NBSP}₽"),
        ("ru", "55.00", "EUR", f"55{NBSP}€"),
    ],
)
def test_prices_are_written_for_the_readers_language(language, amount, currency, written):
    with translation.override(language):
        assert format_money(Decimal(amount), currency) == written


def test_the_money_and_duration_filters_follow_the_active_language():
    template = Template(
        "{% load studio_tags %}{{ price|money:'RUB' }} · {{ 75|duration }} · {{ 60|duration }}"
    )

    with translation.override("ru"):
        russian = template.render(Context({"price": Decimal("3500.00")}))
    with translation.override("en"):
        english = template.render(Context({"price": Decimal("3500.00")}))

    assert russian == f"3{NBSP}500{NBSP}₽ · 1 ч 15 мин · 1 ч"
    assert english == f"RUB{NBSP}3,500 · 1 h 15 min · 1 h"


def test_durations_in_minutes_only_read_in_both_languages():
    with translation.override("ru"):
        assert format_duration(45) == "45 мин"
    with translation.override("en"):
        assert format_duration(45) == "45 min"


def test_a_russian_bookings_email_names_the_studio_as_russian_writes_it(
    settings, classical, anna, two_rooms, guest_details
):
    settings.STUDIO_NAME_RU = "Студия «Лёгкие ноги»"
    settings.STUDIO_ADDRESS_RU = "Хауптштрассе 1, Берлин"
    appointment = book(classical, guest_details)
    appointment.visit.language = "ru"

    with translation.override("en"):
        message = build_email(
            Message(appointment=appointment, kind="confirmation", channel="email")
        )
    (event,) = Calendar.from_ical(message.attachments[0][1]).walk("VEVENT")

    assert message.subject.endswith("· Студия «Лёгкие ноги»")
    assert "Хауптштрассе 1, Берлин" in str(message.body)
    assert str(event["summary"]).endswith("в Студия «Лёгкие ноги»")
    assert str(event["location"]) == "Хауптштрассе 1, Берлин"
