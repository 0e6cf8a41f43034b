"""Moving booking's reminders into the outbox (notifications 0002, booking 0029).

Visits are booked as today, then the database goes back to before the
move, where their reminders are booking's rows again; there they are
given the states a live studio has (pending and due, pending and later,
sent, failed, stuck in sending under a lease that ran out). Forward
again, every row is in the outbox with its id and state, and the
dispatcher sends each due pending one once and nothing sent or failed
again. On PostgreSQL and on SQLite alike.
"""

from collections.abc import Iterator
from datetime import timedelta

import pytest
import time_machine
from django.apps.registry import Apps
from django.core import mail
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from booking.services import Actor, book_appointment
from notifications.models import Message
from notifications.services import dispatch_due_messages
from tests.booking.conftest import NOW, TUESDAY, at

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("migrated_data_around_module"),
]

BEFORE_BOOKING = ("booking", "0028_payment_holds")
BEFORE: list[tuple[str, str | None]] = [BEFORE_BOOKING, ("notifications", None)]
FIELDS = [
    "id",
    "appointment_id",
    "kind",
    "channel",
    "status",
    "due_at",
    "lease_until",
    "lease_token",
    "attempts",
    "last_error",
    "sent_at",
    "created_at",
]


def migrate_before_the_move() -> Apps:
    """Migrate the test database to before the move; booking's models as they are there."""
    MigrationExecutor(connection).migrate(BEFORE)
    return MigrationExecutor(connection).loader.project_state([BEFORE_BOOKING]).apps


def migrate_to_latest() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.fixture
def frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def booked(frozen, classical, anna, two_rooms, guest_details) -> list:
    """Five visits booked as today (their confirmations sent at once, as the tests run)."""
    return [
        book_appointment(
            offering=classical,
            start_at=at(TUESDAY, clock),
            client=guest_details,
            source="api",
            actor=Actor.guest(),
            now=NOW,
        )
        for clock in ["10:00", "11:00", "12:00", "14:00", "15:00"]
    ]


@pytest.fixture
def before_the_move(booked) -> Iterator[Apps]:
    try:
        yield migrate_before_the_move()
    finally:
        migrate_to_latest()


def give_states(apps: Apps, booked: list) -> dict[str, int]:
    """Each visit's confirmation in a state of its own; the ids by state."""
    get = apps.get_model  # a model of the migrations' state, not of today's code
    Reminder = get("booking", "Reminder")
    confirmations = {
        appointment.pk: Reminder.objects.get(appointment_id=appointment.pk, kind="confirmation")
        for appointment in booked
    }
    due, sent, failed, stuck, later = (confirmations[appointment.pk] for appointment in booked)
    Reminder.objects.filter(pk__in=[due.pk, later.pk]).update(
        status="pending", attempts=0, sent_at=None
    )
    Reminder.objects.filter(pk=sent.pk).update(status="sent", attempts=1, sent_at=NOW)
    Reminder.objects.filter(pk=failed.pk).update(
        status="failed", attempts=5, last_error="550 mailbox unavailable", sent_at=None
    )
    Reminder.objects.filter(pk=stuck.pk).update(
        status="sending", attempts=1, lease_until=NOW - timedelta(minutes=1), sent_at=None
    )
    Reminder.objects.filter(pk=later.pk).update(due_at=NOW + timedelta(days=3))
    # The other reminders (day-before, hours-before) are due later still.
    return {
        "due": due.pk,
        "sent": sent.pk,
        "failed": failed.pk,
        "stuck": stuck.pk,
        "later": later.pk,
    }


def test_the_move_keeps_every_reminder_with_its_id_and_state(before_the_move, booked):
    ids = give_states(before_the_move, booked)
    get = before_the_move.get_model
    before = list(get("booking", "Reminder").objects.order_by("pk").values(*FIELDS))

    migrate_to_latest()

    assert list(Message.objects.order_by("pk").values(*FIELDS)) == before
    assert len(before) >= len(ids)
    moved = Message.objects.select_related("visit").get(pk=ids["due"])
    assert (moved.visit_id, moved.recipient, moved.language) == (
        booked[0].visit_id,
        booked[0].visit.contact_email,
        booked[0].visit.language,
    )


def test_after_the_move_each_pending_reminder_is_sent_once_and_no_sent_one_again(
    before_the_move, booked
):
    ids = give_states(before_the_move, booked)
    migrate_to_latest()
    mail.outbox.clear()

    assert dispatch_due_messages() == 2  # the one due, and the one whose lease ran out
    assert dispatch_due_messages() == 0

    statuses = dict(Message.objects.filter(pk__in=ids.values()).values_list("pk", "status"))
    assert statuses == {
        ids["due"]: "sent",
        ids["stuck"]: "sent",
        ids["sent"]: "sent",
        ids["failed"]: "failed",
        ids["later"]: "pending",
    }
    attempts = dict(Message.objects.filter(pk__in=ids.values()).values_list("pk", "attempts"))
    assert attempts == {
        ids["due"]: 1,
        ids["stuck"]: 2,
        ids["sent"]: 1,
        ids["failed"]: 5,
        ids["later"]: 0,
    }
    assert len(mail.outbox) == 2


def test_a_message_written_after_the_move_takes_an_id_past_the_moved_ones(
    before_the_move, booked, guest_details
):
    give_states(before_the_move, booked)
    get = before_the_move.get_model
    largest = get("booking", "Reminder").objects.order_by("-pk").first().pk
    migrate_to_latest()

    with time_machine.travel(NOW, tick=False):
        fresh = book_appointment(
            offering=booked[0].offering,
            start_at=at(TUESDAY, "16:30"),
            client=guest_details,
            source="api",
            actor=Actor.guest(),
            now=NOW,
        )

    assert min(fresh.messages.values_list("pk", flat=True)) > largest
