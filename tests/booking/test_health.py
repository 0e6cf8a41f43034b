from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from booking.services import Actor, book_appointment
from notifications.models import Message
from tests.booking.conftest import TUESDAY, at

pytestmark = pytest.mark.django_db

TOKEN = "a-monitoring-token-of-forty-random-chars"
FIGURES = {"due", "oldest_due_waiting_seconds", "failed"}


@pytest.fixture(autouse=True)
def monitoring_token(settings):
    settings.STUDIO_MONITORING_TOKEN = TOKEN


@pytest.fixture
def stuck_outbox(classical, anna, two_rooms, guest_details, time_machine) -> None:
    """A confirmation due six minutes ago and still not sent."""
    time_machine.move_to(at(TUESDAY, "7:00"), tick=False)
    book_appointment(
        offering=classical,
        start_at=at(TUESDAY, "14:00"),
        client=guest_details,
        source="api",
        actor=Actor.guest(),
    )
    Message.objects.filter(kind=Message.Kind.CONFIRMATION).update(status="pending")
    time_machine.move_to(timezone.now() + timedelta(minutes=6), tick=False)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_an_anonymous_probe_learns_only_that_the_outbox_is_ok(client: Client):
    response = client.get("/health/reminders/")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.usefixtures("stuck_outbox")
def test_an_anonymous_probe_of_a_stuck_outbox_gets_a_503_and_no_figures(client: Client):
    response = client.get("/health/reminders/")

    assert response.status_code == 503
    assert response.json() == {"status": "stuck"}


def test_a_monitor_with_the_token_sees_the_figures_of_an_empty_outbox(client: Client):
    response = client.get("/health/reminders/", headers=bearer(TOKEN))

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "due": 0,
        "oldest_due_waiting_seconds": 0,
        "failed": 0,
    }


@pytest.mark.usefixtures("stuck_outbox")
def test_a_monitor_with_the_token_sees_how_long_a_due_reminder_waits(client: Client):
    response = client.get("/health/reminders/", headers=bearer(TOKEN))

    assert response.status_code == 503
    assert response.json() == {
        "status": "stuck",
        "due": 1,
        "oldest_due_waiting_seconds": 360,
        "failed": 0,
    }


@pytest.mark.parametrize(
    "authorization",
    [f"Bearer {TOKEN[:-1]}", f"Bearer {TOKEN}x", f"Token {TOKEN}", TOKEN, "Bearer ", "Bearer é"],
)
def test_a_wrong_or_malformed_token_sees_no_figures(client: Client, authorization: str):
    response = client.get("/health/reminders/", headers={"Authorization": authorization})

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_with_no_token_configured_an_empty_bearer_sees_no_figures(client: Client, settings):
    settings.STUDIO_MONITORING_TOKEN = ""

    response = client.get("/health/reminders/", headers={"Authorization": "Bearer "})

    assert response.json() == {"status": "ok"}


def test_logged_in_staff_see_the_figures(client: Client, django_user_model):
    client.force_login(django_user_model.objects.create_user("desk", is_staff=True))

    response = client.get("/health/reminders/")

    assert set(response.json()) == {"status", *FIGURES}


def test_a_logged_in_user_who_is_not_staff_sees_no_figures(client: Client, django_user_model):
    client.force_login(django_user_model.objects.create_user("mira"))

    response = client.get("/health/reminders/")

    assert response.json() == {"status": "ok"}


def test_the_answer_is_never_cached_on_the_way(client: Client):
    response = client.get("/health/reminders/", headers=bearer(TOKEN))

    assert "no-store" in response["Cache-Control"]
