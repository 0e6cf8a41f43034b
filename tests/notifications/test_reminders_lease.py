"""Whose a claimed reminder is: the token of the last claim decides who sends and marks it."""

import uuid
from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.utils import timezone

from booking.services import Actor, book_appointment
from notifications.models import Message
from notifications.services import claim_due_messages, deliver_message, send_message_now
from tests.booking.conftest import NOW, TUESDAY, at

pytestmark = pytest.mark.django_db

Status = Message.Status
LEASE = 300
AFTER_THE_LEASE = NOW + timedelta(seconds=LEASE + 1)
OTHER_WORKER = uuid.UUID("00000000-0000-4000-8000-000000000002")


@pytest.fixture(autouse=True)
def lease(settings):
    settings.STUDIO_REMINDER_LEASE_SECONDS = LEASE


@pytest.fixture
def confirmation(classical, anna, two_rooms, guest_details, time_machine) -> Message:
    """A booking's confirmation, due now and not handed to a worker."""
    time_machine.move_to(NOW, tick=False)
    appointment = book_appointment(
        offering=classical,
        start_at=at(TUESDAY, "10:00"),
        client=guest_details,
        source="api",
        actor=Actor.guest(),
    )
    return appointment.messages.get(kind=Message.Kind.CONFIRMATION)


def test_a_worker_sends_nothing_once_another_has_claimed_its_row(confirmation):
    first = uuid.uuid4()
    claim_due_messages(token=first, now=NOW)
    claim_due_messages(token=OTHER_WORKER, now=AFTER_THE_LEASE)  # the first was too slow

    assert deliver_message(message_id=confirmation.pk, token=first, now=AFTER_THE_LEASE) == (
        Status.SENDING
    )
    assert mail.outbox == []
    confirmation.refresh_from_db()
    assert (confirmation.lease_token, confirmation.attempts) == (OTHER_WORKER, 0)


def test_the_worker_that_claimed_last_sends_it_and_that_is_one_try(confirmation):
    claim_due_messages(token=uuid.uuid4(), now=NOW)
    claim_due_messages(token=OTHER_WORKER, now=AFTER_THE_LEASE)

    assert deliver_message(message_id=confirmation.pk, token=OTHER_WORKER, now=AFTER_THE_LEASE) == (
        Status.SENT
    )

    assert len(mail.outbox) == 1
    confirmation.refresh_from_db()
    assert (confirmation.status, confirmation.attempts, confirmation.lease_token) == (
        Status.SENT,
        1,
        None,
    )


class LeaseWatcher(EmailBackend):
    """Notes, while a message is on its way, until when its row is leased."""

    leases: list = []

    def send_messages(self, email_messages):
        self.leases += Message.objects.filter(status=Status.SENDING).values_list(
            "lease_until", flat=True
        )
        return super().send_messages(email_messages)


def test_a_worker_renews_the_lease_right_before_the_send(confirmation, settings):
    settings.EMAIL_BACKEND = f"{__name__}.LeaseWatcher"
    LeaseWatcher.leases = []
    token = uuid.uuid4()
    claim_due_messages(token=token, now=NOW)
    reached_at = NOW + timedelta(seconds=200)  # earlier messages of the batch took their time

    deliver_message(message_id=confirmation.pk, token=token, now=reached_at)

    assert LeaseWatcher.leases == [reached_at + timedelta(seconds=LEASE)]


def test_a_worker_takes_back_its_row_when_nobody_claimed_it_after_its_lease(confirmation):
    token = uuid.uuid4()
    claim_due_messages(token=token, now=NOW)

    assert deliver_message(message_id=confirmation.pk, token=token, now=AFTER_THE_LEASE) == (
        Status.SENT
    )
    assert len(mail.outbox) == 1


class ClaimedWhileSending(EmailBackend):
    """A send that outlasts the lease: another worker claims the row meanwhile."""

    def send_messages(self, email_messages):
        claim_due_messages(token=OTHER_WORKER, now=timezone.now() + timedelta(seconds=LEASE + 1))
        return super().send_messages(email_messages)


def test_a_worker_never_marks_a_row_another_claimed_while_it_was_sending(
    confirmation, settings, caplog
):
    settings.EMAIL_BACKEND = f"{__name__}.ClaimedWhileSending"
    token = uuid.uuid4()
    claim_due_messages(token=token, now=NOW)

    assert deliver_message(message_id=confirmation.pk, token=token, now=NOW) == Status.SENDING

    confirmation.refresh_from_db()
    assert (confirmation.status, confirmation.lease_token) == (Status.SENDING, OTHER_WORKER)
    assert "STUDIO_REMINDER_LEASE_SECONDS (300) is shorter than one send" in caplog.text


def test_sending_one_reminder_now_sends_it_once(confirmation):
    assert send_message_now(message_id=confirmation.pk, now=NOW) == Status.SENT
    assert send_message_now(message_id=confirmation.pk, now=NOW) == Status.SENT

    assert len(mail.outbox) == 1
    confirmation.refresh_from_db()
    assert (confirmation.attempts, confirmation.lease_token) == (1, None)


def test_sending_one_reminder_now_leaves_a_row_another_worker_holds(confirmation):
    claim_due_messages(token=OTHER_WORKER, now=NOW)

    assert send_message_now(message_id=confirmation.pk, now=NOW) == Status.SENDING
    assert mail.outbox == []
