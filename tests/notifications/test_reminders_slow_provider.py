"""Two dispatchers and a mail provider slower than the lease: each message still goes once.

A batch of 50 messages at 0.1 s each takes 5 s; the lease is 2 s. So the
rows at the end of a batch run out of lease long before their worker
reaches them, and the other worker claims them: it must be the only one
that sends them.
"""

import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from email.utils import parseaddr

import pytest
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection
from django.utils import timezone

from booking.models import Appointment, Client
from catalog.models import Offering
from notifications.models import Message
from notifications.services import dispatch_due_messages
from tests.booking.conftest import TUESDAY, at
from tests.factories import TherapistFactory, visit_for

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("migrated_data_around_module"),
]

REMINDERS = 50
SECONDS_PER_MESSAGE = 0.1
LEASE_SECONDS = 2
WORKERS = 2


class SlowEmailBackend(BaseEmailBackend):
    """A provider that takes its time, and remembers who sent what to whom."""

    sends: list[tuple[str, str]] = []  # (worker, address)
    lock = threading.Lock()

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        for message in email_messages:
            time.sleep(SECONDS_PER_MESSAGE)
            with self.lock:
                self.sends.append((threading.current_thread().name, parseaddr(message.to[0])[1]))
        return len(email_messages)


@pytest.fixture
def slow_provider(settings):
    settings.EMAIL_BACKEND = f"{__name__}.SlowEmailBackend"
    settings.STUDIO_REMINDER_LEASE_SECONDS = LEASE_SECONDS
    SlowEmailBackend.sends.clear()
    yield SlowEmailBackend.sends
    SlowEmailBackend.sends.clear()


@pytest.fixture
def due_confirmations() -> list[str]:
    """One due confirmation for each of 50 clients, each at an address of their own."""
    therapist = TherapistFactory.create()
    offering = Offering.objects.get(slug="classical-foot-30")
    addresses = []
    for number in range(REMINDERS):
        address = f"guest{number}@example.com"
        client = Client.objects.create(name=f"Guest {number}", email=address, phone="+49 30 1")
        start_at = at(TUESDAY, "00:00") + timedelta(hours=number)
        appointment = Appointment.objects.create(
            visit=visit_for(client, start_at, start_at + timedelta(minutes=30)),
            client=client,
            contact_name=client.name,
            contact_email=address,
            contact_phone=client.phone,
            offering=offering,
            therapist=therapist,
            start_at=start_at,
            end_at=start_at + timedelta(minutes=30),
            blocked_until=start_at + timedelta(minutes=40),
            source="api",
            price=offering.price,
            currency=offering.currency,
        )
        Message.objects.create(
            appointment=appointment,
            kind=Message.Kind.CONFIRMATION,
            channel=Message.Channel.EMAIL,
            due_at=timezone.now() - timedelta(minutes=1),
        )
        addresses.append(address)
    return addresses


def test_two_workers_with_a_provider_slower_than_the_lease_send_each_reminder_once(
    slow_provider, due_confirmations
):
    start_line = threading.Barrier(WORKERS)
    unsent = Message.objects.filter(status__in=[Message.Status.PENDING, Message.Status.SENDING])

    def work() -> None:
        try:
            connection.ensure_connection()
            start_line.wait(timeout=30)
            deadline = time.monotonic() + 50
            while unsent.exists() and time.monotonic() < deadline:
                dispatch_due_messages()
                time.sleep(0.05)
        finally:
            connection.close()

    with ThreadPoolExecutor(WORKERS, thread_name_prefix="worker") as pool:
        for finished in [pool.submit(work) for _ in range(WORKERS)]:
            finished.result()

    addresses = [address for _, address in slow_provider]
    assert sorted(addresses) == sorted(due_confirmations)  # each exactly once, none left out
    assert len({worker for worker, _ in slow_provider}) == WORKERS  # the lease ran out: both sent
    assert set(Message.objects.values_list("status", flat=True)) == {Message.Status.SENT}
