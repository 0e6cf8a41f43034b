"""What payments does when booking says something happened: enqueue its own work."""

from __future__ import annotations

from typing import Any
from uuid import UUID


def settle_cancelled_visit(*, visit_id: UUID, **_: Any) -> None:
    """A visit was cancelled (and committed): settle its money in a task, off the request."""
    from payments import tasks  # noqa: PLC0415 (loaded once the apps are ready)

    tasks.settle_cancellation.delay(visit_id=str(visit_id))


def give_back_sessions(*, visit_id: UUID, **_: Any) -> None:
    """A visit was cancelled (and committed): give back its package sessions in a task."""
    from payments import tasks  # noqa: PLC0415 (loaded once the apps are ready)

    tasks.give_back_sessions.delay(visit_id=str(visit_id))
