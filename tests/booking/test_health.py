from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from booking.models import Reminder
from booking.services import Actor, book_appointment
from tests.booking.conftest import TUESDAY, at

pytestmark = pytest.mark.django_db


def test_an_empty_outbox_is_healthy(client: Client):
    response = client.get("/health/reminders/")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "due": 0,
        "oldest_due_waiting_seconds": 0,
        "failed": 0,
    }


def test_a_due_reminder_waiting_too_long_is_a_503(
    client: Client, classical, anna, two_rooms, guest_details, time_machine
):
    time_machine.move_to(at(TUESDAY, "7:00"), tick=False)
    book_appointment(
        offering=classical,
        start_at=at(TUESDAY, "14:00"),
        client=guest_details,
        source="api",
        actor=Actor.guest(),
    )
    Reminder.objects.filter(kind=Reminder.Kind.CONFIRMATION).update(status="pending")
    time_machine.move_to(timezone.now() + timedelta(minutes=6), tick=False)

    response = client.get("/health/reminders/")

    assert response.status_code == 503
    assert response.json()["status"] == "stuck"
    assert response.json()["oldest_due_waiting_seconds"] == 360
