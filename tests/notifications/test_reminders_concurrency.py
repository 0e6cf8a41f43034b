"""Workers claiming the outbox at the same moment, each over its own connection."""

import uuid
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import pytest
from django.db import connection

from booking.models import Appointment, Client
from catalog.models import Offering
from notifications.models import Message
from notifications.services import claim_due_messages
from tests.booking.conftest import NOW, TUESDAY, at
from tests.factories import TherapistFactory, visit_for

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("migrated_data_around_module"),
]

CLAIMERS = 6


@pytest.fixture
def due_reminders() -> list[int]:
    therapist = TherapistFactory.create()
    client = Client.objects.create(name="Mira", email="mira@example.com", phone="+49 30 1234567")
    offering = Offering.objects.get(slug="classical-foot-30")
    appointment = Appointment.objects.create(
        visit=visit_for(client, at(TUESDAY, "10:00"), at(TUESDAY, "10:30")),
        client=client,
        offering=offering,
        therapist=therapist,
        start_at=at(TUESDAY, "10:00"),
        end_at=at(TUESDAY, "10:30"),
        blocked_until=at(TUESDAY, "10:40"),
        source="api",
        price=offering.price,
        currency=offering.currency,
    )
    reminders = Message.objects.bulk_create(
        Message(appointment=appointment, kind="confirmation", channel="email", due_at=NOW)
        for _ in range(300)
    )
    return [reminder.pk for reminder in reminders]


def test_workers_claiming_at_once_never_take_the_same_reminder(due_reminders):
    start_line = Barrier(CLAIMERS)

    def claim() -> tuple[uuid.UUID, list[int]]:
        token = uuid.uuid4()
        try:
            connection.ensure_connection()
            start_line.wait(timeout=30)
            claimed: list[int] = []
            while batch := claim_due_messages(token=token, now=NOW, limit=20):
                claimed += batch
            return token, claimed
        finally:
            connection.close()

    with ThreadPoolExecutor(CLAIMERS) as pool:
        shares = list(pool.map(lambda _: claim(), range(CLAIMERS)))

    everything = [pk for _, share in shares for pk in share]
    assert sorted(everything) == sorted(due_reminders)  # each once, none left
    assert sum(1 for _, share in shares if share) > 1  # they really worked side by side
    owners = dict(Message.objects.values_list("pk", "lease_token"))
    assert all(owners[pk] == token for token, share in shares for pk in share)
