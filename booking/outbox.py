"""Where booking hands over the messages it plans: the outbox of `notifications/`.

Booking decides which messages a visit needs and when
(`booking.services.reminders`); the outbox that keeps, sends and retries
them belongs to `notifications/`, which depends on booking, never the
other way round. So booking imports nothing of it: when the apps are
ready, `notifications` installs its outbox here (`install`), and the
booking services reach it through `outbox()`. The rows it makes are
written by the booking's own statements, in the booking's transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from django.db.models import Model

from booking.models import Appointment, Visit


class Outbox(Protocol):
    def message(
        self, *, appointment: Appointment, kind: str, channel: str, due_at: datetime
    ) -> Model:
        """An unsaved outbox row of a message about `appointment`."""
        ...

    def channel(self, message: Model) -> str:
        """The channel of an unsaved row that `message` made."""
        ...

    def created(self, messages: Sequence[Model], *, now: datetime) -> None:
        """Rows just written: hand those due now to a worker once the transaction commits."""
        ...

    def cancel_pending(
        self, *, appointment_ids: Sequence[uuid.UUID], kinds: Sequence[str] | None = None
    ) -> int:
        """Cancel the pending messages of these appointments (of `kinds`, or all)."""
        ...

    def time_freed(
        self, *, appointment: Appointment, start_at: datetime, therapist_id: int, now: datetime
    ) -> None:
        """Note, in the caller's transaction, that `appointment`'s time at `start_at` was freed.

        A cancellation, a move or a released hold calls it; the waitlist
        looks for someone waiting for that time once it commits.
        """
        ...

    def forget(
        self, *, appointment_ids: Sequence[uuid.UUID], client_id: int, emails: Sequence[str]
    ) -> None:
        """Erase what the outbox keeps about a client, in the erasure's transaction.

        The addresses and errors kept on their messages are cleared; their
        waitlist entries (of the record, or made with one of `emails`, the
        e-mails they had before the erasure) and the stored webhook events
        about their visits and entries get the erasure's placeholders.
        """
        ...

    def exported(
        self, *, appointment_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, list[dict[str, Any]]]:
        """Each appointment's messages as a client's data export shows them, by due time."""
        ...

    def visit_event(self, *, visit: Visit, type: str, now: datetime) -> None:
        """Write the event `type` (visit.booked, …) about `visit` for the webhooks that want it."""
        ...


# The events `visit_event` takes, by the webhooks' names. A visit is
# "booked" once it is confirmed: at booking, or when its hold ends in a
# confirmation (a payment, the e-mailed link, a waitlist offer taken). A
# hold that never becomes a booking makes no event, so an integration
# never hears of a visit that was only held.
VISIT_BOOKED = "visit.booked"
VISIT_MOVED = "visit.moved"
VISIT_CANCELLED = "visit.cancelled"
VISIT_COMPLETED = "visit.completed"
VISIT_NO_SHOW = "visit.no_show"

_installed: list[Outbox] = []


def install(outbox: Outbox) -> None:
    """Called once by `notifications` when the apps are ready."""
    _installed[:] = [outbox]


def outbox() -> Outbox:
    if not _installed:
        raise RuntimeError("No outbox installed: add 'notifications' to INSTALLED_APPS.")
    return _installed[0]
