"""One phone check for the API, the website and the admin, storing E.164."""

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from booking.models import Appointment
from booking.phones import normalise_phone
from catalog.models import Offering
from tests.booking.conftest import NOW, TUESDAY, at
from tests.booking.test_site_booking import details, form_url


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("030 1234567", "+49301234567"),
        ("(030) 123 45 67", "+49301234567"),
        ("+49 30 1234567", "+49301234567"),
        ("0049 30 1234567", "+49301234567"),
        ("0151 23456789", "+4915123456789"),
        ("+7 912 345-67-89", "+79123456789"),
        ("+44 20 7946 0958", "+442079460958"),
        (" +49-30-1234567 ", "+49301234567"),
    ],
)
def test_national_and_international_forms_are_stored_in_e164(typed, stored, settings):
    settings.STUDIO_PHONE_REGION = "DE"

    assert normalise_phone(typed) == stored


@pytest.mark.parametrize(
    "typed",
    ["", "call me", "12345", "+49 900 555", "+1 555", "030 1234567 ext. x", "0" * 40, "+\x00"],
)
def test_numbers_that_cannot_be_called_are_refused(typed):
    with pytest.raises(ValidationError) as refused:
        normalise_phone(typed)

    assert refused.value.code == "invalid"


def test_a_number_without_country_code_is_read_in_the_studios_region(settings):
    settings.STUDIO_PHONE_REGION = "AT"

    assert normalise_phone("01 5123456") == "+4315123456"


# The API ----------------------------------------------------------------


def api_booking(offering: Offering, phone: str) -> dict:
    return {
        "offering": offering.id,
        "start": at(TUESDAY, "10:00").isoformat(),
        "client": {"name": "Mira Example", "email": "mira@example.com", "phone": phone},
    }


@pytest.mark.django_db
def test_the_api_stores_the_booked_phone_in_e164(classical, anna, two_rooms):
    response = APIClient().post(
        "/api/v1/appointments/", api_booking(classical, "030 1234567"), format="json"
    )

    assert response.status_code == 201, response.json()
    appointment = Appointment.objects.get()
    assert appointment.contact_phone == "+49301234567"
    assert appointment.client.phone == "+49301234567"


@pytest.mark.django_db
@pytest.mark.parametrize("phone", ["12345", "+49 900 555", "call me"])
def test_the_api_refuses_a_bad_phone_as_a_400_naming_client_phone(
    classical, anna, two_rooms, phone
):
    response = APIClient().post(
        "/api/v1/appointments/", api_booking(classical, phone), format="json"
    )

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert list(error["fields"]) == ["client.phone"]
    assert "Enter a phone number we can call" in error["fields"]["client.phone"][0]
    assert not Appointment.objects.exists()


# The website ------------------------------------------------------------


@pytest.mark.django_db
def test_the_website_stores_the_phone_in_e164(client, classical, anna, two_rooms):
    response = client.post(
        form_url(classical), details(at(TUESDAY, "10:00"), phone="0151 23456789")
    )

    assert response.status_code == 303
    assert Appointment.objects.get().contact_phone == "+4915123456789"


@pytest.mark.django_db
def test_the_website_shows_a_bad_phone_as_an_error_of_the_field(client, classical, anna, two_rooms):
    response = client.post(form_url(classical), details(at(TUESDAY, "10:00"), phone="12345"))

    assert response.status_code == 200
    assert (
        response.context["form"].errors["phone"][0].startswith("Enter a phone number we can call")
    )
    assert not Appointment.objects.exists()


# The admin --------------------------------------------------------------


def phone_booking(phone: str) -> dict:
    return {
        "offering": Offering.objects.get(slug="classical-foot-30").pk,
        "therapist": "",
        "start_on": TUESDAY.isoformat(),
        "start_time": "10:00",
        "client_name": "Karl Caller",
        "client_email": "karl@example.com",
        "client_phone": phone,
        "notes": "",
    }


@pytest.mark.django_db
def test_a_phone_booking_stores_the_phone_in_e164(admin_client, anna, two_rooms):
    response = admin_client.post(
        reverse("admin:booking_appointment_add"), phone_booking("030 7654321")
    )

    assert response.status_code == 302
    assert Appointment.objects.get().contact_phone == "+49307654321"


@pytest.mark.django_db
def test_a_phone_booking_with_a_bad_phone_is_an_error_of_the_field(admin_client, anna, two_rooms):
    response = admin_client.post(reverse("admin:booking_appointment_add"), phone_booking("555"))

    assert response.status_code == 200
    assert "Enter a phone number we can call" in response.content.decode()
    assert not Appointment.objects.exists()
