"""A booking keeps the client's language, and every message about it is written in it."""

import uuid

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation
from icalendar import Calendar
from rest_framework.test import APIClient

from booking.calendar import appointment_calendar, sessions_calendar
from booking.guest_access import manage_link
from booking.models import Appointment
from booking.models import Client as ClientRecord
from booking.services import Actor, ClientDetails, book_appointment
from booking.site_forms import slot_value
from notifications import appointments as messages
from notifications.models import Message
from tests.booking.conftest import NOW, TUESDAY, at

pytestmark = pytest.mark.django_db

MIRA = ClientDetails("Mira Example", "mira@example.com", "+49 30 1234567")


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def book(classical, language: str, client: ClientDetails = MIRA) -> Appointment:
    return book_appointment(
        offering=classical,
        start_at=at(TUESDAY, "10:00"),
        client=client,
        source="web",
        actor=Actor.guest(),
        language=language,
        now=NOW,
    )


def confirmation(appointment: Appointment, channel: str = "email") -> Message:
    reminder = appointment.messages.get(kind="confirmation", channel="email")
    reminder.channel = channel
    return reminder


# Where the language comes from ----------------------------------------------


def test_a_booking_on_the_russian_site_is_stored_in_russian(
    client: Client, classical, anna, two_rooms
):
    form = reverse("booking:book", kwargs={"offering_slug": classical.slug})
    assert form.startswith("/en/")

    response = client.post(
        form.replace("/en/", "/ru/", 1),
        {
            "idempotency_key": str(uuid.uuid4()),
            "start": slot_value(at(TUESDAY, "10:00")),
            "therapist": "",
            "name": "Mira Example",
            "email": "mira@example.com",
            "phone": "+49 30 1234567",
            **dict.fromkeys(
                ["vein_problems", "pregnancy", "recent_injury", "skin_condition"], "no"
            ),
            "note": "",
            "consent": "on",
        },
    )

    assert response.status_code == 303
    assert response["Location"].startswith("/ru/booking/manage/")
    appointment = Appointment.objects.get()
    assert appointment.language == "ru"
    assert appointment.client.language == "ru"


def api_booking(classical) -> dict:
    return {
        "offering": classical.id,
        "start": at(TUESDAY, "10:00").isoformat(),
        "client": {"name": "Mira Example", "email": "mira@example.com", "phone": "+49 30 1234567"},
    }


@pytest.mark.parametrize(
    ("query", "accept", "stored"),
    [
        ("", "ru, en;q=0.5", "ru"),
        ("?lang=ru", "", "ru"),
        ("?lang=en", "ru", "en"),
        ("", "", settings.LANGUAGE_CODE),
    ],
    ids=["accept-language", "lang", "lang-wins", "neither"],
)
def test_a_booking_by_the_api_is_stored_in_the_requests_language(
    classical, anna, two_rooms, query, accept, stored
):
    response = APIClient().post(
        f"/api/v1/appointments/{query}",
        api_booking(classical),
        format="json",
        HTTP_ACCEPT_LANGUAGE=accept,
    )

    assert response.status_code == 201
    assert Appointment.objects.get().language == stored


def test_a_booking_in_another_language_leaves_the_client_records_own(classical, anna, two_rooms):
    ClientRecord.objects.create(name="Mira", email="mira@example.com", phone="+49301234567")

    appointment = book(classical, "ru")

    assert appointment.language == "ru"
    assert ClientRecord.objects.get().language == "en"


def test_the_booking_service_refuses_a_language_the_studio_does_not_speak(
    classical, anna, two_rooms
):
    with pytest.raises(ValueError, match="'de'"):
        book(classical, "de")

    assert not Appointment.objects.exists()


# The messages ----------------------------------------------------------------


def test_a_russian_bookings_confirmation_is_in_russian_while_the_worker_speaks_english(
    classical, anna, two_rooms, settings
):
    settings.STUDIO_BASE_URL = "https://studio.example"
    appointment = book(classical, "ru")
    translation.activate("en")

    message = messages.build_email(confirmation(appointment))

    assert message.subject == "Вы записаны на массаж: Вт, 2 марта, 10:00 · Studio"
    link = (
        f"https://studio.example/ru/booking/manage/{appointment.pk}/?t={appointment.manage_token}"
    )
    assert link in message.body
    assert f'href="{link}"' in str(message.alternatives[0][0])
    # The worker's own language is as it was.
    assert translation.get_language() == "en"


def test_a_russian_bookings_text_message_is_in_russian(classical, anna, two_rooms, settings):
    settings.STUDIO_BASE_URL = "https://studio.example"
    appointment = book(classical, "ru")

    text = messages.build_sms(confirmation(appointment, channel="sms"))

    assert text == (
        "Studio: вы записаны — Классический: стопа, Вт, 2 марта, 10:00. Изменить или отменить: "
        f"https://studio.example/ru/booking/manage/{appointment.pk}/?t={appointment.manage_token}"
    )


def test_an_english_bookings_confirmation_is_in_english_while_the_worker_speaks_russian(
    classical, anna, two_rooms
):
    appointment = book(classical, "en")
    translation.activate("ru")

    message = messages.build_email(confirmation(appointment))

    assert message.subject == "Your massage on Tuesday 2 March at 10:00 is booked · Studio"
    assert f"/en/booking/manage/{appointment.pk}/?t=" in message.body
    assert translation.get_language() == "ru"


def test_the_calendar_file_of_a_message_is_made_in_the_bookings_language(
    classical, anna, two_rooms, monkeypatch
):
    appointment = book(classical, "ru")
    made_in = []

    def recording(*args, **kwargs):
        made_in.append(translation.get_language())
        return sessions_calendar(*args, **kwargs)

    monkeypatch.setattr("notifications.appointments.sessions_calendar", recording)

    message = messages.build_email(confirmation(appointment))

    assert made_in == ["ru"]
    (event,) = Calendar.from_ical(message.attachments[0][1]).walk("VEVENT")
    assert event.decoded("dtstart") == at(TUESDAY, "10:00")


def test_the_calendar_download_is_made_in_the_bookings_language(
    client: Client, classical, anna, two_rooms, monkeypatch
):
    appointment = book(classical, "ru")
    made_in = []

    def recording(*args, **kwargs):
        made_in.append(translation.get_language())
        return appointment_calendar(*args, **kwargs)

    monkeypatch.setattr("booking.views.guest.appointment_calendar", recording)
    client.get(manage_link(appointment))

    response = client.get(reverse("booking:calendar", kwargs={"appointment_id": appointment.pk}))

    assert response.status_code == 200
    assert made_in == ["ru"]


# The admin's phone booking ----------------------------------------------------


def phone_booking(classical, **changes) -> dict:
    form = {
        "offering": classical.pk,
        "therapist": "",
        "start_on": TUESDAY.isoformat(),
        "start_time": "10:00",
        "client_name": "Karl Caller",
        "client_email": "karl@example.com",
        "client_phone": "+49 30 7654321",
        "language": "",
        "notes": "",
    }
    return {**form, **changes}


def test_the_phone_booking_stores_the_language_staff_chose(
    admin_client, classical, anna, two_rooms
):
    response = admin_client.post(
        reverse("admin:booking_appointment_add"), phone_booking(classical, language="ru")
    )

    assert response.status_code == 302
    appointment = Appointment.objects.get()
    assert appointment.language == "ru"
    assert appointment.client.language == "ru"


@pytest.mark.parametrize(("record", "stored"), [("ru", "ru"), (None, settings.LANGUAGE_CODE)])
def test_the_phone_booking_without_a_choice_takes_the_client_records_language(
    admin_client, classical, anna, two_rooms, record, stored
):
    if record:
        ClientRecord.objects.create(
            name="Karl", email="KARL@example.com", phone="+49307654321", language=record
        )

    response = admin_client.post(reverse("admin:booking_appointment_add"), phone_booking(classical))

    assert response.status_code == 302
    assert Appointment.objects.get().language == stored


def test_the_phone_booking_form_offers_the_languages(admin_client):
    html = admin_client.get(reverse("admin:booking_appointment_add")).content.decode()

    assert "Client&#x27;s language" in html
    assert '<option value="ru">Русский</option>' in html
    assert "As on the client record (a new client: English)" in html


def test_the_appointment_page_shows_the_language_it_was_booked_in(
    admin_client, classical, anna, two_rooms
):
    appointment = book(classical, "ru")

    response = admin_client.get(reverse("admin:booking_appointment_change", args=[appointment.pk]))

    assert response.status_code == 200
    html = response.content.decode()
    assert '<div class="readonly">Русский</div>' in html
