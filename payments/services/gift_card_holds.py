"""Paying what a visit held for its payment asks online with a gift card, whole or in part.

The client enters a code on the pay page (or an integration sends it to
`POST /api/v1/visits/{id}/payment/gift-card/`). The card's balance pays
the deposit or the price asked online, up to what is still asked: one
`gift_card_redemption` row on the visit (`gift_cards` owns the card's
rules: paid, not expired, not empty). If it covers everything, the
visit is confirmed at once, no card needed; if not, the rest is asked
by card in a new payment of that amount (`online.start_visit_payment`
asks only what gift cards have not paid).

The card payment pending at the gateway is cancelled first, outside any
transaction, so the client cannot pay the full amount by card and the
gift card as well; if the gateway says it was paid meanwhile, the gift
card is not touched. Gift-card money comes back to the card, never to a
bank card, when the visit is cancelled in time or its hold runs out
(`fees.settle_cancellation`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from booking.models import Appointment, Visit
from booking.services import Actor, confirm_held_visit
from payments import errors
from payments.backends import get_backend
from payments.models import Entry, Payment
from payments.notifications import write_receipt
from payments.selectors import gift_card_balance, gift_card_paid
from payments.services import online
from payments.services.gift_cards import lock_usable_gift_card, usable_gift_card
from payments.services.ledger import Movement, record_entry

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class HoldPaidByGiftCard:
    """What a gift card paid of a held visit, and how the rest is paid."""

    entry: Entry
    # Still asked by card (zero when the gift card paid it all).
    left: Decimal
    is_confirmed: bool
    # The card payment of what is left; None when nothing is.
    payment: Payment | None


def left_to_pay_online(visit: Visit) -> Decimal:
    """What the visit's policies ask online less what gift cards paid of it."""
    return max(online.due_for_visit(visit).amount - gift_card_paid(visit), ZERO)


def pay_hold_with_gift_card(
    *, visit: Visit, code: str, actor: Actor, now: datetime | None = None
) -> HoldPaidByGiftCard:
    """Pay what a visit held for its payment asks online with the gift card of `code`.

    The card's balance pays up to what is still asked online. Checks the
    code first (UnknownGiftCard, GiftCardUnpaid, GiftCardExpired,
    GiftCardEmpty, WrongCurrency; the caller counts the tries with
    `limit_code_tries`) and that the visit still waits for its payment
    (NotAwaitingPayment). Then the card payment pending at the gateway
    is cancelled (network, before the transaction; PaymentError when the
    gateway cannot be asked, and nothing is spent); if it was paid
    meanwhile, NotAwaitingPayment and the gift card is left as it was.
    The redemption is written with the visit's and the card's rows
    locked (in that order, as `spend_gift_card` does); when it covers
    everything the visit is confirmed in the same transaction
    (HoldExpired if the hold ran out: nothing is spent). Whatever
    happened, a visit still held afterwards gets a card payment of what
    is left, so its pay page works again.
    """
    now = now or timezone.now()
    usable_gift_card(code, now=now)
    if not Visit.objects.get(pk=visit.pk).is_awaiting_payment:
        raise errors.NotAwaitingPayment()
    _stop_card_payments(visit, now=now)
    try:
        entry, left, is_confirmed = _spend_on_hold(visit=visit, code=code, actor=actor, now=now)
    except BaseException:
        _ask_the_rest_by_card(visit, now=now)
        raise
    return HoldPaidByGiftCard(
        entry=entry,
        left=left,
        is_confirmed=is_confirmed,
        payment=_ask_the_rest_by_card(visit, now=now),
    )


def _stop_card_payments(visit: Visit, *, now: datetime) -> None:
    """Cancel the visit's pending card payments at the gateway, then here (network: no transaction)."""
    backend = get_backend()
    pending = Payment.objects.filter(visit=visit, status=Payment.Status.PENDING).order_by(
        "created_at"
    )
    for payment in pending:
        if payment.gateway_reference:
            backend.cancel(payment_reference=payment.gateway_reference)
            if backend.retrieve(payment_reference=payment.gateway_reference).status == "succeeded":
                # Paid by card a moment ago: its webhook confirms the visit.
                raise errors.NotAwaitingPayment()
        Payment.objects.filter(pk=payment.pk, status=Payment.Status.PENDING).update(
            status=Payment.Status.CANCELLED, updated_at=now
        )


def _ask_the_rest_by_card(visit: Visit, *, now: datetime) -> Payment | None:
    """A card payment of what is left, for a visit still held for its payment."""
    visit = Visit.objects.get(pk=visit.pk)
    if not visit.is_awaiting_payment or left_to_pay_online(visit) <= 0:
        return None
    return online.start_visit_payment(visit=visit, now=now)


@transaction.atomic(durable=True)
def _spend_on_hold(
    *, visit: Visit, code: str, actor: Actor, now: datetime
) -> tuple[Entry, Decimal, bool]:
    locked = Visit.objects.select_for_update(of=("self",)).select_related("client").get(pk=visit.pk)
    if not locked.is_awaiting_payment:
        raise errors.NotAwaitingPayment()
    card = lock_usable_gift_card(code, now=now)
    due = online.due_for_visit(locked)
    if due.currency != card.currency:
        raise errors.WrongCurrency()
    left = left_to_pay_online(locked)
    if left <= 0:
        raise errors.NothingDue()
    amount = min(gift_card_balance(card), left)
    entry = record_entry(
        movement=Movement(
            kind=Entry.Kind.GIFT_CARD_REDEMPTION,
            method=Entry.Method.GIFT_CARD,
            amount=amount,
            currency=card.currency,
        ),
        actor=actor,
        client=locked.client,
        visit=locked,
        gift_card=card,
        now=now,
    )
    is_confirmed = amount == left
    if is_confirmed:
        lead = Appointment.objects.filter(visit=locked).order_by("start_at", "id").first()
        if lead is not None:
            confirm_held_visit(appointment=lead, actor=actor, now=now, for_payment=True)
    write_receipt(entry)
    return entry, left - amount, is_confirmed
