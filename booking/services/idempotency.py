"""`Idempotency-Key` for bookings: a repeated request gets the first booking.

The key is claimed by inserting a row before the work starts, so of two
identical requests racing, one runs and the other learns it is running
(409). Only a booking made is kept: the booking service marks the row
done in the booking's own transaction (`keep`), pointing at the
appointment, or at the visit (for a course, its first session), so the
booking and its key commit together or not at all. A repeat of the same
key and body gets that booking rendered again (with its state and
manage token as they are now); the same key with a different body, or
for another kind of booking, is a client's mistake (422). A refusal (a
4xx) is not kept: the claim is released, so the corrected body, or the
same one once the time is free again, runs anew under the same key.
The rows live in the database, so every web process sees them.

A claim still running long after it was made (STALE_AFTER) belongs to a
request that died before its booking committed: had it committed, the
row would be done. Another request may then take the claim over; the
first one, should it still be running after all, can no longer keep
its booking (`keep` finds the claim gone and the booking rolls back),
so one key never books twice.

Keys are scoped per caller (`key_owner`), so one caller never receives
what another booked. The rows hold no personal data: the owner and the
request are hashes, and the answer is rendered from the appointment.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from django.db import IntegrityError, connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from booking.models import Appointment, IdempotencyKey, Visit
from booking.services.writes import Writes
from studio.errors import StudioError

# A claim older than this belongs to a request that died; it may be retried.
STALE_AFTER = timedelta(minutes=2)
# How long a key is remembered: long past any client's retries.
KEEP_FOR = timedelta(days=1)
MAX_KEY_LENGTH = 255


class KeyReused(StudioError):
    code = "idempotency_key_reused"
    status_code = 422
    default_message = gettext_lazy("This Idempotency-Key was used with a different request body.")


class KeyInProgress(StudioError):
    code = "idempotency_key_in_progress"
    status_code = 409
    default_message = gettext_lazy(
        "A request with this Idempotency-Key is still being processed. Retry shortly."
    )


class KeyInvalid(StudioError):
    code = "invalid"
    status_code = 400

    def __init__(self) -> None:
        message = gettext(
            "The Idempotency-Key header must be 1 to %(longest)d printable characters."
        ) % {"longest": MAX_KEY_LENGTH}
        super().__init__(message, fields={"Idempotency-Key": [message]})


@dataclass(frozen=True)
class Replay:
    """The appointment a key already booked, to answer its repeat with."""

    status: int
    appointment: Appointment


@dataclass(frozen=True)
class VisitReplay:
    """The visit a key already booked, to answer its repeat with.

    For a course, the course's first session: its `course` is the answer.
    """

    status: int
    visit: Visit


def fingerprint(body: Any) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


def owner_for_email(email: str) -> str:
    """The key space of anonymous callers booking for this e-mail, in any letter case."""
    return "anon:" + hashlib.sha256(email.strip().lower().encode()).hexdigest()


def key_owner(*, user_id: int | None, body: Any) -> str:
    """Whose key space a request's `Idempotency-Key` belongs to.

    A logged-in user or a token has their own; an anonymous caller
    shares one with whoever books for the same client e-mail, so that a
    second caller who reuses a key and body for another e-mail gets a
    booking of their own, never the first one's manage token. A body
    without an e-mail cannot book (it is a 400, which is not kept); its
    key space is the body's own hash, which is nobody else's.
    """
    if user_id is not None:
        return f"user:{user_id}"
    client = body.get("client") if isinstance(body, dict) else None
    email = client.get("email") if isinstance(client, dict) else None
    if isinstance(email, str) and email.strip():
        return owner_for_email(email)
    return "body:" + fingerprint(body)


@dataclass(frozen=True)
class Claim:
    """A key this request holds while it books: `keep` marks it done, `release` frees it.

    `claimed_at` is when this request claimed the row, which tells its
    claim from a later takeover of the same row. `keeps_visit` says what
    the booking is kept as: its visit (the visits and courses API), or
    its lead appointment (the appointments API and the website).
    """

    key_id: int
    claimed_at: datetime
    keeps_visit: bool = False


def claim(*, owner: str, key: str, body: Any) -> Replay | Claim:
    """Claim `key` for booking an appointment, or return the appointment to replay.

    Raises KeyInvalid for an empty, overlong or unprintable key,
    KeyReused for the same key with another body (or one that booked a
    visit) after a booking was made, KeyInProgress while the first
    request with the key still runs.
    """
    taken = _claim(owner=owner, key=key, body=body)
    if taken.state == IdempotencyKey.State.RUNNING:
        return Claim(key_id=taken.pk, claimed_at=taken.created_at)
    if taken.appointment is None:
        raise KeyReused()
    return Replay(status=taken.response_status or 201, appointment=taken.appointment)


def claim_visit(*, owner: str, key: str, body: Any, is_course: bool = False) -> VisitReplay | Claim:
    """Claim `key` for booking a visit (or a course), or return the visit to replay.

    As `claim`; a key that booked another kind of thing (an appointment,
    a course for a visit, a visit for a course) is KeyReused, so one
    endpoint never answers with what another booked.
    """
    taken = _claim(owner=owner, key=key, body=body)
    if taken.state == IdempotencyKey.State.RUNNING:
        return Claim(key_id=taken.pk, claimed_at=taken.created_at, keeps_visit=True)
    visit = taken.visit
    if visit is None or (visit.course_id is not None) != is_course:
        raise KeyReused()
    return VisitReplay(status=taken.response_status or 201, visit=visit)


def _claim(*, owner: str, key: str, body: Any) -> IdempotencyKey:
    """A running claim of `key` for this request, or the done row with the same body.

    Raises KeyInvalid, KeyReused (a done row with another body) or
    KeyInProgress (see `claim`).
    """
    # PostgreSQL refuses a NUL in text, and control characters have no
    # business in a header: refuse them as bad input, not a 500.
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise KeyInvalid()
    request_hash = fingerprint(body)
    # Twice at most: a first request refused meanwhile releases its claim,
    # and then this one may take the key.
    for _ in range(2):
        try:
            # Outside a transaction the INSERT commits alone, in one round
            # trip; inside one, a savepoint keeps a refusal from ending it.
            with transaction.atomic() if connection.in_atomic_block else nullcontext():
                return IdempotencyKey.objects.create(
                    owner=owner, key=key, request_hash=request_hash
                )
        except IntegrityError:
            pass
        existing = (
            IdempotencyKey.objects.select_related("appointment", "visit")
            .filter(owner=owner, key=key)
            .first()
        )
        if existing is not None:
            return _answer_for(existing, request_hash=request_hash)
    raise KeyInProgress()


def _answer_for(existing: IdempotencyKey, *, request_hash: str) -> IdempotencyKey:
    """What a request meets when its key is taken: a replay, a takeover or a refusal.

    A claim still running after STALE_AFTER is taken over: its booking
    never committed (`keep` marks the key done in the booking's own
    transaction), and should its request still be running, it can no
    longer keep what it books.
    """
    if existing.state == IdempotencyKey.State.RUNNING:
        now = timezone.now()
        # Only one taker wins the claim: the update is conditional.
        taken = IdempotencyKey.objects.filter(
            pk=existing.pk, state=IdempotencyKey.State.RUNNING, created_at__lt=now - STALE_AFTER
        ).update(created_at=now, request_hash=request_hash)
        if not taken:
            raise KeyInProgress()
        existing.created_at, existing.request_hash = now, request_hash
        return existing
    if existing.request_hash != request_hash:
        raise KeyReused()
    return existing


def keep(claimed: Claim, *, visit: Visit, lead: Appointment, writes: Writes | None = None) -> None:
    """Mark a claimed key done with the booking just written, in the booking's transaction.

    The booking services call it before they commit, so the booking and
    its key commit together: a request that dies after the commit left
    its key done, and the retry replays the booking rather than make a
    second one. What is kept is the visit or its lead appointment (the
    visit's first; for a course, its first session's), as the claim
    says. With `writes`, the UPDATE goes with the booking's other
    writes. Raises KeyInProgress when the claim is no longer this
    request's (a retry took it over as stale): the booking then rolls
    back, and only the retry books.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("An Idempotency-Key is kept inside the booking's transaction.")
    done = {
        "state": IdempotencyKey.State.DONE,
        "response_status": 201,
        "appointment": None if claimed.keeps_visit else lead,
        "visit": visit if claimed.keeps_visit else None,
    }
    if writes is None:
        _kept([], _this_claim(claimed).update(**done))
    else:
        writes.update(_this_claim(claimed), then=_kept, **done)


