"""The outbox of messages about appointments, and how it is worked off.

Planning: the appointment services call `plan_*` inside their own
transaction, so an appointment and its reminders commit together, and a
cancellation or a move updates the pending reminders in the same breath.

Dispatch: a reminder is claimed before it is sent, by a conditional
update from pending to sending (under `SELECT … FOR UPDATE SKIP LOCKED`
when claiming a batch on PostgreSQL), so two workers never take the same
row. The claim carries a lease: a worker killed mid-send leaves its row
in "sending", and once the lease runs out the row is claimed again. A
send that fails is tried again with exponential back-off until
STUDIO_REMINDER_MAX_ATTEMPTS, then marked failed for staff to see.
A crash after the message left but before the row was marked sent means
the message goes out again: at least once wins over at most once.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, time, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from booking import notifications
from booking.models import Appointment, Reminder

logger = logging.getLogger(__name__)

Kind = Reminder.Kind
Channel = Reminder.Channel
Status = Reminder.Status

# Reminders still about the appointment's time, replanned on a move.
_TIMED_KINDS = [Kind.DAY_BEFORE, Kind.HOURS_BEFORE]
# Notices that are sent whatever the appointment's state is now.
_NOTICES = {Kind.CANCELLATION}


def plan_after_booking(appointment: Appointment, *, now: datetime) -> None:
    """The confirmation now, and the reminders before the appointment."""
    reminders = [_reminder(appointment, Kind.CONFIRMATION, Channel.EMAIL, now)]
    reminders += _timed_reminders(appointment, now=now)
    _create(reminders, now=now)


def plan_after_reschedule(appointment: Appointment, *, now: datetime) -> None:
    """A notice of the move now, and the reminders retimed to the new start."""
    Reminder.objects.filter(
        appointment=appointment, status=Status.PENDING, kind__in=_TIMED_KINDS
    ).update(status=Status.CANCELLED)
    reminders = [_reminder(appointment, Kind.RESCHEDULED, Channel.EMAIL, now)]
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
    created = Reminder.objects.bulk_create(reminders)
    due_now = [reminder.pk for reminder in created if reminder.due_at <= now]
    if due_now:
        # Hand what is due to a worker once the booking has committed;
        # beat's minute-by-minute dispatch is the safety net.
        transaction.on_commit(partial(_send_soon, due_now))


def _send_soon(reminder_ids: list[int]) -> None:
    from booking.tasks import send_reminder  # noqa: PLC0415 - the tasks import the services

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
    claimed = Reminder.objects.filter(
        pk=reminder_id, status=Status.PENDING, due_at__lte=now
    ).update(
        status=Status.SENDING,
        lease_until=now + timedelta(seconds=settings.STUDIO_REMINDER_LEASE_SECONDS),
        attempts=F("attempts") + 1,
    )
    if not claimed:
        status: str = Reminder.objects.filter(pk=reminder_id).values_list("status", flat=True).get()
        return status
    return deliver_reminder(reminder_id=reminder_id, now=now)


@transaction.atomic(durable=True)
def claim_due_reminders(*, now: datetime | None = None, limit: int = 100) -> list[int]:
    """Claim up to `limit` due reminders for this worker, oldest first.

    Due means pending and due, or sending with a lease that ran out (its
    worker died). SKIP LOCKED lets several workers claim side by side,
    each taking rows the others have not locked.
    """
    now = now or timezone.now()
    due = (
        Reminder.objects.select_for_update(skip_locked=True)
        .filter(
            Q(status=Status.PENDING, due_at__lte=now)
            | Q(status=Status.SENDING, lease_until__lt=now)
        )
        .order_by("due_at", "id")
        .only("id")[:limit]
    )
    ids = [reminder.pk for reminder in due]
    Reminder.objects.filter(pk__in=ids).update(
        status=Status.SENDING,
        lease_until=now + timedelta(seconds=settings.STUDIO_REMINDER_LEASE_SECONDS),
        attempts=F("attempts") + 1,
    )
    return ids


def _with_appointments() -> QuerySet[Reminder]:
    return Reminder.objects.select_related(
        "appointment__client", "appointment__offering", "appointment__therapist"
    )


def deliver_reminder(*, reminder_id: int, now: datetime | None = None) -> str:
    """Send a claimed reminder and record the outcome; returns the new status.

    A reminder about an appointment that is no longer active is not sent
    but cancelled, except the cancellation notice itself. A failure is
    retried later with back-off, and marked failed after the last try.
    """
    return _deliver(_with_appointments().get(pk=reminder_id), now=now or timezone.now())


def _deliver(
    reminder: Reminder, *, now: datetime, connection: BaseEmailBackend | None = None
) -> str:
    if reminder.status != Status.SENDING:
        return reminder.status
    still_ours = Reminder.objects.filter(pk=reminder.pk, status=Status.SENDING)
    if reminder.kind not in _NOTICES and not reminder.appointment.is_active:
        still_ours.update(status=Status.CANCELLED, lease_until=None)
        return Status.CANCELLED
    try:
        notifications.send(reminder, connection=connection)
    except Exception as error:  # any failure of a send is retried, then shown to staff
        logger.warning("Reminder %s failed (attempt %s): %s", reminder.pk, reminder.attempts, error)
        if reminder.attempts >= settings.STUDIO_REMINDER_MAX_ATTEMPTS:
            still_ours.update(status=Status.FAILED, lease_until=None, last_error=str(error))
            return Status.FAILED
        still_ours.update(
            status=Status.PENDING,
            due_at=now + _backoff(reminder.attempts),
            lease_until=None,
            last_error=str(error),
        )
        return Status.PENDING
    still_ours.update(status=Status.SENT, sent_at=now, lease_until=None, last_error="")
    return Status.SENT


def _backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8 … minutes after each failed try, at most an hour."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 60))


def dispatch_due_reminders(*, limit: int = 100, max_batches: int = 50) -> int:
    """Claim and send due reminders batch by batch; returns how many were handled.

    Each batch is loaded in one query and its e-mails share one
    connection to the mail server. Each row is still marked sent on its
    own, right after its message left: a worker killed mid-batch sends
    at most that one message again.
    """
    handled = 0
    for _ in range(max_batches):
        ids = claim_due_reminders(limit=limit)
        if not ids:
            break
        batch = _with_appointments().filter(pk__in=ids).order_by("due_at", "id")
        connection = mail.get_connection()
        try:
            connection.open()
        except Exception:  # each send tries again, and fails on its own row
            logger.warning("Could not connect to the mail server; each send will try")
        try:
            for reminder in batch:
                _deliver(reminder, now=timezone.now(), connection=connection)
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
