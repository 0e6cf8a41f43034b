"""Health answers and notes are seen only by staff with `booking.view_health`."""

import pytest
import time_machine
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from booking.models import Appointment
from booking.services import Actor, book_appointment
from tests.booking.conftest import NOW, TUESDAY, at

pytestmark = pytest.mark.django_db

DAY_URL = reverse("admin:booking_appointment_day")
HIDDEN = "Hidden: needs the permission to see health data."


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
        health={"vein_problems": True, "note": "Varicose veins left"},
        notes="Sensitive left knee.",
        has_consent=True,
        now=NOW,
    )


def staff_user(django_user_model, username: str, *codenames: str):
    user = django_user_model.objects.create_user(username, password="pw", is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="booking", codename__in=codenames)
    )
    return user


@pytest.fixture
def desk(django_user_model) -> Client:
    """Staff who may see appointments, but not health data."""
    browser = Client()
    browser.force_login(staff_user(django_user_model, "desk", "view_appointment"))
    return browser


@pytest.fixture
def nurse(django_user_model) -> Client:
    """Staff who may see appointments and health data."""
    browser = Client()
    browser.force_login(staff_user(django_user_model, "nurse", "view_appointment", "view_health"))
    return browser


def change_url(appointment: Appointment) -> str:
    return reverse("admin:booking_appointment_change", args=[appointment.pk])


# The admin -------------------------------------------------------------------


def test_the_appointment_page_hides_health_answers_and_notes_without_the_permission(desk, booked):
    response = desk.get(change_url(booked))

    assert response.status_code == 200
    html = response.content.decode()
    assert HIDDEN in html
    assert "Sensitive left knee." not in html
    assert "Varicose veins left" not in html
    assert "vein problems" not in html


def test_the_appointment_page_shows_health_answers_and_notes_with_the_permission(nurse, booked):
    html = nurse.get(change_url(booked)).content.decode()

    assert HIDDEN not in html
    assert "Sensitive left knee." in html
    assert "Varicose veins left" in html
    assert "Do you have varicose veins or other vein problems?: yes" in html


def test_the_day_view_shows_notes_only_with_the_permission(desk, nurse, booked):
    day = {"date": TUESDAY.isoformat()}
    nurse_html = nurse.get(DAY_URL, day).content.decode()
    desk_html = desk.get(DAY_URL, day).content.decode()

    assert "Sensitive left knee." in nurse_html
    assert "Said yes to a health question" in nurse_html
    assert "Varicose veins left" in nurse_html
    assert "Mira Example" in desk_html
    assert "Sensitive left knee." not in desk_html
    assert "Said yes to a health question" not in desk_html
    assert "Varicose veins left" not in desk_html


CHANGELIST_URL = reverse("admin:booking_appointment_changelist")


@pytest.mark.parametrize(
    "query",
    [
        {"notes__contains": "knee"},
        {"notes": "Sensitive left knee."},
        {"health__vein_problems": "true"},
        {"health__has_key": "vein_problems"},
    ],
)
def test_the_appointment_list_refuses_a_lookup_on_health_data_without_the_permission(
    desk, booked, query
):
    # Which rows a filter keeps would tell, row by row, what the page hides.
    response = desk.get(CHANGELIST_URL, query)

    assert response.status_code == 400
    assert "Sensitive" not in response.content.decode()


def test_the_appointment_list_takes_a_lookup_on_notes_with_the_permission(nurse, booked):
    response = nurse.get(CHANGELIST_URL, {"notes__contains": "knee"})

    assert response.status_code == 200
    assert response.context["cl"].result_count == 1


def test_nobody_filters_the_appointment_list_by_manage_token(nurse, booked):
    response = nurse.get(CHANGELIST_URL, {"manage_token__startswith": booked.manage_token[:1]})

    assert response.status_code == 400


# The API ---------------------------------------------------------------------


def token_client(django_user_model, username: str, *codenames: str) -> APIClient:
    user = django_user_model.objects.create_user(username)
    user.groups.add(Group.objects.get(name="integrations"))
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="booking", codename__in=codenames)
    )
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return api


def test_the_api_hides_notes_from_an_integration_without_the_permission(django_user_model, booked):
    api = token_client(django_user_model, "crm")

    detail = api.get(f"/api/v1/appointments/{booked.pk}/").json()
    listed = api.get("/api/v1/appointments/").json()["results"]

    assert detail["notes"] is None
    assert [row["notes"] for row in listed] == [None]


def test_the_api_shows_notes_to_an_integration_with_the_permission(django_user_model, booked):
    api = token_client(django_user_model, "clinic", "view_health")

    detail = api.get(f"/api/v1/appointments/{booked.pk}/").json()

    assert detail["notes"] == "Sensitive left knee."


def test_the_guest_sees_their_own_notes_by_the_manage_token(booked):
    detail = APIClient().get(
        f"/api/v1/appointments/{booked.pk}/", headers={"X-Manage-Token": booked.manage_token}
    )

    assert detail.json()["notes"] == "Sensitive left knee."


def test_the_answer_to_an_anonymous_booking_leaves_the_notes_out(classical, anna, two_rooms):
    response = APIClient().post(
        "/api/v1/appointments/",
        {
            "offering": classical.id,
            "start": at(TUESDAY, "10:00").isoformat(),
            "client": {"name": "Mira", "email": "mira@example.com", "phone": "+49 30 1234567"},
            "notes": "Sensitive left knee.",
            "consent": True,
        },
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["notes"] is None
    assert Appointment.objects.get().notes == "Sensitive left knee."
