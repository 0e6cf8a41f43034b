"""Moving appointments into visits (booking 0017 to 0019) loses nothing and breaks no link.

Appointments written before visits, with the state a live studio has
(confirmed, held and cancelled bookings; reminders pending, sent, failed
and stuck in sending under a lease; events; idempotency keys done and
running), are migrated forward, back, and forward again. Each time every
row is as it was, each appointment has a visit of its own with its id and
token, and after the last step the manage token still opens it.
"""

import uuid
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.apps.registry import Apps
from django.core import mail
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from rest_framework.test import APIClient

from booking.guest_access import manage_link
from booking.models import Appointment as CurrentAppointment
from notifications.models import Message as CurrentReminder
from notifications.services import dispatch_due_messages
from tests.booking.conftest import NOW, TUESDAY, at

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("migrated_data_around_module"),
]

BEFORE = [("booking", "0016_language")]
AFTER = [("booking", "0019_visits_required")]
# The tables whose rows must come through unchanged, by model name.
# What each visit copies from the appointment it was made from.
COPIED_TO_VISIT = [
    "client_id",
    "is_client_verified",
    "contact_name",
    "contact_email",
    "contact_phone",
    "status",
    "hold_expires_at",
    "source",
    "language",
    "notes",
    "consented_at",
    "consent_recorded_by_id",
    "manage_token",
    "booked_from",
    "start_at",
    "end_at",
    "created_at",
    "updated_at",
]
KEPT = ["client", "appointment", "allocation", "appointmentevent", "reminder", "idempotencykey"]


def migrate(targets: list[tuple[str, str]]) -> Apps:
    """Migrate the test database to `targets`; the models as they are there."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    # A fresh loader: the one that migrated still holds the old plan.
    return MigrationExecutor(connection).loader.project_state(targets).apps


def migrate_to_latest() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def rows(apps: Apps, model: str, fields: list[str]) -> list[dict[str, Any]]:
    return list(apps.get_model("booking", model).objects.order_by("pk").values(*fields))


def columns_before(apps: Apps) -> dict[str, list[str]]:
    """Each kept model's columns as they were before visits."""
    return {
        model: [field.attname for field in apps.get_model("booking", model)._meta.concrete_fields]
        for model in KEPT
    }


def snapshot(apps: Apps, columns: dict[str, list[str]]) -> dict[str, list[dict[str, Any]]]:
    return {model: rows(apps, model, fields) for model, fields in columns.items()}


@pytest.fixture
def frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def before_visits(frozen) -> Iterator[Apps]:
    """The database as it was before visits; back to the latest state afterwards."""
    apps = migrate(BEFORE)
    yield apps
    migrate_to_latest()


def write_history(apps: Apps) -> dict[str, Any]:
    """Three appointments as the studio had them, with everything that hangs on them."""
    get = apps.get_model
    offering = get("catalog", "Offering").objects.get(slug="classical-foot-30")
    room = get("booking", "Resource").objects.create(
        name="Room 1", kind=get("catalog", "ResourceKind").objects.get(slug="room")
    )
    therapist = get("booking", "Therapist").objects.create(name="Anna", slug="anna")
    client = get("booking", "Client").objects.create(
        name="Mira Example", email="mira@example.com", phone="+49 30 1234567", language="ru"
    )
    Appointment = get("booking", "Appointment")

    def appointment(clock: str, **fields: Any) -> Any:
        start_at = at(TUESDAY, clock)
        made = Appointment.objects.create(
            client=client,
            contact_name="Mira Example",
            contact_email="mira@example.com",
            contact_phone="+49 30 1234567",
            offering=offering,
            therapist=therapist,
            start_at=start_at,
            end_at=start_at + timedelta(minutes=30),
            blocked_until=start_at + timedelta(minutes=40),
            source="web",
            price=Decimal("35.00"),
            currency="EUR",
            created_at=NOW - timedelta(days=2),
            updated_at=NOW - timedelta(days=1),
            **fields,
        )
        get("booking", "Allocation").objects.create(
            appointment=made,
            resource=room,
            start_at=made.start_at,
            blocked_until=made.blocked_until,
            is_active=made.status != "cancelled",
        )
        get("booking", "AppointmentEvent").objects.create(
            appointment=made, action="booked", actor="guest", details={"source": "web"}
        )
        return made

    confirmed = appointment(
        "10:00",
        language="ru",
        sequence=2,
        health={"pregnancy": False},
        notes="Gentle, please.",
        consented_at=NOW - timedelta(days=2),
        booked_from="a" * 64,
    )
    held = appointment("11:00", status="held", hold_expires_at=NOW + timedelta(minutes=20))
    cancelled = appointment("12:00", status="cancelled", sequence=1)
    get("booking", "AppointmentEvent").objects.create(
        appointment=cancelled, action="cancelled", actor="desk", details={"reason": "Ill"}
    )

    def reminder(made: Any, kind: str, status: str, due_at: Any, **fields: Any) -> Any:
        return get("booking", "Reminder").objects.create(
            appointment=made, kind=kind, channel="email", status=status, due_at=due_at, **fields
        )

    day_before = at(TUESDAY, "18:00") - timedelta(days=1)
    sent_at = NOW - timedelta(days=2)
    reminders = {
        "sent": reminder(confirmed, "confirmation", "sent", sent_at, attempts=1, sent_at=sent_at),
        "pending": reminder(confirmed, "day_before", "pending", day_before),
        # A worker died while sending it: its lease has run out.
        "stuck": reminder(
            held,
            "confirmation",
            "sending",
            NOW - timedelta(minutes=10),
            lease_until=NOW - timedelta(minutes=5),
            lease_token=uuid.uuid4(),
            attempts=1,
        ),
        "failed": reminder(
            cancelled,
            "cancellation",
            "failed",
            NOW - timedelta(hours=3),
            attempts=3,
            last_error="Connection refused",
        ),
        "dropped": reminder(cancelled, "day_before", "cancelled", day_before),
    }
    IdempotencyKey = get("booking", "IdempotencyKey")
    IdempotencyKey.objects.create(
        owner="website",
        key="done",
        request_hash="b" * 64,
        state="done",
        response_status=201,
        appointment=confirmed,
    )
    IdempotencyKey.objects.create(owner="website", key="running", request_hash="c" * 64)
    return {
        "confirmed": confirmed,
        "held": held,
        "cancelled": cancelled,
        "reminders": reminders,
    }


