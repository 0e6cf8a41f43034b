"""Fees and refunds: what the policy does when a visit is cancelled or missed.

Every public service here talks to the payment backend first, outside
any transaction, with an idempotency key that a retry repeats (so the
gateway charges or refunds once however often it is asked), and then
records what the gateway answered in one durable transaction. The
gateway's reference is unique per kind in the ledger, so a retry that
gets the same answer from the gateway writes once.

The rules (README, "Payments"):
- Cancelled before the cut-off: what was paid online comes back, when
  the policy refunds in time; otherwise it is kept.
- Cancelled after the cut-off: the late-cancellation fee. What was paid
  online is kept against it (and the part above the fee refunded); only
  the difference is charged to the client's newest saved card. With no
  card (or the pay-at-studio backend), or a declined one, the fee is
  recorded as owed, and the desk sees it on the visit page.
- Cancelled by staff on the studio's behalf: no fee, and everything paid
  online comes back.
- A no-show's fee is charged by the desk, once, to the saved card.
- Gift-card money paid for a visit (`gift_card_holds`) follows the same
  rules, after the card's money: it is kept against a fee, and what
  comes back goes back to the gift card, never to a bank card. A visit
  never confirmed (its hold ran out, or it was cancelled while held)
  gives all of it back: nothing was owed for it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TypeVar

from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone

from booking.models import Appointment, AppointmentEvent, Visit
from booking.services import Actor
from payments import errors, notifications
from payments.backends import get_backend
from payments.backends.base import GatewayPayment, GatewayRefund, PaymentError
from payments.models import Entry, GiftCard, Payment, SavedCard, Settlement
from payments.policies import policies_for
from payments.selectors import newest_card
from payments.services.ledger import Movement, record_entry

ZERO = Decimal("0.00")
Kind = Entry.Kind
Method = Entry.Method

# Online money paid for a visit's price, and its refunds.
PRICE_KINDS = (Kind.DEPOSIT, Kind.CHARGE, Kind.REFUND)
# Money paid at the desk for a visit's price, and its cash back.
DESK_PRICE_KINDS = (Kind.DESK_PAYMENT, Kind.REFUND)
# How far back the sweep looks for cancelled visits left unsettled.
SWEEP_DAYS = 1

# What money is taken from: a gateway payment, or a gift card.
Source = TypeVar("Source", Payment, GiftCard)


@dataclass
class Decision:
    """What settling a cancelled visit does, before the gateway is asked."""

    outcome: str
    cancelled_at: datetime
    currency: str
    fee: Decimal = ZERO
    kept: list[tuple[Payment, Decimal]] = field(default_factory=list)
    refunds: list[tuple[Payment, Decimal]] = field(default_factory=list)
    # Gift-card money kept against the fee, and given back to its card.
    gift_kept: list[tuple[GiftCard, Decimal]] = field(default_factory=list)
    gift_backs: list[tuple[GiftCard, Decimal]] = field(default_factory=list)

    @property
    def to_charge(self) -> Decimal:
        kept = sum((amount for _, amount in [*self.kept, *self.gift_kept]), ZERO)
        return self.fee - kept


def settle_cancellation(
    *, visit: Visit, actor: Actor, now: datetime | None = None
) -> Settlement | None:
    """Apply the payment policy to a cancelled visit, once.

    Refunds what was paid online when it was cancelled in time (and the
    policy refunds), or charges the late-cancellation fee to the saved
    card, keeping what was paid online against it (see the module's
    rules). The cut-off is measured at the moment of the cancellation
    (its history event), not when this runs, so a retry hours later
    decides the same. Returns the visit's `Settlement` (the one already
    written, when run again), or None for a visit not cancelled by
    anybody (still active, or a hold that expired). A declined card does
    not fail it: the fee is owed, with the gateway's reason. Raises
    PaymentError when the gateway cannot refund: the task retries.
    """
    now = now or timezone.now()
    visit = Visit.objects.select_related("client").get(pk=visit.pk)
    existing = Settlement.objects.filter(visit=visit).first()
    if existing is not None or visit.status != Visit.Status.CANCELLED:
        return existing
    decision = _decide(visit)
    if decision is None:
        return None
    backend = get_backend()
    refunds = [
        (payment, _refund_at_gateway(payment, amount, key=f"settle-{visit.pk}-{payment.pk}"))
        for payment, amount in decision.refunds
    ]
    charged: GatewayPayment | None = None
    failure = ""
    if decision.to_charge > ZERO:
        card = newest_card(visit)
        if card is None:
            failure = str(errors.NoSavedCard.default_message)
        else:
            try:
                charged = _charge(
                    visit, card, decision.to_charge, decision.currency, key=f"settle-{visit.pk}-fee"
                )
            except PaymentError as error:
                failure = error.message
    return _record_settlement(
        visit=visit,
        decision=decision,
        refunds=refunds,
        charged=charged,
        failure=failure,
        backend_name=backend.name,
        actor=actor,
        now=now,
    )


def _decide(visit: Visit) -> Decision | None:
    Action = AppointmentEvent.Action
    events = AppointmentEvent.objects.filter(appointment__visit=visit)
    cancelled = (
        events.filter(action__in=[Action.CANCELLED, Action.HOLD_EXPIRED])
        .order_by("created_at", "id")
        .first()
    )
    if cancelled is None:
        return None
    gift = gift_cards_paid(visit)
    total_gift = sum(gift.values(), ZERO)
    if (
        total_gift > ZERO
        and visit.hold_reason == Visit.HoldReason.PAYMENT
        and not events.filter(action=Action.HOLD_CONFIRMED).exists()
    ):
        # Never confirmed: nothing was owed for it.
        return Decision(
            outcome=Settlement.Outcome.REFUNDED,
            cancelled_at=cancelled.created_at,
            currency=next(iter(gift)).currency,
            gift_backs=_take(gift, total_gift),
        )
    if cancelled.action != Action.CANCELLED:
        return None
    appointments = list(visit.appointments.all())
    policies = policies_for({a.offering_id for a in appointments})
    currency = appointments[0].currency if appointments else "EUR"
    cancelled_at = cancelled.created_at
    late = [
        a
        for a in appointments
        if cancelled_at > a.start_at - timedelta(hours=policies[a.offering_id].fee_cutoff_hours)
    ]
    paid = online_paid(visit, kinds=PRICE_KINDS)
    total_paid = sum(paid.values(), ZERO)
    decision = Decision(
        outcome=Settlement.Outcome.NOTHING, cancelled_at=cancelled_at, currency=currency
    )
    if (cancelled.details or {}).get("by_studio"):
        decision.outcome = Settlement.Outcome.WAIVED
        decision.refunds = _take(paid, total_paid)
        decision.gift_backs = _take(gift, total_gift)
        return decision
    fee = sum((policies[a.offering_id].late_cancel_fee(a.price) for a in late), ZERO)
    if fee > ZERO:
        decision.fee = fee
        decision.kept = _take(paid, min(fee, total_paid))
        decision.refunds = _take(paid, total_paid - min(fee, total_paid), skip=decision.kept)
        # The card's money first, then the gift card's, against the fee.
        gift_kept = min(fee - min(fee, total_paid), total_gift)
        decision.gift_kept = _take(gift, gift_kept)
        decision.gift_backs = _take(gift, total_gift - gift_kept, skip=decision.gift_kept)
        decision.outcome = Settlement.Outcome.FEE_CHARGED
        return decision
    refunds_in_time = all(policies[a.offering_id].refunds_in_time for a in appointments)
    if total_paid + total_gift > ZERO and not late and refunds_in_time:
        decision.outcome = Settlement.Outcome.REFUNDED
        decision.refunds = _take(paid, total_paid)
        decision.gift_backs = _take(gift, total_gift)
    elif total_paid + total_gift > ZERO:
        decision.outcome = Settlement.Outcome.KEPT
    return decision


def _take(
    paid: dict[Source, Decimal],
    amount: Decimal,
    *,
    skip: Iterable[tuple[Source, Decimal]] = (),
) -> list[tuple[Source, Decimal]]:
    """`amount` taken from the payments (or gift cards) in turn (after what `skip` took of each)."""
    taken_before = dict(skip)
    parts = []
    for payment, available in paid.items():
        left = available - taken_before.get(payment, ZERO)
        part = min(left, amount)
        if part > ZERO:
            parts.append((payment, part))
            amount -= part
    return parts


def online_paid(visit: Visit, *, kinds: Iterable[str]) -> dict[Payment, Decimal]:
    """Per gateway payment of the visit, what of it is left (paid less given back)."""
    rows = (
        Entry.objects.filter(
            visit=visit, method=Method.ONLINE, payment__isnull=False, kind__in=list(kinds)
        )
        .values("payment_id")
        .annotate(left=Sum("amount"))
        .order_by("payment_id")
    )
    left = {row["payment_id"]: row["left"] for row in rows if row["left"] > ZERO}
    payments = Payment.objects.in_bulk(list(left))
    return {
        payments[pk]: amount
        for pk, amount in sorted(left.items(), key=lambda item: payments[item[0]].created_at)
    }


def gift_cards_paid(visit: Visit) -> dict[GiftCard, Decimal]:
    """Per gift card spent on the visit, what of it the visit still holds (spent less given back)."""
    rows = (
        Entry.objects.filter(visit=visit, kind=Kind.GIFT_CARD_REDEMPTION, gift_card__isnull=False)
        .values("gift_card_id")
        .annotate(left=Sum("amount"))
        .order_by("gift_card_id")
    )
    left = {row["gift_card_id"]: row["left"] for row in rows if row["left"] > ZERO}
    cards = GiftCard.objects.in_bulk(list(left))
    return {cards[pk]: amount for pk, amount in sorted(left.items(), key=lambda item: str(item[0]))}


def _charge(
    visit: Visit, card: SavedCard, amount: Decimal, currency: str, *, key: str
) -> GatewayPayment:
    """Charge the saved card off-session; raises PaymentError when declined."""
    charged = get_backend().charge_saved_card(
        card_customer=card.customer_reference,
        card_method=card.method_reference,
        amount=amount,
        currency=currency,
        description=f"Fee, visit {visit.pk}",
        metadata={"visit": str(visit.pk), "purpose": Payment.Purpose.FEE},
        idempotency_key=key,
    )
    if charged.status != "succeeded":
        raise PaymentError(charged.failure_message or None, code="card_declined")
    return charged


def _refund_at_gateway(payment: Payment, amount: Decimal, *, key: str) -> GatewayRefund:
    return get_backend().refund(
        payment_reference=payment.gateway_reference,
        amount=amount,
        currency=payment.currency,
        idempotency_key=key,
    )


@transaction.atomic(durable=True)
def _record_settlement(
    *,
    visit: Visit,
    decision: Decision,
    refunds: list[tuple[Payment, GatewayRefund]],
    charged: GatewayPayment | None,
    failure: str,
    backend_name: str,
    actor: Actor,
    now: datetime,
) -> Settlement:
    Visit.objects.select_for_update().filter(pk=visit.pk).first()
    existing = Settlement.objects.filter(visit=visit).first()
    if existing is not None:
        # Settled meanwhile by another run, with the same idempotency keys.
        return existing
    outcome = decision.outcome
    if decision.fee > ZERO and decision.to_charge > ZERO and charged is None:
        outcome = Settlement.Outcome.FEE_OWED
    settlement = Settlement.objects.create(
        visit=visit,
        outcome=outcome,
        cancelled_at=decision.cancelled_at,
        fee=decision.fee,
        refunded=sum((refund.amount for _, refund in refunds), ZERO),
        currency=decision.currency,
        failure_message=failure,
        created_at=now,
    )
    for payment, refund in refunds:
        record_entry(
            movement=Movement(Kind.REFUND, Method.ONLINE, -refund.amount, payment.currency),
            actor=actor,
            visit=visit,
            payment=payment,
            gateway_reference=refund.reference,
            note=str(settlement.get_outcome_display()),
            now=now,
        )
    for payment, amount in decision.kept:
        # The money paid stays with the studio, now as the fee: out of
        # the deposit, into the fee; no money moves.
        kept = str(settlement.get_outcome_display())
        record_entry(
            movement=Movement(payment_kind(payment), Method.ONLINE, -amount, payment.currency),
            actor=actor,
            visit=visit,
            payment=payment,
            note=kept,
            now=now,
        )
        record_entry(
            movement=Movement(Kind.FEE, Method.ONLINE, amount, payment.currency),
            actor=actor,
            visit=visit,
            payment=payment,
            note=kept,
            now=now,
        )
    _record_gift_card_money(visit, decision, settlement, actor=actor, now=now)
    if charged is not None:
        _record_fee_payment(
            visit=visit,
            charged=charged,
            amount=decision.to_charge,
            currency=decision.currency,
            backend_name=backend_name,
            actor=actor,
            now=now,
        )
    elif failure and decision.to_charge > ZERO and newest_card(visit) is not None:
        _record_failed_payment(
            visit=visit,
            amount=decision.to_charge,
            currency=decision.currency,
            backend_name=backend_name,
            failure=failure,
            now=now,
        )
    _notify_on_commit(settlement)
    return settlement


def _record_gift_card_money(
    visit: Visit, decision: Decision, settlement: Settlement, *, actor: Actor, now: datetime
) -> None:
    """Gift-card money back to its card, or kept as the fee: rows of the card, no money moves."""
    note = str(settlement.get_outcome_display())
    # Out of the visit's price: back to the card, or (kept) into the fee,
    # where the card's balance stays as it was (`gift_card_balance`
    # counts both kinds as spent).
    moves = [(card, amount, False) for card, amount in decision.gift_backs]
    moves += [(card, amount, True) for card, amount in decision.gift_kept]
    for card, amount, is_kept in moves:
        movements = [Movement(Kind.GIFT_CARD_REDEMPTION, Method.GIFT_CARD, -amount, card.currency)]
        if is_kept:
            movements.append(Movement(Kind.FEE, Method.GIFT_CARD, amount, card.currency))
        for movement in movements:
            record_entry(
                movement=movement,
                actor=actor,
                client=visit.client,
                visit=visit,
                gift_card=card,
                note=note,
                now=now,
            )


def payment_kind(payment: Payment) -> str:
    """The ledger kind a gateway payment for a visit was recorded as."""
    return Kind.CHARGE if payment.purpose == Payment.Purpose.FULL else Kind.DEPOSIT


def charge_no_show_fee(
    *,
    visit: Visit | None = None,
    appointment: Appointment | None = None,
    actor: Actor,
    now: datetime | None = None,
) -> Entry:
    """Charge the no-show fee of a visit (or of an appointment's visit) to the saved card.

    The fee is the policy's no-show share of the price of each of its
    appointments marked no-show. Once per visit. A declined card writes
    only a failed `Payment` with the gateway's reason and raises
    PaymentError with it. Raises NotNoShow (nothing marked no-show),
    NoFee (the policy charges none), AlreadyCharged and NoSavedCard.
    """
    now = now or timezone.now()
    if visit is None:
        if appointment is None:
            raise TypeError("charge_no_show_fee needs a visit or an appointment")
        visit = appointment.visit
    visit = Visit.objects.select_related("client").get(pk=visit.pk)
    fee, currency = no_show_fee(visit)
    _check_not_charged(visit)
    card = newest_card(visit)
    if card is None:
        raise errors.NoSavedCard()
    # The same key on a retry after a crash (the gateway answers with the
    # first charge); a new key for a new try after a decline.
    attempt = Payment.objects.filter(
        visit=visit, purpose=Payment.Purpose.FEE, status=Payment.Status.FAILED
    ).count()
    try:
        charged = _charge(visit, card, fee, currency, key=f"no-show-{visit.pk}-{attempt}")
    except PaymentError as error:
        _record_declined(visit=visit, amount=fee, currency=currency, failure=error.message, now=now)
        raise
    return _record_no_show_fee(
        visit=visit, charged=charged, amount=fee, currency=currency, actor=actor, now=now
    )


def no_show_fee(visit: Visit) -> tuple[Decimal, str]:
    """The no-show fee the visit's policy asks for (raises NotNoShow, NoFee)."""
    missed = list(visit.appointments.filter(status=Appointment.Status.NO_SHOW))
    if not missed:
        raise errors.NotNoShow()
    policies = policies_for({a.offering_id for a in missed})
    fee = sum((policies[a.offering_id].no_show_fee(a.price) for a in missed), ZERO)
    if fee <= ZERO:
        raise errors.NoFee()
    return fee, missed[0].currency


def _check_not_charged(visit: Visit) -> None:
    if Entry.objects.filter(visit=visit, kind=Kind.FEE, amount__gt=0).exists():
        raise errors.AlreadyCharged()


@transaction.atomic(durable=True)
def _record_declined(
    *, visit: Visit, amount: Decimal, currency: str, failure: str, now: datetime
) -> None:
    _record_failed_payment(
        visit=visit,
        amount=amount,
        currency=currency,
        backend_name=get_backend().name,
        failure=failure,
        now=now,
    )


@transaction.atomic(durable=True)
def _record_no_show_fee(
    *,
    visit: Visit,
    charged: GatewayPayment,
    amount: Decimal,
    currency: str,
    actor: Actor,
    now: datetime,
) -> Entry:
    Visit.objects.select_for_update().filter(pk=visit.pk).first()
    if Entry.objects.filter(
        visit=visit, kind=Kind.FEE, gateway_reference=charged.reference
    ).exists():
        raise errors.AlreadyCharged()
    _check_not_charged(visit)
    entry = _record_fee_payment(
        visit=visit,
        charged=charged,
        amount=amount,
        currency=currency,
        backend_name=get_backend().name,
        actor=actor,
        now=now,
    )
    _notify_entry_on_commit(entry)
    return entry


def _record_fee_payment(
    *,
    visit: Visit,
    charged: GatewayPayment,
    amount: Decimal,
    currency: str,
    backend_name: str,
    actor: Actor,
    now: datetime,
) -> Entry:
    try:
        with transaction.atomic():
            payment = _fee_payment(
                visit=visit,
                amount=amount,
                currency=currency,
                backend_name=backend_name,
                status=Payment.Status.SUCCEEDED,
                reference=charged.reference,
                now=now,
            )
            return record_entry(
                movement=Movement(Kind.FEE, Method.ONLINE, amount, currency),
                actor=actor,
                visit=visit,
                payment=payment,
                gateway_reference=charged.reference,
                now=now,
            )
    except IntegrityError as error:
        # The gateway answered a retry with a charge already recorded.
        raise errors.AlreadyCharged() from error


def _record_failed_payment(
    *,
    visit: Visit,
    amount: Decimal,
    currency: str,
    backend_name: str,
    failure: str,
    now: datetime,
) -> None:
    _fee_payment(
        visit=visit,
        amount=amount,
        currency=currency,
        backend_name=backend_name,
        status=Payment.Status.FAILED,
        failure=failure,
        now=now,
    )


def _fee_payment(
    *,
    visit: Visit,
    amount: Decimal,
    currency: str,
    backend_name: str,
    status: str,
    now: datetime,
    reference: str = "",
    failure: str = "",
) -> Payment:
    """The gateway attempt of a fee: succeeded (with its reference) or failed (with why)."""
    return Payment.objects.create(
        purpose=Payment.Purpose.FEE,
        status=status,
        client_id=visit.client_id,
        visit=visit,
        amount=amount,
        currency=currency,
        backend=backend_name,
        gateway_reference=reference,
        failure_message=failure,
        created_at=now,
        updated_at=now,
    )


def refund(
    *, entry: Entry, amount: Decimal, actor: Actor, reason: str, now: datetime | None = None
) -> Entry:
    """Give back part or all of a visit's payment or fee, never more than is left of it.

    Money paid online goes back through the gateway, to the card; money
    paid at the desk (cash or the terminal) is given back as cash. A
    refund of a fee is a negative fee row, so the visit's balance (which
    leaves fees out) stays right. Raises InvalidAmount, NotRefundable
    and RefundTooLarge, and PaymentError when the gateway refuses.
    """
    now = now or timezone.now()
    if amount <= ZERO:
        raise errors.InvalidAmount()
    entry = Entry.objects.select_related("payment", "visit").get(pk=entry.pk)
    left = refundable(entry)
    if amount > left:
        raise errors.RefundTooLarge()
    is_fee = entry.kind == Kind.FEE
    refund_kind = Kind.FEE if is_fee else Kind.REFUND
    if entry.method == Method.ONLINE:
        payment = entry.payment
        if payment is None:  # refundable() is zero without one: never here
            raise errors.NotRefundable()
        given = Entry.objects.filter(payment=payment, amount__lt=0).count()
        answer = _refund_at_gateway(payment, amount, key=f"refund-{payment.pk}-{given}")
        movement = Movement(refund_kind, Method.ONLINE, -answer.amount, entry.currency)
        return _record_refund(
            entry=entry,
            movement=movement,
            reference=answer.reference,
            left_before=left,
            actor=actor,
            reason=reason,
            now=now,
        )
    movement = Movement(refund_kind, Method.CASH, -amount, entry.currency)
    return _record_refund(
        entry=entry,
        movement=movement,
        reference="",
        left_before=left,
        actor=actor,
        reason=reason,
        now=now,
    )


def refundable(entry: Entry) -> Decimal:
    """What is left to give back of the money this row took in for a visit."""
    if entry.visit_id is None:
        return ZERO
    return left_to_refund(entry, Entry.objects.filter(visit_id=entry.visit_id))


def left_to_refund(entry: Entry, visit_entries: Iterable[Entry]) -> Decimal:
    """`refundable`, counted over the visit's ledger rows already read (the visit page).

    Online money: what is left of its gateway payment (paid less given
    back, per kind: the price's rows, or the fee's). Desk money: what is
    left of the visit's money taken at the desk, of the same kind.
    """
    if entry.visit_id is None or entry.amount <= ZERO:
        return ZERO
    is_fee = entry.kind == Kind.FEE
    kinds: tuple[str, ...] = (Kind.FEE,) if is_fee else PRICE_KINDS
    if entry.method == Method.ONLINE and entry.payment_id is not None:
        if entry.kind not in kinds:
            return ZERO
        rows = [
            row
            for row in visit_entries
            if row.payment_id == entry.payment_id and row.method == Method.ONLINE
        ]
    elif entry.method in Entry.DESK_METHODS and (is_fee or entry.kind == Kind.DESK_PAYMENT):
        kinds = (Kind.FEE,) if is_fee else DESK_PRICE_KINDS
        rows = [row for row in visit_entries if row.method in Entry.DESK_METHODS]
    else:
        return ZERO
    left = sum((row.amount for row in rows if row.kind in kinds), ZERO)
    return max(left, ZERO)


@transaction.atomic(durable=True)
def _record_refund(
    *,
    entry: Entry,
    movement: Movement,
    reference: str,
    left_before: Decimal,
    actor: Actor,
    reason: str,
    now: datetime,
) -> Entry:
    visit = entry.visit
    if visit is None:  # refundable() is zero without one: never here
        raise errors.NotRefundable()
    Visit.objects.select_for_update().filter(pk=visit.pk).first()
    if reference:
        # The gateway refunded already; a second run of the same refund
        # (the same idempotency key) is written once.
        done = Entry.objects.filter(kind=movement.kind, gateway_reference=reference).first()
        if done is not None:
            return done
    elif -movement.amount > refundable(entry):
        # Another desk gave cash back meanwhile.
        raise errors.RefundTooLarge()
    refunded = record_entry(
        movement=movement,
        actor=actor,
        visit=visit,
        client=entry.client,
        payment=entry.payment,
        gateway_reference=reference,
        note=reason[:255],
        now=now,
    )
    _notify_entry_on_commit(refunded)
    return refunded


@transaction.atomic(durable=True)
def take_fee_at_desk(
    *, visit: Visit, method: str, amount: Decimal, actor: Actor, now: datetime | None = None
) -> Entry:
    """Record a fee the client paid at the desk (cash or the terminal): one the card did not pay."""
    if amount <= ZERO:
        raise errors.InvalidAmount()
    if method not in Entry.DESK_METHODS:
        raise errors.NotRefundable()
    Visit.objects.select_for_update().filter(pk=visit.pk).first()
    currency = visit.appointments.values_list("currency", flat=True).first() or "EUR"
    return record_entry(
        movement=Movement(Kind.FEE, method, amount, currency),
        actor=actor,
        visit=visit,
        now=now,
    )


def settle_missed_cancellations(*, actor: Actor, now: datetime | None = None) -> int:
    """Settle the cancelled visits a crash or a lost task left unsettled; returns how many.

    Bounded by time: visits starting from a day ago on (the start-time
    index), cancelled, without a settlement. A settlement that fails
    (the gateway down) is left for the next sweep.
    """
    now = now or timezone.now()
    unsettled = (
        Visit.objects.filter(
            start_at__gte=now - timedelta(days=SWEEP_DAYS),
            status=Visit.Status.CANCELLED,
            settlement__isnull=True,
        )
        .filter(
            Q(appointments__events__action=AppointmentEvent.Action.CANCELLED)
            # A hold that ran out gives back the gift-card money spent on it.
            | Q(
                appointments__events__action=AppointmentEvent.Action.HOLD_EXPIRED,
                ledger_entries__kind=Kind.GIFT_CARD_REDEMPTION,
            ),
        )
        .distinct()
        .order_by("start_at", "id")
    )
    settled = 0
    for visit in unsettled:
        try:
            if settle_cancellation(visit=visit, actor=actor, now=now) is not None:
                settled += 1
        except PaymentError:
            continue
    return settled


def _notify_on_commit(settlement: Settlement) -> None:
    """The settlement's e-mails, into the outbox in its transaction; sent once it commits."""
    notifications.write_settlement_notices(settlement)


def _notify_entry_on_commit(entry: Entry) -> None:
    """The ledger row's e-mail, into the outbox in its transaction; sent once it commits."""
    notifications.write_entry_notice(entry)