def _kept(returned: list[tuple[Any, ...]], count: int) -> None:
    if not count:
        raise KeyInProgress()


def release(claimed: Claim) -> None:
    """Forget a claim whose request booked nothing, so the key can run again.

    A claim another request has taken over, or one kept, stays as it is.
    """
    _this_claim(claimed).delete()


def _this_claim(claimed: Claim) -> QuerySet[IdempotencyKey]:
    """The key's row while it is still this request's running claim."""
    return IdempotencyKey.objects.filter(
        pk=claimed.key_id, state=IdempotencyKey.State.RUNNING, created_at=claimed.claimed_at
    )


def forget_old_keys(*, now: datetime | None = None) -> int:
    """Delete keys older than KEEP_FOR; returns how many. Run hourly by beat."""
    cutoff = (now or timezone.now()) - KEEP_FOR
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def client_keys(
    *, emails: Iterable[str], appointment_ids: Iterable[UUID]
) -> QuerySet[IdempotencyKey]:
    """Every key that leads to a client: by their e-mails or their appointments.

    A key row links to a person only through the appointment or the
    visit it booked (a visit by its appointments) and, for anonymous
    callers, the hash of the e-mail in `owner`.
    """
    owners = [owner_for_email(email) for email in emails]
    ids = list(appointment_ids)
    visit_ids = Appointment.objects.filter(pk__in=ids).values("visit_id")
    return IdempotencyKey.objects.filter(
        Q(owner__in=owners) | Q(appointment_id__in=ids) | Q(visit_id__in=visit_ids)
    )


def forget_client_keys(*, emails: Iterable[str], appointment_ids: Iterable[UUID]) -> int:
    """Delete every key of `client_keys`, for erasing a client; returns how many went."""
    deleted, _ = client_keys(emails=emails, appointment_ids=appointment_ids).delete()
    return deleted
