"""`Idempotency-Key` for POSTs: a repeated request gets the first answer.

The key is claimed by inserting a row before the work starts, so of two
identical requests racing, one runs and the other learns it is running
(409). Once the work ends, its status and body are stored with the row
and replayed for the same key and body; the same key with a different
body is a client's mistake (422). The rows live in the database, so every
web process sees them.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from booking.models import IdempotencyKey
from studio.errors import StudioError

# A claim older than this belongs to a request that died; it may be retried.
STALE_AFTER = timedelta(minutes=2)
# How long a key is remembered: long past any client's retries.
KEEP_FOR = timedelta(days=1)
MAX_KEY_LENGTH = 255


class KeyReused(StudioError):
    code = "idempotency_key_reused"
    status_code = 422
    default_message = "This Idempotency-Key was used with a different request body."


class KeyInProgress(StudioError):
    code = "idempotency_key_in_progress"
    status_code = 409
    default_message = "A request with this Idempotency-Key is still being processed. Retry shortly."


class KeyInvalid(StudioError):
    code = "invalid"
    status_code = 400
    default_message = f"The Idempotency-Key header must be 1 to {MAX_KEY_LENGTH} characters."

    def __init__(self) -> None:
        super().__init__(fields={"Idempotency-Key": [self.default_message]})


@dataclass(frozen=True)
class Replay:
    status: int
    body: Any


def fingerprint(body: Any) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


def claim(*, owner: str, key: str, body: Any) -> Replay | IdempotencyKey:
    """Claim `key` for this request, or return the first answer to replay.

    Raises KeyReused for the same key with another body, KeyInProgress
    while the first request with the key is still running.
    """
    if not key or len(key) > MAX_KEY_LENGTH:
        raise KeyInvalid()
    request_hash = fingerprint(body)
    try:
        with transaction.atomic():
            return IdempotencyKey.objects.create(owner=owner, key=key, request_hash=request_hash)
    except IntegrityError:
        pass
    existing = IdempotencyKey.objects.get(owner=owner, key=key)
    if existing.request_hash != request_hash:
        raise KeyReused()
    if existing.state == IdempotencyKey.State.DONE:
        return Replay(status=existing.response_status or 200, body=existing.response_body)
    stale_before = timezone.now() - STALE_AFTER
    # Take over a claim whose request died, but only one taker wins it.
    taken = IdempotencyKey.objects.filter(
        pk=existing.pk, state=IdempotencyKey.State.RUNNING, created_at__lt=stale_before
    ).update(created_at=timezone.now())
    if not taken:
        raise KeyInProgress()
    existing.refresh_from_db()
    return existing


def complete(claimed: IdempotencyKey, *, status: int, body: Any) -> None:
    IdempotencyKey.objects.filter(pk=claimed.pk).update(
        state=IdempotencyKey.State.DONE, response_status=status, response_body=body
    )


def release(claimed: IdempotencyKey) -> None:
    """Forget a claim whose request failed unexpectedly, so a retry can run."""
    IdempotencyKey.objects.filter(pk=claimed.pk, state=IdempotencyKey.State.RUNNING).delete()


def forget_old_keys(*, now: datetime | None = None) -> int:
    """Delete keys older than KEEP_FOR; returns how many. Run hourly by beat."""
    cutoff = (now or timezone.now()) - KEEP_FOR
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted
