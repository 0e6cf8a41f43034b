"""Health answers and notes are kept only with the client's consent, in every channel."""

import pytest
import time_machine
from django.urls import reverse
from rest_framework.test import APIClient

from booking import errors
from booking.models import Appointment
from booking.services import Actor, book_appointment
from catalog.models import Offering
from tests.booking.conftest import NOW, TUESDAY, at

pytestmark = pytest.mark.django_db

ADD_URL = reverse("admin:booking_appointment_add")


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def api_booking(offering, **extra) -> dict:
    return {
        "offering": offering.id,
        "start": at(TUESDAY, "10:00").isoformat(),
        "client": {"name": "Mira Example", "email": "mira@example.com", "phone": "+49 30 1234567"},
        **extra,
    }


def phone_booking(**changes) -> dict:
    form = {
        "offering": Offering.objects.get(slug="classical-foot-30").pk,
        "therapist": "",
        "start_on": TUESDAY.isoformat(),
        "start_time": "10:00",
        "client_name": "Karl Caller",
        "client_email": "karl@example.com",
        "client_phone": "+49 30 7654321",
        "notes": "",
    }
    return {**form, **changes}


# The API -----------------------------------------------------------------


@pytest.mark.parametrize(
    "extra",
    [
        {"health": {"vein_problems": True}},
        {"health": {"pregnancy": False}},
        {"health": {"note": "Bad back"}},
        {"notes": "Sensitive left knee."},
        {"health": {"pregnancy": False}, "consent": False},
    ],
    ids=["a-yes", "a-no", "a-health-note", "notes", "consent-false"],
)
def test_health_answers_or_notes_without_consent_are_a_400_naming_consent(
    classical, anna, two_rooms, extra
):
    response = APIClient().post(
        "/api/v1/appointments/", api_booking(classical, **extra), format="json"
    )

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "consent_required"
    assert list(error["fields"]) == ["consent"]
    assert not Appointment.objects.exists()


def test_health_answers_with_consent_are_kept_with_its_time(classical, anna, two_rooms):
    response = APIClient().post(
        "/api/v1/appointments/",
        api_booking(classical, health={"pregnancy": False}, notes="Knee", consent=True),
        format="json",
    )

    assert response.status_code == 201
    appointment = Appointment.objects.get()
    assert appointment.health == {"pregnancy": False}
    assert appointment.notes == "Knee"
    assert appointment.consented_at == NOW
    assert appointment.consent_recorded_by is None  # the client gave it themselves


def test_a_booking_without_health_answers_needs_no_consent(classical, anna, two_rooms):
    response = APIClient().post(
        "/api/v1/appointments/", api_booking(classical, health={}, notes=""), format="json"
    )

    assert response.status_code == 201
    assert Appointment.objects.get().consented_at is None


def test_the_service_refuses_health_answers_without_consent(
    classical, anna, two_rooms, guest_details
):
    with pytest.raises(errors.ConsentRequired):
        book_appointment(
            offering=classical,
            start_at=at(TUESDAY, "10:00"),
            client=guest_details,
            source="api",
            actor=Actor.guest(),
            health={"recent_injury": False},
            now=NOW,
        )

    assert not Appointment.objects.exists()


def test_an_integration_booking_with_consent_records_who_asked(
    classical, anna, two_rooms, guest_details, django_user_model
):
    crm = django_user_model.objects.create_user("crm")

    appointment = book_appointment(
        offering=classical,
        start_at=at(TUESDAY, "10:00"),
        client=guest_details,
        source="api",
        actor=Actor.for_user(crm),
        health={"recent_injury": False},
        has_consent=True,
        now=NOW,
    )

    appointment.refresh_from_db()
    assert appointment.consent_recorded_by == crm


# Phone bookings in the admin -------------------------------------------------


def test_the_phone_booking_form_asks_for_the_consent(admin_client, anna):
    html = admin_client.get(ADD_URL).content.decode()

    assert 'name="consent"' in html
    assert "The client agreed on the phone that we keep these answers" in html


def test_a_phone_booking_records_the_consent_and_who_asked_for_it(
    admin_client, admin_user, anna, two_rooms
):
    response = admin_client.post(
        ADD_URL, phone_booking(vein_problems="yes", pregnancy="no", notes="Bad knee", consent="on")
    )

    assert response.status_code == 302
    appointment = Appointment.objects.get()
    assert appointment.consented_at == NOW
    assert appointment.consent_recorded_by == admin_user
    assert appointment.notes == "Bad knee"
    assert appointment.health == {
        "vein_problems": True,
        "pregnancy": False,
        "recent_injury": None,
        "skin_condition": None,
    }


@pytest.mark.parametrize(
    "answers", [{"pregnancy": "yes"}, {"notes": "Bad knee"}], ids=["a-yes", "a-note"]
)
def test_a_phone_booking_with_health_answers_but_no_consent_is_refused(
    admin_client, anna, two_rooms, answers
):
    response = admin_client.post(ADD_URL, phone_booking(**answers))

    assert response.status_code == 200
    assert "consent" in response.context["adminform"].form.errors
    assert not Appointment.objects.exists()


def test_a_phone_booking_without_consent_keeps_no_health_answers(admin_client, anna, two_rooms):
    response = admin_client.post(ADD_URL, phone_booking())

    assert response.status_code == 302
    appointment = Appointment.objects.get()
    assert appointment.health == {}
    assert appointment.consented_at is None
    assert appointment.consent_recorded_by is None