def assert_each_appointment_has_a_visit_of_its_own(apps: Apps) -> None:
    """A visit per appointment, with its id, its token and a copy of what it was booked with."""
    appointments = rows(apps, "appointment", ["id", "visit_id", *COPIED_TO_VISIT])
    visits = {
        visit.pop("id"): visit
        for visit in rows(apps, "visit", ["id", "course_id", *COPIED_TO_VISIT])
    }
    assert len(visits) == len(appointments) == 3
    for appointment in appointments:
        visit_id = appointment.pop("id")
        assert appointment.pop("visit_id") == visit_id
        visit = visits[visit_id]
        assert visit.pop("course_id") is None
        assert visit == appointment


def assert_allocations_and_keys_point_at_the_visits(apps: Apps) -> None:
    allocations = rows(apps, "allocation", ["appointment_id", "visit_id"])
    assert len(allocations) == 3
    assert all(row["visit_id"] == row["appointment_id"] for row in allocations)
    keys = {
        row["key"]: row
        for row in rows(apps, "idempotencykey", ["key", "appointment_id", "visit_id"])
    }
    assert keys["done"]["visit_id"] == keys["done"]["appointment_id"] is not None
    assert keys["running"]["visit_id"] is None


def test_appointments_keep_every_row_and_get_a_visit_each_back_and_forth(before_visits):
    history = write_history(before_visits)
    columns = columns_before(before_visits)
    written = snapshot(before_visits, columns)
    assert [len(written[model]) for model in KEPT] == [1, 3, 3, 4, 5, 2]
    assert written["reminder"][2]["lease_token"] == history["reminders"]["stuck"].lease_token

    forward = migrate(AFTER)
    assert snapshot(forward, columns) == written
    assert_each_appointment_has_a_visit_of_its_own(forward)
    assert_allocations_and_keys_point_at_the_visits(forward)

    back = migrate(BEFORE)
    assert snapshot(back, columns) == written
    assert "booking_visit" not in connection.introspection.table_names()

    again = migrate(AFTER)
    assert snapshot(again, columns) == written
    assert_each_appointment_has_a_visit_of_its_own(again)
    assert_allocations_and_keys_point_at_the_visits(again)


def test_a_migrated_appointments_manage_token_still_opens_it(before_visits):
    history = write_history(before_visits)
    migrate(AFTER)
    migrate_to_latest()
    confirmed = CurrentAppointment.objects.get(pk=history["confirmed"].pk)
    assert confirmed.manage_token == history["confirmed"].manage_token

    by_api = APIClient().get(
        f"/api/v1/appointments/{confirmed.pk}/",
        headers={"X-Manage-Token": history["confirmed"].manage_token},
    )
    browser = Client()
    exchanged = browser.get(manage_link(confirmed))
    page = browser.get(exchanged["Location"])

    assert by_api.status_code == 200
    assert by_api.json()["id"] == str(confirmed.pk)
    assert exchanged.status_code == 303
    assert page.status_code == 200
    assert "Classical: foot" in page.content.decode()


def test_a_migrated_reminder_stuck_in_sending_is_sent_once_its_lease_ran_out(before_visits):
    history = write_history(before_visits)
    migrate(AFTER)
    migrate_to_latest()

    assert dispatch_due_messages() == 1

    stuck = CurrentReminder.objects.get(pk=history["reminders"]["stuck"].pk)
    assert (stuck.status, stuck.attempts) == (CurrentReminder.Status.SENT, 2)
    (message,) = mail.outbox
    assert message.to == ["Mira Example <mira@example.com>"]
    pending = CurrentReminder.objects.get(pk=history["reminders"]["pending"].pk)
    assert pending.status == CurrentReminder.Status.PENDING
