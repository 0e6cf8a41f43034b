"""The ledger's one writer: every movement of money becomes a row here.

Called by the other payment services inside their own transactions;
views, tasks and the admin never write ledger rows themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from booking.models import Client, Visit
from booking.services import Actor
from notifications import webhooks
from payments.models import ClientPackage, Entry, GiftCard, Payment


@dataclass(frozen=True)
class Movement:
    """What moved: money (`amount`, negative when given back) or package sessions."""

    kind: str
    method: str
    amount: Decimal
    currency: str
    sessions: int = 0


def record_entry(
    *,
    movement: Movement,
    actor: Actor,
    client: Client | None = None,
    visit: Visit | None = None,
    payment: Payment | None = None,
    client_package: ClientPackage | None = None,
    gift_card: GiftCard | None = None,
    gateway_reference: str = "",
    note: str = "",
    now: datetime | None = None,
) -> Entry:
    """Write one ledger row; must run inside the caller's transaction.

    The row is never changed afterwards. A gateway reference already
    recorded for the same kind is refused by the database
    (`payments_entry_unique_reference`), so a refund or charge reported
    twice is written once; callers that may see a report twice check
    first or handle the IntegrityError.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("record_entry must run inside the calling service's transaction")
    if visit is not None and client is None:
        client = visit.client
    entry = Entry.objects.create(
        kind=movement.kind,
        method=movement.method,
        amount=movement.amount,
        currency=movement.currency,
        sessions=movement.sessions,
        client=client,
        visit=visit,
        payment=payment,
        client_package=client_package,
        gift_card=gift_card,
        gateway_reference=gateway_reference,
        actor=actor.label,
        user_id=actor.user_id,
        note=note,
        created_at=now or timezone.now(),
    )
    _record_webhook_event(entry)
    return entry


# Ledger rows integrations hear of: money in, money given back.
_RECEIVED = frozenset(
    {Entry.Kind.CHARGE, Entry.Kind.DEPOSIT, Entry.Kind.DESK_PAYMENT, Entry.Kind.PACKAGE_SALE}
    | {Entry.Kind.GIFT_CARD_SALE}
)


def _record_webhook_event(entry: Entry) -> None:
    """payment.received or payment.refunded for money that moved, in the entry's transaction."""
    if entry.kind == Entry.Kind.REFUND:
        type_ = webhooks.PAYMENT_REFUNDED
    elif entry.kind in _RECEIVED and entry.method in Entry.MONEY_IN_METHODS:
        type_ = webhooks.PAYMENT_RECEIVED
    else:
        return
    webhooks.record_event(
        type=type_,
        data={
            "id": entry.pk,
            "kind": entry.kind,
            "method": entry.method,
            "amount": str(entry.amount),
            "currency": entry.currency,
            "visit": str(entry.visit_id) if entry.visit_id else None,
            "payment": entry.payment_id,
            "gateway_reference": entry.gateway_reference,
            "created_at": entry.created_at.isoformat(),
        },
        visit=entry.visit,
        now=entry.created_at,
    )
