"""The outbox of messages about appointments, and how it is worked off.

Planning: the appointment services call `plan_*` inside their own
transaction, so an appointment and its reminders commit together, and a
cancellation or a move updates the pending reminders in the same breath.

Dispatch: a reminder is claimed before it is sent, by a conditional
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
from collections.abc import Iterable
from datetime import datetime, time, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from celery import current_app
from django.conf import settings
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from booking import message_notes, notifications, outline
from booking.models import Appointment, Reminder

logger = logging.getLogger(__name__)

Kind = Reminder.Kind
Channel = Reminder.Channel
Status = Reminder.Status

# Reminders still about the appointment's time, replanned on a move.
_TIMED_KINDS = [Kind.DAY_BEFORE, Kind.HOURS_BEFORE]
# Notices that are sent whatever the appointment's state is now.
_NOTICES = {Kind.CANCELLATION}
# The task that sends one reminder, by name (booking.tasks.send_reminder).
SEND_REMINDER_TASK = "booking.tasks.send_reminder"


def planned_after_booking(
    appointment: Appointment, *, now: datetime, confirmation: bool = True
) -> list[Reminder]:
    """The confirmation now, and the reminders before the appointment (not saved).

    `appointment` is the visit's lead (its first appointment): a visit's
    reminders hang on it. A held appointment gets only the confirmation,
    which asks to confirm it by its link; its reminders wait for
    `plan_after_confirmation`. `confirmation=False` leaves the
    confirmation out: a course confirms all its sessions once, on the
    first session's lead, and the others get only their reminders. The
    booking writes them with its other rows, then calls `created`.
    """
    reminders = []
    if confirmation:
        reminders.append(_reminder(appointment, Kind.CONFIRMATION, Channel.EMAIL, now))
    if not appointment.is_held:
        reminders += _timed_reminders(appointment, now=now)
    return _deliverable(reminders)


def plan_after_confirmation(
    appointment: Appointment, *, now: datetime, confirmation: bool = False
) -> None:
    """A held appointment is confirmed: the reminders before it, from now on.

    With `confirmation`, the confirmation e-mail too: a visit held for
    its payment got none when booked.
    """
    planned = (
        [_reminder(appointment, Kind.CONFIRMATION, Channel.EMAIL, now)] if confirmation else []
    )
    _create(planned + _timed_reminders(appointment, now=now), now=now)


def plan_after_reschedule(appointment: Appointment, *, now: datetime, notify: bool = True) -> None:
    """A notice of the move now (unless not to `notify`), and the reminders retimed.

    Staff moving a visit with the client in front of them, or on the
    phone, may leave the notice out; the reminders before the new start
    go out all the same.
    """
    Reminder.objects.filter(
        appointment=appointment, status=Status.PENDING, kind__in=_TIMED_KINDS
    ).update(status=Status.CANCELLED)
    reminders = [_reminder(appointment, Kind.RESCHEDULED, Channel.EMAIL, now)] if notify else []
    reminders += _timed_reminders(appointment, now=now)
    _create(reminders, now=now)


def plan_after_cancellation(appointment: Appointment, *, now: datetime) -> None:
    """Nothing more about the appointment, but the notice of its cancellation."""
    cancel_pending(appointment)
    _create([_reminder(appointment, Kind.CANCELLATION, Channel.EMAIL, now)], now=now)


def cancel_pending(appointment: Appointment) -> None:
    Reminder.objects.filter(appointment=appointment, status=Status.PENDING).update(
        status=Status.CANCELLED
    )


def cancel_pending_of(appointment_ids: list[uuid.UUID]) -> None:
    """`cancel_pending` for many appointments in one update."""
    Reminder.objects.filter(appointment_id__in=appointment_ids, status=Status.PENDING).update(
        status=Status.CANCELLED
    )


def _timed_reminders(appointment: Appointment, *, now: datetime) -> list[Reminder]:
    """The day-before e-mail and the hours-before SMS, where they are still worth it.

    The day-before reminder goes out at a fixed local time on the day
    before, computed on the calendar in the studio's zone, so it keeps
    its wall-clock time across a clock change. A reminder due sooner
    than the minimum gap after now is left out: the client has just
    booked, and the confirmation is on its way.
    """
    zone = ZoneInfo(settings.STUDIO_TIME_ZONE)
    hour, minute = (int(part) for part in settings.STUDIO_REMINDER_DAY_BEFORE_TIME.split(":"))
    day_before = appointment.start_at.astimezone(zone).date() - timedelta(days=1)
    planned = [
        (
            Kind.DAY_BEFORE,
            Channel.EMAIL,
            datetime.combine(day_before, time(hour, minute), tzinfo=zone).astimezone(
                ZoneInfo("UTC")
            ),
        ),
        (
            Kind.HOURS_BEFORE,
            Channel.SMS,
            appointment.start_at - timedelta(hours=settings.STUDIO_REMINDER_HOURS_BEFORE),
        ),
    ]
    earliest = now + timedelta(hours=settings.STUDIO_REMINDER_MIN_GAP_HOURS)
    return [
        _reminder(appointment, kind, channel, due_at)
        for kind, channel, due_at in planned
        if earliest <= due_at < appointment.start_at
    ]


def _reminder(appointment: Appointment, kind: str, channel: str, due_at: datetime) -> Reminder:
    return Reminder(appointment=appointment, kind=kind, channel=channel, due_at=due_at)


def _create(reminders: list[Reminder], *, now: datetime) -> None:
    created(Reminder.objects.bulk_create(_deliverable(reminders)), now=now)


def _deliverable(reminders: list[Reminder]) -> list[Reminder]:
    """Leave out e-mails to a client booked at the desk without an e-mail.

    Their text messages still go to their phone; a row with nowhere to go
    would only fail, again and again.
    """
    return [
        reminder
        for reminder in reminders
        if reminder.channel != Channel.EMAIL or reminder.appointment.contact_email
    ]


def created(reminders: list[Reminder], *, now: datetime) -> None:
    """Reminders just written: those due now go to a worker once the transaction commits."""
    due_now = [reminder.pk for reminder in reminders if reminder.due_at <= now]
    if due_now:
        # Hand what is due to a worker once the booking has committed;
        # beat's minute-by-minute dispatch is the safety net.
        transaction.on_commit(partial(_send_soon, due_now))


def _send_soon(reminder_ids: list[int]) -> None:
    # By the task's name: the tasks import the services, never the
    # other way round.
    send_reminder = current_app.tasks[SEND_REMINDER_TASK]
    for reminder_id in reminder_ids:
        try:
            send_reminder.delay(reminder_id=reminder_id)
        except Exception:  # the broker is down: beat will send it within a minute
            logger.warning("Could not enqueue reminder %s; beat will send it", reminder_id)


def send_reminder_now(*, reminder_id: int, now: datetime | None = None) -> str:
    """Claim one due reminder and send it; do nothing if another worker has it.

    Returns the reminder's status afterwards.
    """
    now = now or timezone.now()
    token = uuid.uuid4()
    claimed = Reminder.objects.filter(
        pk=reminder_id, status=Status.PENDING, due_at__lte=now
    ).update(status=Status.SENDING, lease_token=token, lease_until=_lease_end(now))
    if not claimed:
        return _status(reminder_id)
    return deliver_reminder(reminder_id=reminder_id, token=token, now=now)


@transaction.atomic(durable=True)
def claim_due_reminders(
    *, token: uuid.UUID, now: datetime | None = None, limit: int = 100
) -> list[int]:
    """Claim up to `limit` due reminders for the worker holding `token`, oldest first.

    Due means pending and due, or sending with a lease that ran out (its
    worker died, or has not reached it yet in a slow batch). SKIP LOCKED
    lets several workers claim side by side, each taking rows the others
    have not locked. The claim writes the worker's token on each row: from
    then on, the worker that claimed a row earlier can neither send it nor
    mark it (`deliver_reminder` checks the token).
    """
    now = now or timezone.now()
    oldest_first = (
        Reminder.objects.select_for_update(skip_locked=True)
        .order_by("due_at", "id")
        .only("id", "due_at")
    )
    # Two reads, each by its own partial index (booking_reminder_pending_due,
    # booking_reminder_lease_out), which hold only the rows still to send.
    # One read of the two conditions OR'ed lets PostgreSQL walk the index
    # on (due_at, id), which orders every reminder ever sent, filtering
    # row by row: when nothing is due, a read of the whole history.
    pending = list(oldest_first.filter(status=Status.PENDING, due_at__lte=now)[:limit])
    leased = list(oldest_first.filter(status=Status.SENDING, lease_until__lt=now)[:limit])
    # Rows locked here but past the limit are let go at the commit, just below.
    due = sorted(pending + leased, key=lambda reminder: (reminder.due_at, reminder.pk))
    ids = [reminder.pk for reminder in due[:limit]]
    Reminder.objects.filter(pk__in=ids).update(
        status=Status.SENDING, lease_token=token, lease_until=_lease_end(now)
    )
    return ids


def _lease_end(now: datetime) -> datetime:
    return now + timedelta(seconds=settings.STUDIO_REMINDER_LEASE_SECONDS)


def _status(reminder_id: int) -> str:
    status: str = Reminder.objects.filter(pk=reminder_id).values_list("status", flat=True).get()
    return status


def _with_appointments() -> QuerySet[Reminder]:
    """Reminders with all their messages describe, loaded for a batch at once.

    The reminder's appointment, client and visit in one query; the
    visits' appointments and, for courses, every session in at most
    three more (`outline.prefetch`), however large the batch and its
    visits are.
    """
    return Reminder.objects.select_related(
        "appointment__client",
        "appointment__offering",
        "appointment__therapist",
        "appointment__visit__course",
    ).prefetch_related(*outline.prefetch("appointment__visit"))


def deliver_reminder(*, reminder_id: int, token: uuid.UUID, now: datetime | None = None) -> str:
    """Send a reminder claimed with `token` and record the outcome; returns the new status.

    The message goes out only while the row is still this claim's: right
    before the send the lease is renewed for this one message, on the
    condition that the row still carries `token`; if another worker has
    claimed it since, nothing is sent. A reminder about an appointment
    that is no longer active is not sent but cancelled, except the
    cancellation notice itself. A failure is retried later with back-off,
    and marked failed after the last try.
    """
    return _deliver(
        _with_appointments().get(pk=reminder_id), token=token, now=now or timezone.now()
    )


def _deliver(
    reminder: Reminder,
    *,
    token: uuid.UUID,
    now: datetime,
    connection: BaseEmailBackend | None = None,
) -> str:
    still_ours = Reminder.objects.filter(pk=reminder.pk, status=Status.SENDING, lease_token=token)
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
        return _status(reminder.pk)
    # Only this worker has changed the row since it was loaded after the claim.
    reminder.attempts += 1
    if reminder.kind not in _NOTICES and not reminder.appointment.is_active:
        still_ours.update(status=Status.CANCELLED, lease_until=None, lease_token=None)
        return Status.CANCELLED
    try:
        notifications.send(reminder, connection=connection)
    except Exception as error:  # any failure of a send is retried, then shown to staff
        logger.warning("Reminder %s failed (attempt %s): %s", reminder.pk, reminder.attempts, error)
        if reminder.attempts >= settings.STUDIO_REMINDER_MAX_ATTEMPTS:
            marked = still_ours.update(
                status=Status.FAILED, lease_until=None, lease_token=None, last_error=str(error)
            )
            return Status.FAILED if marked else _taken_over(reminder)
        marked = still_ours.update(
            status=Status.PENDING,
            due_at=now + _backoff(reminder.attempts),
            lease_until=None,
            lease_token=None,
            last_error=str(error),
        )
        return Status.PENDING if marked else _taken_over(reminder)
    marked = still_ours.update(
        status=Status.SENT,
        sent_at=now,
        lease_until=None,
        lease_token=None,
        last_error="",
    )
    return Status.SENT if marked else _taken_over(reminder)


def _taken_over(reminder: Reminder) -> str:
    """The send outlasted the lease and another worker claimed the row meanwhile."""
    logger.warning(
        "Reminder %s was claimed by another worker while it was being sent: "
        "STUDIO_REMINDER_LEASE_SECONDS (%s) is shorter than one send",
        reminder.pk,
        settings.STUDIO_REMINDER_LEASE_SECONDS,
    )
    return _status(reminder.pk)


def _backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8 … minutes after each failed try, at most an hour."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 60))


def dispatch_due_reminders(*, limit: int = 100, max_batches: int = 50) -> int:
    """Claim and send due reminders batch by batch; returns how many were claimed.

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
        ids = claim_due_reminders(token=token, limit=limit)
        if not ids:
            break
        batch = list(_with_appointments().filter(pk__in=ids).order_by("due_at", "id"))
        # What other apps add to the messages (a package's sessions left), once per batch.
        message_notes.load_for_reminders(batch)
        connection = mail.get_connection()
        try:
            connection.open()
        except Exception:  # each send tries again, and fails on its own row
            logger.warning("Could not connect to the mail server; each send will try")
        try:
            for reminder in batch:
                _deliver(reminder, token=token, now=timezone.now(), connection=connection)
        finally:
            connection.close()
        handled += len(ids)
    return handled


@transaction.atomic(durable=True)
def retry_reminders(*, reminder_ids: Iterable[int], now: datetime | None = None) -> int:
    """Staff send failed reminders again: back to pending, due now, tries reset."""
    return Reminder.objects.filter(pk__in=list(reminder_ids), status=Status.FAILED).update(
        status=Status.PENDING, due_at=now or timezone.now(), attempts=0, last_error=""
    )
