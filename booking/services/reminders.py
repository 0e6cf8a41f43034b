"""Which messages a visit needs, and when: booking's planning of its reminders.

The appointment services call `plan_*` inside their own transaction, so
an appointment and its reminders commit together, and a cancellation or
a move updates the pending reminders in the same breath. The rows are
the outbox's (`notifications.models.Message`), reached through
`booking.outbox` so that booking imports nothing of `notifications/`;
sending them, with leases, retries and back-off, is
`notifications.services`.
"""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Model

from booking.models import Appointment
from booking.outbox import outbox

# The kinds and channels of booking's messages, as the outbox names them
# (`notifications.models.Message.Kind` and `.Channel`).
CONFIRMATION = "confirmation"
DAY_BEFORE = "day_before"
HOURS_BEFORE = "hours_before"
CANCELLATION = "cancellation"
RESCHEDULED = "rescheduled"
KINDS = [CONFIRMATION, DAY_BEFORE, HOURS_BEFORE, CANCELLATION, RESCHEDULED]
EMAIL = "email"
SMS = "sms"

# Reminders still about the appointment's time, replanned on a move.
TIMED_KINDS = [DAY_BEFORE, HOURS_BEFORE]
# Notices that are sent whatever the appointment's state is now.
NOTICES = [CANCELLATION]


def planned_after_booking(
    appointment: Appointment, *, now: datetime, confirmation: bool = True
) -> list[Model]:
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
        reminders.append(_reminder(appointment, CONFIRMATION, EMAIL, now))
    if not appointment.is_held:
        reminders += _timed_reminders(appointment, now=now)
    return _deliverable(appointment, reminders)


def plan_after_confirmation(
    appointment: Appointment, *, now: datetime, confirmation: bool = False
) -> None:
    """A held appointment is confirmed: the reminders before it, from now on.

    With `confirmation`, the confirmation e-mail too: a visit held for
    its payment got none when booked.
    """
    planned = [_reminder(appointment, CONFIRMATION, EMAIL, now)] if confirmation else []
    _create(appointment, planned + _timed_reminders(appointment, now=now), now=now)


def plan_after_reschedule(appointment: Appointment, *, now: datetime, notify: bool = True) -> None:
    """A notice of the move now (unless not to `notify`), and the reminders retimed.

    Staff moving a visit with the client in front of them, or on the
    phone, may leave the notice out; the reminders before the new start
    go out all the same.
    """
    outbox().cancel_pending(appointment_ids=[appointment.pk], kinds=TIMED_KINDS)
    reminders = [_reminder(appointment, RESCHEDULED, EMAIL, now)] if notify else []
    reminders += _timed_reminders(appointment, now=now)
    _create(appointment, reminders, now=now)


def plan_after_cancellation(appointment: Appointment, *, now: datetime) -> None:
    """Nothing more about the appointment, but the notice of its cancellation."""
    cancel_pending(appointment)
    _create(appointment, [_reminder(appointment, CANCELLATION, EMAIL, now)], now=now)


def cancel_pending(appointment: Appointment) -> None:
    outbox().cancel_pending(appointment_ids=[appointment.pk])


def cancel_pending_of(appointment_ids: list[uuid.UUID]) -> int:
    """`cancel_pending` for many appointments in one update; how many were cancelled."""
    return outbox().cancel_pending(appointment_ids=appointment_ids)


def _timed_reminders(appointment: Appointment, *, now: datetime) -> list[Model]:
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
            DAY_BEFORE,
            EMAIL,
            datetime.combine(day_before, time(hour, minute), tzinfo=zone).astimezone(
                ZoneInfo("UTC")
            ),
        ),
        (
            HOURS_BEFORE,
            SMS,
            appointment.start_at - timedelta(hours=settings.STUDIO_REMINDER_HOURS_BEFORE),
        ),
    ]
    earliest = now + timedelta(hours=settings.STUDIO_REMINDER_MIN_GAP_HOURS)
    return [
        _reminder(appointment, kind, channel, due_at)
        for kind, channel, due_at in planned
        if earliest <= due_at < appointment.start_at
    ]


def _reminder(appointment: Appointment, kind: str, channel: str, due_at: datetime) -> Model:
    return outbox().message(appointment=appointment, kind=kind, channel=channel, due_at=due_at)


def _create(appointment: Appointment, reminders: list[Model], *, now: datetime) -> None:
    deliverable = _deliverable(appointment, reminders)
    if deliverable:
        type(deliverable[0])._default_manager.bulk_create(deliverable)
    created(deliverable, now=now)


def _deliverable(appointment: Appointment, reminders: list[Model]) -> list[Model]:
    """Leave out e-mails to a client booked at the desk without an e-mail.

    Their text messages still go to their phone; a row with nowhere to go
    would only fail, again and again.
    """
    if appointment.contact_email:
        return reminders
    return [reminder for reminder in reminders if outbox().channel(reminder) != EMAIL]


def created(reminders: list[Model], *, now: datetime) -> None:
    """Reminders just written: those due now go to a worker once the transaction commits."""
    outbox().created(reminders, now=now)
