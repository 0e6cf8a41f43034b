"""The outbox: every message out, and how it is worked off.

Writing: the services that change what a message describes write its
row in their own transaction (booking through `booking.outbox`, which
`BookingOutbox` implements; payments through `write_message`), so a
message commits with its change or not at all. What a message says is
rendered when it is sent, by the sender registered for its kind
(`notifications.senders`).

Dispatch: a message is claimed before it is sent, by a conditional
update from pending to sending (under `SELECT … FOR UPDATE SKIP LOCKED`
when claiming a batch on PostgreSQL), so two workers never take the same
row. The claim carries a lease and a token of its own: a worker killed
mid-send leaves its row in "sending", and once the lease runs out the
row is claimed again, under a new token. Right before each message the
worker renews that one row's lease, only while the row still carries its
token, and it marks the row only under the same condition; so when a
slow provider makes a batch outlast its lease, the rows another worker
claimed meanwhile are sent by that worker alone. A send that fails is
tried again with exponential back-off until STUDIO_REMINDER_MAX_ATTEMPTS,
then marked failed for staff to see. A crash after the message left but
before the row was marked sent means the message goes out again: at
least once wins over at most once. The lease must outlast one send, so
the settings refuse a lease no longer than EMAIL_TIMEOUT or
SMS_GATEWAY_TIMEOUT.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from celery import current_app
from django.conf import settings
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.db.models import F, Model, Q, QuerySet
from django.db.models.functions import Upper
from django.utils import timezone

from booking import message_notes, outline
from booking.models import Appointment, Client, Visit
from notifications import senders, waitlist
from notifications.models import Message

logger = logging.getLogger(__name__)

Kind = Message.Kind
Channel = Message.Channel
Status = Message.Status

# Messages about an appointment's time, cancelled rather than sent once
# the appointment is no longer active.
_REMINDERS = {Kind.CONFIRMATION, Kind.DAY_BEFORE, Kind.HOURS_BEFORE, Kind.RESCHEDULED}
# The task that sends one message, by name (notifications.tasks.send_message).
SEND_MESSAGE_TASK = "notifications.tasks.send_message"


def write_message(
    *,
    kind: str,
    channel: str = Channel.EMAIL,
    recipient: str,
    language: str,
    payload: dict[str, Any],
    visit: Visit | None = None,
    client: Client | None = None,
    now: datetime | None = None,
) -> Message:
    """Write one message due now, in the caller's transaction; sent once it commits.

    For the services of other apps (payments' notices and receipts):
    the message commits with the change it describes, or not at all.
    `payload` holds what the kind's sender needs to write it again at
    send time: ids and amounts, never a secret.
    """
    now = now or timezone.now()
    message = Message.objects.create(
        kind=kind,
        channel=channel,
        visit=visit,
        client=client,
        recipient=recipient,
        language=language,
        payload=payload,
        due_at=now,
    )
    queue_due([message], now=now)
    return message


class BookingOutbox:
    """The outbox as booking reaches it (`booking.outbox.Outbox`)."""

    def message(
        self, *, appointment: Appointment, kind: str, channel: str, due_at: datetime
    ) -> Model:
        visit = appointment.visit
        return Message(
            appointment=appointment,
            visit=visit,
            client_id=appointment.client_id,
            kind=kind,
            channel=channel,
            recipient=visit.contact_email if channel == Channel.EMAIL else visit.contact_phone,
            language=visit.language,
            due_at=due_at,
        )

    def channel(self, message: Model) -> str:
        return _message(message).channel

    def created(self, messages: Sequence[Model], *, now: datetime) -> None:
        queue_due([_message(message) for message in messages], now=now)

    def cancel_pending(
        self, *, appointment_ids: Sequence[uuid.UUID], kinds: Sequence[str] | None = None
    ) -> int:
        pending = Message.objects.filter(
            appointment_id__in=list(appointment_ids), status=Status.PENDING
        )
        if kinds is not None:
            pending = pending.filter(kind__in=list(kinds))
        return pending.update(status=Status.CANCELLED)

    def time_freed(
        self, *, appointment: Appointment, start_at: datetime, therapist_id: int, now: datetime
    ) -> None:
        message = waitlist.freed_time_message(
            appointment=appointment, start_at=start_at, therapist_id=therapist_id, now=now
        )
        message.save()
        queue_due([message], now=now)

    def forget(
        self, *, appointment_ids: Sequence[uuid.UUID], client_id: int, emails: Sequence[str]
    ) -> None:
        entries = waitlist.forget_entries(client_id=client_id, emails=emails)
        # The messages to an entry's details, of another record with the
        # same e-mail too, by UPPER(recipient) (notifications_msg_recipient).
        addresses = {
            address.upper()
            for entry in entries
            for address in (entry.contact_email, entry.contact_phone)
            if address
        }
        theirs = Message.objects.alias(recipient_upper=Upper("recipient")).filter(
            Q(appointment_id__in=list(appointment_ids))
            | Q(client_id=client_id)
            | Q(recipient_upper__in=sorted(addresses))
        )
        theirs.exclude(last_error="", recipient="").update(last_error="", recipient="")
        from notifications import webhooks  # noqa: PLC0415 (webhooks imports these services)

        webhooks.forget_client_events(
            client_id=client_id,
            visit_ids=Appointment.objects.filter(pk__in=list(appointment_ids)).values_list(
                "visit_id", flat=True
            ),
            entry_ids=[entry.pk for entry in entries],
        )

    def exported(
        self, *, appointment_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, list[dict[str, Any]]]:
        exported: dict[uuid.UUID, list[dict[str, Any]]] = {pk: [] for pk in appointment_ids}
        messages = Message.objects.filter(appointment_id__in=list(appointment_ids)).order_by(
            "due_at", "id"
        )
        for message in messages:
            assert message.appointment_id is not None  # by the filter  # noqa: S101
            exported[message.appointment_id].append(
                {
                    "kind": message.kind,
                    "channel": message.channel,
                    "status": message.status,
                    "due_at": message.due_at.isoformat(),
                    "sent_at": message.sent_at.isoformat() if message.sent_at else None,
                    "attempts": message.attempts,
                    "last_error": message.last_error,
                }
            )
        return exported

    def visit_event(self, *, visit: Visit, type: str, now: datetime) -> None:
        from notifications import webhooks  # noqa: PLC0415 (webhooks imports these services)

        webhooks.record_visit_event(visit=visit, type=type, now=now)


def _message(row: Model) -> Message:
    assert isinstance(row, Message)  # booking hands back the rows it was given  # noqa: S101
    return row


def queue_due(messages: Sequence[Message], *, now: datetime) -> None:
    """Messages just written: those due now go to a worker once the transaction commits."""
    due_now = [message.pk for message in messages if message.due_at <= now]
    if due_now:
        # Hand what is due to a worker once the change has committed;
        # beat's minute-by-minute dispatch is the safety net.
        transaction.on_commit(partial(_send_soon, due_now))


def _send_soon(message_ids: list[int]) -> None:
    # By the task's name: the tasks import the services, never the
    # other way round.
    send_message = current_app.tasks[SEND_MESSAGE_TASK]
    for message_id in message_ids:
        try:
            send_message.delay(message_id=message_id)
        except Exception:  # the broker is down: beat will send it within a minute
            logger.warning("Could not enqueue message %s; beat will send it", message_id)


def send_message_now(*, message_id: int, now: datetime | None = None) -> str:
    """Claim one due message and send it; do nothing if another worker has it.

    Returns the message's status afterwards.
    """
    now = now or timezone.now()
    token = uuid.uuid4()
    claimed = Message.objects.filter(pk=message_id, status=Status.PENDING, due_at__lte=now).update(
        status=Status.SENDING, lease_token=token, lease_until=_lease_end(now)
    )
    if not claimed:
        return _status(message_id)
    return deliver_message(message_id=message_id, token=token, now=now)


@transaction.atomic(durable=True)
def claim_due_messages(
    *, token: uuid.UUID, now: datetime | None = None, limit: int = 100
) -> list[int]:
    """Claim up to `limit` due messages for the worker holding `token`, oldest first.

    Due means pending and due, or sending with a lease that ran out (its
    worker died, or has not reached it yet in a slow batch). SKIP LOCKED
    lets several workers claim side by side, each taking rows the others
    have not locked. The claim writes the worker's token on each row: from
    then on, the worker that claimed a row earlier can neither send it nor
    mark it (`deliver_message` checks the token).
    """
    now = now or timezone.now()
    oldest_first = (
        Message.objects.select_for_update(skip_locked=True)
        .order_by("due_at", "id")
        .only("id", "due_at")
    )
    # Two reads, each by its own partial index (notifications_msg_pending_due,
    # notifications_msg_lease_out), which hold only the rows still to send.
    # One read of the two conditions OR'ed lets PostgreSQL walk the index
    # on (due_at, id), which orders every message ever sent, filtering
    # row by row: when nothing is due, a read of the whole history.
    pending = list(oldest_first.filter(status=Status.PENDING, due_at__lte=now)[:limit])
    leased = list(oldest_first.filter(status=Status.SENDING, lease_until__lt=now)[:limit])
    # Rows locked here but past the limit are let go at the commit, just below.
    due = sorted(pending + leased, key=lambda message: (message.due_at, message.pk))
    ids = [message.pk for message in due[:limit]]
    Message.objects.filter(pk__in=ids).update(
        status=Status.SENDING, lease_token=token, lease_until=_lease_end(now)
    )
    return ids


def _lease_end(now: datetime) -> datetime:
    return now + timedelta(seconds=settings.STUDIO_REMINDER_LEASE_SECONDS)


def _status(message_id: int) -> str:
    status: str = Message.objects.filter(pk=message_id).values_list("status", flat=True).get()
    return status


def _with_subjects() -> QuerySet[Message]:
    """Messages with what they describe, loaded for a batch at once.

    A message's appointment, client and visit in one query; the
    visits' appointments and, for courses, every session in at most
    three more (`outline.prefetch`), however large the batch and its
    visits are.
    """
    return Message.objects.select_related(
        "appointment__client",
        "appointment__offering",
        "appointment__therapist",
        "appointment__visit__course",
    ).prefetch_related(*outline.prefetch("appointment__visit"))


def deliver_message(*, message_id: int, token: uuid.UUID, now: datetime | None = None) -> str:
    """Send a message claimed with `token` and record the outcome; returns the new status.

    The message goes out only while the row is still this claim's: right
    before the send the lease is renewed for this one message, on the
    condition that the row still carries `token`; if another worker has
    claimed it since, nothing is sent. A reminder about an appointment
    that is no longer active is not sent but cancelled (a notice of its
    cancellation, or of money, is sent all the same). A failure is retried later with back-off,
    and marked failed after the last try.
    """
    return _deliver(_with_subjects().get(pk=message_id), token=token, now=now or timezone.now())


def _deliver(
    message: Message,
    *,
    token: uuid.UUID,
    now: datetime,
    connection: BaseEmailBackend | None = None,
) -> str:
    still_ours = Message.objects.filter(pk=message.pk, status=Status.SENDING, lease_token=token)
    # The lease taken with a batch may have run out while earlier messages
    # of it went to a slow provider. Renew it for this message alone; this
    # fails once another worker has claimed the row (every claim writes
    # its own token), and then the row is theirs to send. A row whose
    # lease ran out but that nobody claimed is still safely ours: a claim
    # that comes later finds the lease renewed, or waits for this update
    # and then finds the same. A try counts here, when a message is about
    # to leave, not at the claim, so a row that outlasted the leases of
    # slow batches still gets its full number of tries.
    if not still_ours.update(lease_until=_lease_end(now), attempts=F("attempts") + 1):
        return _status(message.pk)
    # Only this worker has changed the row since it was loaded after the claim.
    message.attempts += 1
    if (
        message.kind in _REMINDERS
        and message.appointment is not None
        and not message.appointment.is_active
    ):
        still_ours.update(status=Status.CANCELLED, lease_until=None, lease_token=None)
        return Status.CANCELLED
    try:
        senders.send(message, connection=connection)
    except senders.Deferred as waiting:
        # Not a try: the message waits (a paused webhook, an earlier
        # delivery of its visit still to send) and keeps its tries.
        marked = still_ours.update(
            status=Status.PENDING,
            due_at=waiting.until,
            attempts=F("attempts") - 1,
            lease_until=None,
            lease_token=None,
        )
        return Status.PENDING if marked else _taken_over(message)
    except Exception as error:  # any failure of a send is retried, then shown to staff
        logger.warning("Message %s failed (attempt %s): %s", message.pk, message.attempts, error)
        if message.attempts >= settings.STUDIO_REMINDER_MAX_ATTEMPTS:
            marked = still_ours.update(
                status=Status.FAILED, lease_until=None, lease_token=None, last_error=str(error)
            )
            return Status.FAILED if marked else _taken_over(message)
        marked = still_ours.update(
            status=Status.PENDING,
            due_at=now + _backoff(message.attempts),
            lease_until=None,
            lease_token=None,
            last_error=str(error),
        )
        return Status.PENDING if marked else _taken_over(message)
    marked = still_ours.update(
        status=Status.SENT,
        sent_at=now,
        lease_until=None,
        lease_token=None,
        last_error="",
    )
    return Status.SENT if marked else _taken_over(message)


def _taken_over(message: Message) -> str:
    """The send outlasted the lease and another worker claimed the row meanwhile."""
    logger.warning(
        "Message %s was claimed by another worker while it was being sent: "
        "STUDIO_REMINDER_LEASE_SECONDS (%s) is shorter than one send",
        message.pk,
        settings.STUDIO_REMINDER_LEASE_SECONDS,
    )
    return _status(message.pk)


def _backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8 … minutes after each failed try, at most an hour."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 60))


def dispatch_due_messages(*, limit: int = 100, max_batches: int = 50) -> int:
    """Claim and send due messages batch by batch; returns how many were claimed.

    Each batch is loaded in one query and its e-mails share one
    connection to the mail server. The lease is renewed for each message
    right before it leaves, and each row is marked sent on its own right
    after: a worker killed mid-batch sends at most that one message
    again, and a batch that outlasts its lease (a slow provider) leaves
    the rows it has not reached to whichever worker claims them next.
    """
    handled = 0
    for _ in range(max_batches):
        token = uuid.uuid4()
        ids = claim_due_messages(token=token, limit=limit)
        if not ids:
            break
        batch = list(_with_subjects().filter(pk__in=ids).order_by("due_at", "id"))
        # What other apps add to the messages (a package's sessions left), once per batch.
        message_notes.load(
            message.appointment.visit for message in batch if message.appointment is not None
        )
        connection = mail.get_connection()
        try:
            connection.open()
        except Exception:  # each send tries again, and fails on its own row
            logger.warning("Could not connect to the mail server; each send will try")
        try:
            for message in batch:
                _deliver(message, token=token, now=timezone.now(), connection=connection)
        finally:
            connection.close()
        handled += len(ids)
    return handled


@transaction.atomic(durable=True)
def retry_messages(*, message_ids: Iterable[int], now: datetime | None = None) -> int:
    """Staff send failed messages again: back to pending, due now, tries reset."""
    return Message.objects.filter(pk__in=list(message_ids), status=Status.FAILED).update(
        status=Status.PENDING, due_at=now or timezone.now(), attempts=0, last_error=""
    )
