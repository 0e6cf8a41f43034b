"""Reads of the outbox."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Min

from notifications.models import Message, WebhookSubscription


@dataclass(frozen=True)
class OutboxHealth:
    """How the outbox is doing: a worker can look alive and send nothing."""

    oldest_due_at: datetime | None
    due: int
    failed: int

    def waiting(self, now: datetime) -> timedelta:
        """How long the oldest due message has waited (zero when none waits)."""
        return now - self.oldest_due_at if self.oldest_due_at else timedelta(0)

    def is_stuck(self, now: datetime) -> bool:
        return self.waiting(now) > timedelta(seconds=settings.STUDIO_REMINDER_STALE_SECONDS)


def outbox_health(*, now: datetime) -> OutboxHealth:
    """The oldest due unsent message and the counts staff should watch."""
    # Served by the (status, due_at) index: two range scans.
    waiting = Message.objects.filter(
        status__in=[Message.Status.PENDING, Message.Status.SENDING], due_at__lte=now
    ).aggregate(oldest=Min("due_at"), count=Count("id"))
    return OutboxHealth(
        oldest_due_at=waiting["oldest"],
        due=waiting["count"],
        failed=Message.objects.filter(status=Message.Status.FAILED).count(),
    )


def messages_with_status(status: str, *, limit: int) -> list[Message]:
    """The `limit` messages of `status` due first, for the staff's outbox page.

    Served by the (status, due_at) index: one range scan, cut at `limit`.
    """
    return list(
        Message.objects.filter(status=status)
        .select_related("subscription")
        .order_by("due_at", "id")[:limit]
    )


def paused_webhooks() -> int:
    """How many webhook subscriptions are paused: the staff pages' banner."""
    return WebhookSubscription.objects.filter(is_active=False).count()
