"""Dates at Python's ends (year 1, year 9999) are bad input everywhere, never a 500."""

from datetime import date

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from booking.availability import available_slots
from booking.dates import parse_day, validate_on_calendar
from booking.guest_access import manage_link
from booking.models import Appointment
from booking.site_forms import parse_slot
from tests.booking.conftest import MONDAY, NOW, TUESDAY, at
from tests.booking.test_admin import phone_booking

pytestmark = pytest.mark.django_db

UNREAL_DAYS = ["9999-12-31", "0001-01-01"]


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def staff_api(admin_user) -> APIClient:
    api = APIClient()
    api.force_authenticate(admin_user)
    return api


def assert_invalid(response, *fields: str) -> None:
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert set(error["fields"]) == set(fields)


@pytest.mark.parametrize("day", UNREAL_DAYS)
def test_availability_for_an_unreal_day_is_a_400_on_start_and_end(classical, day):
    response = APIClient().get(
        "/api/v1/availability/", {"offering": classical.id, "start": day, "end": day}
    )

    assert_invalid(response, "start", "end")


@pytest.mark.parametrize("day", UNREAL_DAYS)
def test_the_staff_list_for_an_unreal_date_is_a_400_on_date(staff_api, day):
    assert_invalid(staff_api.get("/api/v1/appointments/", {"date": day}), "date")


@pytest.mark.parametrize("start", ["9999-12-31T23:59:00Z", "0001-01-01T00:00:00+01:00"])
def test_booking_at_an_unreal_time_is_a_400_on_start_and_writes_nothing(
    classical, anna, two_rooms, start
):
    body = {
        "offering": classical.id,
        "start": start,
        "client": {"name": "Mira", "email": "mira@example.com", "phone": "+49 30 1234567"},
    }

    response = APIClient().post("/api/v1/appointments/", body, format="json")

    assert_invalid(response, "start")
    assert not Appointment.objects.exists()


def test_rescheduling_to_an_unreal_time_is_a_400_and_keeps_the_time(booked):
    response = APIClient().post(
        f"/api/v1/appointments/{booked.pk}/reschedule/",
        {"start": "9999-12-31T23:59:00Z"},
        format="json",
        headers={"X-Manage-Token": booked.manage_token},
    )

    assert_invalid(response, "start")
    booked.refresh_from_db()
    assert booked.start_at == at(TUESDAY, "10:00")


@pytest.mark.parametrize("day", UNREAL_DAYS)
def test_the_admin_day_view_shows_today_for_an_unreal_date(admin_client, day):
    response = admin_client.get(reverse("admin:booking_appointment_day"), {"date": day})

    assert response.status_code == 200
    assert response.context["day"] == NOW.date()


@pytest.mark.parametrize("start", ["9999-12-31T23:59Z", "0001-01-01T00:00Z"])
def test_the_booking_form_for_an_unreal_time_sends_to_the_picker(
    client: Client, classical, anna, two_rooms, start
):
    response = client.get(reverse("booking:book", args=[classical.slug]), {"start": start})

    assert response.status_code == 302
    assert response["Location"] == reverse("booking:slots", args=[classical.slug])


@pytest.mark.parametrize("start", ["9999-12-31T23:59Z", "0001-01-01T00:00Z"])
def test_the_reschedule_page_for_an_unreal_time_shows_the_picker(client: Client, booked, start):
    page = reverse("booking:reschedule", kwargs={"appointment_id": booked.pk})
    # The e-mail's link opens the booking for this browser's session.
    client.get(manage_link(booked))

    response = client.get(page, {"start": start})

    assert response.status_code == 200
    assert response.context["picker"].chosen == TUESDAY


@pytest.mark.parametrize("param", ["on", "week"])
@pytest.mark.parametrize("day", UNREAL_DAYS)
def test_the_slot_picker_ignores_an_unreal_day(
    client: Client, classical, anna, two_rooms, param, day
):
    response = client.get(reverse("booking:slots", args=[classical.slug]), {param: day})

    assert response.status_code == 200
    # As without the parameter: the first day with free times.
    assert response.context["picker"].chosen == MONDAY


def test_the_engine_looks_only_at_the_bookable_days_of_any_range(classical, anna, two_rooms):
    everything = available_slots(offering=classical, start_on=date.min, end_on=date.max, now=NOW)
    horizon = available_slots(
        offering=classical, start_on=NOW.date(), end_on=date(2027, 4, 30), now=NOW
    )

    assert everything == horizon
    assert everything


def test_the_engine_finds_nothing_in_a_range_wholly_outside_the_horizon(classical, anna, two_rooms):
    assert (
        available_slots(offering=classical, start_on=date(9999, 12, 31), end_on=date.max, now=NOW)
        == []
    )


def test_one_check_refuses_dates_beyond_the_calendar_and_keeps_real_ones():
    assert parse_day("2027-03-02") == date(2027, 3, 2)
    assert parse_day("9999-12-31") is None
    assert parse_day("0001-01-01") is None
    assert parse_day("not a date") is None
    assert parse_slot("2027-03-02T09:00Z") == at(TUESDAY, "10:00")
    assert parse_slot("9999-12-31T23:59Z") is None
    validate_on_calendar(date(2027, 3, 2))


@pytest.mark.parametrize("day", UNREAL_DAYS)
def test_a_phone_booking_on_an_unreal_date_names_the_date_and_books_nothing(
    admin_client, anna, two_rooms, day
):
    form = phone_booking(start_on=day)

    response = admin_client.post(reverse("admin:booking_appointment_add"), form)

    assert response.status_code == 200
    assert "start_on" in response.context["adminform"].form.errors
    assert not Appointment.objects.exists()
