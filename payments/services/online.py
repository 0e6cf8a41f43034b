"""Paying for a visit online: the hold, the gateway's payment, its webhook, the refund.

The rule of who pays what online is the payment policy's
(`payments.policies`); this module applies it to a booking:

- `payment_hold_until`: a client booking (the website, the API without
  staff rights) of massages whose policy asks for money online, with a
  backend that takes it, gets a visit held for the payment
  (PAYMENT_HOLD_MINUTES). Staff booking at the desk or on the phone take
  the money at the studio: their bookings are confirmed at once. Booking
  does not know about payments: the site and API views ask here and
  pass the hold to `book_visit`.
- `start_visit_payment`: once the booking has committed, a `Payment` row
  and the gateway's payment (network, outside any transaction).
- `handle_webhook`: the gateway's signed report. A success writes the
  ledger row, saves the card for fees, and confirms the visit; a
  payment that comes after the hold was released is refunded.
- `cancel_released_payments`: the beat's sweep of payments whose visit
  was released, cancelled at the gateway so they can no longer be paid.

The browser's return from the payment form proves nothing: only the
webhook confirms.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Case, QuerySet, Value, When
from django.utils import timezone, translation
from django.utils.translation import gettext

from booking import errors as booking_errors
from booking.models import Appointment, Visit
from booking.services import Actor, cancel_visit, confirm_held_visit
from catalog.models import Offering
from payments import errors
from payments.backends import get_backend
from payments.backends.base import GatewayPayment, PaymentError
from payments.models import Entry, GatewayEvent, Payment, PaymentPolicy, SavedCard
from payments.policies import CENT, policies_for
from payments.selectors import gift_card_paid
from payments.services import gift_cards, packages
from payments.services.ledger import Movement, record_entry

logger = logging.getLogger(__name__)

# Who acts when the gateway reports, or the studio's sweep cancels: no
# person, and no guest's cut-off applies (a held visit is released at
# any time).
GATEWAY = Actor(label="payment gateway", is_staff=True)

SUCCEEDED = "payment_intent.succeeded"
FAILED = "payment_intent.payment_failed"

# How many payments of released visits one run of the sweep cancels.
CANCEL_BATCH = 100


@dataclass(frozen=True)
class DueOnline:
    """What the policies ask to be paid online for a visit: deposit or full price."""

    amount: Decimal
    currency: str
    purpose: str

    @property
    def is_due(self) -> bool:
        return self.amount > 0


def due_online(priced: Iterable[tuple[int, Decimal, str]]) -> DueOnline:
    """What is asked online for massages given as (offering id, price, currency), one query.

    Each massage's own policy applies to its price; the visit's purpose
    is the full price when every policy asks for it, else a deposit.
    """
    rows = list(priced)
    policies = policies_for(offering_id for offering_id, _, _ in rows)
    amount = sum(
        (policies[offering_id].online_amount(price) for offering_id, price, _ in rows),
        Decimal(0),
    )
    is_full = bool(rows) and all(
        policies[offering_id].online == PaymentPolicy.Online.FULL for offering_id, _, _ in rows
    )
    return DueOnline(
        amount=amount,
        currency=rows[0][2] if rows else "EUR",
        purpose=Payment.Purpose.FULL if is_full else Payment.Purpose.DEPOSIT,
    )


def due_for_offerings(offerings: Iterable[Offering]) -> DueOnline:
    return due_online((offering.pk, offering.price, offering.currency) for offering in offerings)


def _priced(visit: Visit) -> QuerySet[Appointment]:
    """The appointments a visit's payment is for: a course's, every session's."""
    if visit.course_id is not None:
        appointments = Appointment.objects.filter(visit__course_id=visit.course_id)
    else:
        appointments = Appointment.objects.filter(visit=visit)
    if visit.status == Visit.Status.CANCELLED:
        return appointments
    return appointments.exclude(status=Appointment.Status.CANCELLED)


def due_for_visit(visit: Visit) -> DueOnline:
    """What the visit's policies ask online, on the prices it was booked at.

    For a session of a course, the whole course's: it is paid as one, the
    policy applied to each session and summed.
    """
    return due_online(_priced(visit).values_list("offering_id", "price", "currency"))


def shares_of(payment: Payment) -> list[tuple[Visit, Decimal]]:
    """Each visit a payment pays for, with its share: one visit, or every session of a course.

    A course's payment is split by the policy's amount for each session
    (its last session takes the cents left over, so the shares add up to
    the payment), so each session's ledger shows its own part, and a
    session cancelled in time gives back only its own.
    """
    visit = payment.visit
    if visit is None:
        return []
    if visit.course_id is None:
        return [(visit, payment.amount)]
    sessions = list(Visit.objects.filter(course_id=visit.course_id).order_by("start_at", "id"))
    rows = list(
        Appointment.objects.filter(visit__course_id=visit.course_id).values_list(
            "visit_id", "offering_id", "price", "currency"
        )
    )
    policies = policies_for(offering_id for _, offering_id, _, _ in rows)
    asked = {session.pk: Decimal(0) for session in sessions}
    for visit_id, offering_id, price, _ in rows:
        asked[visit_id] += policies[offering_id].online_amount(price)
    total = sum(asked.values(), Decimal(0))
    if total <= 0:
        return [(visit, payment.amount)]
    shares = [
        (session, (payment.amount * asked[session.pk] / total).quantize(CENT))
        for session in sessions
    ]
    last, last_share = shares[-1]
    shares[-1] = (last, last_share + payment.amount - sum((s for _, s in shares), Decimal(0)))
    return [(session, share) for session, share in shares if share != 0]


def payment_visit(visit: Visit) -> Visit:
    """The visit a payment for `visit` hangs on: itself, or its course's first session."""
    if visit.course_id is None:
        return visit
    first = Visit.objects.filter(course_id=visit.course_id).order_by("start_at", "id").first()
    return first or visit


def payment_hold_until(
    *, offerings: Iterable[Offering], actor: Actor, now: datetime | None = None
) -> datetime | None:
    """Until when a booking of these massages waits for its payment, or None for no hold.

    A hold only when the booker is a client (not staff: reception books
    by phone and takes the money at the desk), the policies ask for money
    online, and the configured backend takes payments online; with the
    pay-at-studio backend nothing is held.
    """
    if actor.is_staff or not get_backend().takes_online:
        return None
    if not due_for_offerings(offerings).is_due:
        return None
    return (now or timezone.now()) + timedelta(minutes=settings.PAYMENT_HOLD_MINUTES)


def due_at_studio(visit: Visit) -> DueOnline | None:
    """The deposit or prepayment the policy asks, when the backend takes nothing online.

    The confirmation says it is paid at the studio; None when nothing is asked.
    """
    if get_backend().takes_online:
        return None
    due = due_for_visit(visit)
    return due if due.is_due else None


# Two attempts made at the same instant (a clock that does not move, as in
# tests): the one that replaced the other is the newer. A new attempt is
# only made once the last has ended, so a failed or cancelled one comes last.
_ENDED_LAST = Case(
    When(status__in=[Payment.Status.FAILED, Payment.Status.CANCELLED], then=Value(1)),
    default=Value(0),
).asc()


def latest_payment(visit: Visit) -> Payment | None:
    """The visit's newest payment attempt (served by `payments_payment_by_visit`).

    A session of a course reads its course's payment (on the first
    session), not the fee of another session.
    """
    if visit.course_id is not None:
        return (
            Payment.objects.filter(
                visit__course_id=visit.course_id,
                purpose__in=[Payment.Purpose.DEPOSIT, Payment.Purpose.FULL],
            )
            .order_by("-created_at", _ENDED_LAST)
            .first()
        )
    return Payment.objects.filter(visit=visit).order_by("-created_at", _ENDED_LAST).first()


def payment_for_visit(visit: Visit, *, now: datetime | None = None) -> Payment | None:
    """The payment a visit held for its payment is paid with: the newest, or a new one.

    A new one only while the visit is held for its payment and has no
    attempt yet; a booking answered twice (an Idempotency-Key's replay,
    the form sent again) finds the first. None for a visit that asks
    nothing online. Raises PaymentError when the gateway refuses to
    start one (see `start_visit_payment`).
    """
    found = latest_payment(visit)
    if found is not None or not visit.is_awaiting_payment:
        return found
    return start_visit_payment(visit=payment_visit(visit), now=now)


def start_visit_payment(*, visit: Visit, now: datetime | None = None) -> Payment:
    """Start a payment of what the visit's policies ask online; call it after the booking commits.

    The `Payment` row is written first (pending), so its id keys the
    gateway's request: a retry never pays twice. The gateway is called
    outside any transaction; the card is saved for fees later. A
    visit not held for its payment, or one with a payment pending or
    made, gets no new one (returns that one). If the gateway refuses,
    the payment is failed, the visit released at once so its time is
    free again, and PaymentError says why.
    """
    now = now or timezone.now()
    visit = payment_visit(visit)
    payment, is_new = _new_payment(visit, now=now)
    if not is_new:
        return payment
    backend = get_backend()
    try:
        made = backend.create_payment(
            amount=payment.amount,
            currency=payment.currency,
            description=str(payment.get_purpose_display()),
            email=visit.contact_email,
            metadata={"payment": str(payment.pk), "visit": str(visit.pk)},
            save_card=True,
            idempotency_key=f"payment-{payment.pk}",
        )
    except PaymentError as error:
        _payment_not_started(payment, visit, error, now=now)
        raise
    Payment.objects.filter(pk=payment.pk).update(
        gateway_reference=made.reference, client_secret=made.client_secret, updated_at=now
    )
    payment.gateway_reference, payment.client_secret = made.reference, made.client_secret
    return payment


@dataclass(frozen=True)
class Attempt:
    """The payment a new try pays with, and whether it was made now (else the pending one)."""

    payment: Payment
    is_new: bool


def retry_visit_payment(*, visit: Visit, now: datetime | None = None) -> Attempt:
    """A payment to try again with, for a visit still held for its payment (a course's, its own).

    After a declined card the client pays with a new payment. The newest
    attempt is asked of the gateway first (network, outside any
    transaction): one the gateway has declined is failed here with its
    reason, even before its webhook arrives, and a new one is started.
    One still pending (or paid, its webhook on the way) is answered
    again, so calling this twice makes no second gateway payment; and
    `start_visit_payment` locks the visit, so two calls at once make one.
    Raises NotAwaitingPayment for a visit not held for its payment,
    HoldExpired once its hold has run out, and PaymentError when the
    gateway cannot be asked or refuses to start one (the visit is then
    released, as at booking).
    """
    now = now or timezone.now()
    visit = payment_visit(Visit.objects.get(pk=visit.pk))
    _check_still_held(visit, now=now)
    latest = latest_payment(visit)
    if latest is not None and latest.status == Payment.Status.PENDING and latest.gateway_reference:
        reported = get_backend().retrieve(payment_reference=latest.gateway_reference)
        if reported.status != "failed":
            return Attempt(payment=latest, is_new=False)
        _fail(latest, reported.failure_message, now=now)
    if latest is not None and latest.status == Payment.Status.SUCCEEDED:
        return Attempt(payment=latest, is_new=False)
    payment = start_visit_payment(visit=visit, now=now)
    return Attempt(payment=payment, is_new=latest is None or payment.pk != latest.pk)


def _check_still_held(visit: Visit, *, now: datetime) -> None:
    if not visit.is_awaiting_payment:
        raise errors.NotAwaitingPayment()
    if visit.hold_expires_at is not None and visit.hold_expires_at <= now:
        raise booking_errors.HoldExpired()


@transaction.atomic(durable=True)
def _new_payment(visit: Visit, *, now: datetime) -> tuple[Payment, bool]:
    # The visit's row lock: two requests for one visit make one payment.
    visit = Visit.objects.select_for_update().get(pk=visit.pk)
    found = (
        Payment.objects.filter(
            visit=visit, status__in=[Payment.Status.PENDING, Payment.Status.SUCCEEDED]
        )
        .order_by("-created_at")
        .first()
    )
    if found is not None:
        return found, False
    if not visit.is_awaiting_payment:
        raise PaymentError(gettext("This booking waits for no payment."), code="not_awaiting")
    due = due_for_visit(visit)
    payment = Payment.objects.create(
        purpose=due.purpose,
        client_id=visit.client_id,
        visit=visit,
        # What a gift card paid of it already is not asked again by card.
        amount=due.amount - gift_card_paid(visit),
        currency=due.currency,
        backend=get_backend().name,
        created_at=now,
        updated_at=now,
    )
    return payment, True


def _payment_not_started(
    payment: Payment, visit: Visit, error: PaymentError, *, now: datetime
) -> None:
    """The gateway refused to start the payment: fail it and free the visit's time."""
    Payment.objects.filter(pk=payment.pk).update(
        status=Payment.Status.FAILED, failure_message=error.message, updated_at=now
    )
    # Released meanwhile (the hold ran out): nothing left to free.
    with suppress(booking_errors.BookingError):
        cancel_visit(visit=visit, actor=GATEWAY, reason=error.message, now=now, notify=False)


@dataclass(frozen=True)
class CardResult:
    """What paying with the card the browser entered came to, as far as the studio knows now."""

    payment: Payment
    # The gateway wants the browser to finish (3-D Secure): the page
    # hands it the payment's secret; the webhook tells the outcome.
    needs_browser: bool = False


def pay_with_card(
    *, payment: Payment, entry_reference: str, now: datetime | None = None
) -> CardResult:
    """Pay a pending payment with the card the client gave the gateway on a pay page.

    The gateway is asked which card that was (the browser's word is not
    taken) and charges it, outside any transaction. A decline fails the
    payment at once, with the gateway's reason; the visit stays held so
    the client can try another card (a new payment). A success is
    recorded only by its webhook (`handle_webhook`), never here. A
    payment no longer pending, or whose visit no longer waits for it, is
    left as it is. A gift card bought online is paid the same way (its
    webhook completes the purchase). Raises PaymentError when the
    gateway cannot be asked.
    """
    now = now or timezone.now()
    payment = Payment.objects.select_related("visit").get(pk=payment.pk)
    if payment.status != Payment.Status.PENDING:
        return CardResult(payment=payment)
    # A visit's payment only while the visit waits for it; a gift card's at any time.
    if payment.visit is not None and not payment.visit.is_awaiting_payment:
        return CardResult(payment=payment)
    try:
        made = get_backend().pay_with_card_entry(
            payment_reference=payment.gateway_reference, entry_reference=entry_reference
        )
    except PaymentError as error:
        if error.code != "card_declined":
            raise
        _fail(payment, error.message, now=now)
        return CardResult(payment=Payment.objects.get(pk=payment.pk))
    if made.status == "failed":
        _fail(payment, made.failure_message, now=now)
        return CardResult(payment=Payment.objects.get(pk=payment.pk))
    return CardResult(payment=payment, needs_browser=made.status == "pending")


def _fail(payment: Payment, message: str, *, now: datetime) -> None:
    """A pending payment failed, with the gateway's reason (once: only from pending)."""
    Payment.objects.filter(pk=payment.pk, status=Payment.Status.PENDING).update(
        status=Payment.Status.FAILED,
        failure_message=message or gettext("The payment was declined."),
        updated_at=now,
    )


@dataclass(frozen=True)
class Handled:
    """What a webhook event did: `is_new` False for one handled before."""

    kind: str
    is_new: bool
    payment: Payment | None = None


def handle_webhook(*, body: bytes, signature: str, now: datetime | None = None) -> Handled:
    """Handle one signed gateway event, once: record it and act on the payment it reports.

    Raises InvalidSignature (nothing written) for a body the backend
    cannot verify. Each event is recorded once (`GatewayEvent`); a
    second delivery changes nothing. A payment that succeeded gets its
    ledger row (deposit or charge, online, the gateway's reference),
    its card saved for fees (read from the gateway before the
    transaction), and confirms the visit held for it; if the hold had
    run out (the visit released, or the client cancelled), the payment
    is refunded through the gateway and the refund written, and the
    client reads why. A failed payment keeps its reason, and the visit
    stays held until its hold runs out so the client can try another
    card. Raises PaymentError when the refund cannot be made now (the
    gateway sends the event again; the refund is tried again then).
    """
    now = now or timezone.now()
    backend = get_backend()
    event = backend.parse_webhook(body=body, signature=signature)
    reported = event.payment
    payment = (
        Payment.objects.filter(backend=backend.name, gateway_reference=reported.reference).first()
        if reported is not None
        else None
    )
    is_seen = GatewayEvent.objects.filter(
        backend=backend.name, event_reference=event.reference
    ).exists()
    card = None
    if event.kind == SUCCEEDED and payment is not None and not is_seen:
        card = _card_of(payment)
    is_new = _record_event(
        backend_name=backend.name,
        reference=event.reference,
        kind=event.kind,
        payment=payment,
        reported=reported,
        card=card,
        now=now,
    )
    if payment is not None and event.kind == SUCCEEDED:
        refund_unplaced_payment(payment=payment, now=now)
        payment.refresh_from_db()
    return Handled(kind=event.kind, is_new=is_new, payment=payment)


def _card_of(payment: Payment) -> GatewayPayment | None:
    """The card the payment saved, from the gateway (network: before the transaction)."""
    try:
        return get_backend().retrieve(payment_reference=payment.gateway_reference)
    except PaymentError:
        # The payment counts all the same; only a fee later has no card.
        logger.warning("payments: the card of payment %s could not be read", payment.pk)
        return None


@transaction.atomic(durable=True)
def _record_event(
    *,
    backend_name: str,
    reference: str,
    kind: str,
    payment: Payment | None,
    reported: GatewayPayment | None,
    card: GatewayPayment | None,
    now: datetime,
) -> bool:
    try:
        with transaction.atomic():
            GatewayEvent.objects.create(
                backend=backend_name, event_reference=reference, kind=kind[:64], received_at=now
            )
    except IntegrityError:
        return False
    if payment is None:
        return True
    # The payment's row lock: two events about one payment take turns.
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    if kind == SUCCEEDED:
        _payment_succeeded(payment, card, now=now)
    elif kind == FAILED:
        _fail(payment, reported.failure_message if reported else "", now=now)
    return True


def _payment_succeeded(payment: Payment, card: GatewayPayment | None, *, now: datetime) -> None:
    """Mark it paid, write the money in, keep the card, confirm the visit held for it.

    A package or a gift card bought online is completed by its own
    service instead, which writes its sale (not a deposit) once, whether
    the webhook or the buyer's return page comes first.
    """
    if payment.purpose == Payment.Purpose.PACKAGE:
        packages.complete_package_purchase(payment=payment, now=now)
        return
    if payment.purpose == Payment.Purpose.GIFT_CARD:
        with suppress(errors.NotPayable):
            gift_cards.complete_gift_card_purchase(payment=payment, now=now)
        return
    if payment.status == Payment.Status.SUCCEEDED:
        return
    # Whatever the studio thought (failed, or cancelled by the sweep in a
    # race with the client's last click), the gateway has the money.
    payment.status = Payment.Status.SUCCEEDED
    payment.failure_message = ""
    payment.updated_at = now
    payment.save(update_fields=["status", "failure_message", "updated_at"])
    kind = Entry.Kind.CHARGE if payment.purpose == Payment.Purpose.FULL else Entry.Kind.DEPOSIT
    _record_shares(payment, kind=kind, sign=1, reference=payment.gateway_reference, now=now)
    if card is not None and card.method_reference:
        SavedCard.objects.get_or_create(
            backend=payment.backend,
            method_reference=card.method_reference,
            defaults={
                "client_id": payment.client_id,
                "customer_reference": card.customer_reference,
                "brand": card.card_brand,
                "last4": card.card_last4,
                "created_at": now,
            },
        )
    if payment.visit is None:
        return
    lead = Appointment.objects.filter(visit=payment.visit).order_by("start_at", "id").first()
    if lead is None or _is_paid_before(payment):
        return
    # Released (the hold ran out) or cancelled: `refund_unplaced_payment` gives it back.
    with suppress(booking_errors.BookingError):
        confirm_held_visit(appointment=lead, actor=GATEWAY, now=now, for_payment=True)


def _record_shares(
    payment: Payment, *, kind: str, sign: int, reference: str, now: datetime, note: str = ""
) -> None:
    """The payment's ledger rows: one per visit it pays for (`shares_of`), in one transaction.

    The first row carries the gateway's reference (written once per
    kind, `payments_entry_unique_reference`); the others name the
    payment.
    """
    for number, (visit, share) in enumerate(shares_of(payment)):
        record_entry(
            movement=Movement(
                kind=kind,
                method=Entry.Method.ONLINE,
                amount=sign * share,
                currency=payment.currency,
            ),
            actor=GATEWAY,
            client=payment.client,
            visit=visit,
            payment=payment,
            gateway_reference=reference if number == 0 else "",
            note=note,
            now=now,
        )


def _is_paid_before(payment: Payment) -> bool:
    """Whether another payment already paid for the payment's visit."""
    return (
        Payment.objects.filter(visit=payment.visit, status=Payment.Status.SUCCEEDED)
        .exclude(pk=payment.pk)
        .filter(created_at__lte=payment.created_at)
        .exists()
    )


# The visit statuses a payment for it was taken in: confirmed by it, and after.
_PAID_FOR = frozenset({Visit.Status.CONFIRMED, Visit.Status.COMPLETED, Visit.Status.NO_SHOW})


def _is_unplaced(payment: Payment) -> bool:
    """A payment that succeeded for a visit it could not confirm, and not refunded yet."""
    if payment.status != Payment.Status.SUCCEEDED or payment.visit is None:
        return False
    if payment.purpose not in (Payment.Purpose.DEPOSIT, Payment.Purpose.FULL):
        return False
    # A visit the payment confirmed (its hold ended) was placed, even if
    # cancelled since: the cancellation's settlement decides what comes
    # back, not a webhook delivered again.
    was_confirmed = payment.visit.status in _PAID_FOR or payment.visit.hold_expires_at is None
    is_placed = was_confirmed and not _is_paid_before(payment)
    is_refunded = Entry.objects.filter(payment=payment, kind=Entry.Kind.REFUND).exists()
    return not is_placed and not is_refunded


def refund_unplaced_payment(*, payment: Payment, now: datetime | None = None) -> bool:
    """Give back a payment that came for a visit it could not confirm; whether it did.

    The hold had run out (the time released, perhaps booked by someone
    else) or the visit was cancelled, or another payment had paid for
    it. The gateway refunds the whole amount (network, outside the
    transaction, keyed by the payment so a retry refunds once); the
    ledger gets the refund row, and the payment says why for the client.
    Doing it again does nothing. Raises PaymentError when the gateway
    cannot refund now.
    """
    now = now or timezone.now()
    payment = Payment.objects.select_related("visit").get(pk=payment.pk)
    if not _is_unplaced(payment):
        return False
    refund = get_backend().refund(
        payment_reference=payment.gateway_reference,
        amount=payment.amount,
        currency=payment.currency,
        idempotency_key=f"refund-{payment.pk}",
    )
    return _record_refund(payment, refund_reference=refund.reference, now=now)


@transaction.atomic(durable=True)
def _record_refund(payment: Payment, *, refund_reference: str, now: datetime) -> bool:
    payment = (
        Payment.objects.select_for_update(of=("self",)).select_related("visit").get(pk=payment.pk)
    )
    if not _is_unplaced(payment):
        return False
    _record_shares(
        payment,
        kind=Entry.Kind.REFUND,
        sign=-1,
        reference=refund_reference,
        note="hold expired",
        now=now,
    )
    language = payment.visit.language if payment.visit else settings.LANGUAGE_CODE
    with translation.override(language):
        payment.failure_message = gettext(
            "The payment arrived after the booking's hold ran out, so the time was released "
            "and the payment refunded. Please book again."
        )
    payment.updated_at = now
    payment.save(update_fields=["failure_message", "updated_at"])
    return True


def cancel_released_payments(*, now: datetime | None = None, limit: int = CANCEL_BATCH) -> int:
    """Cancel at the gateway the pending payments of visits that were released; how many.

    Beat runs it every minute after `release_expired_holds`: a released
    visit's payment form must not take money any more. Only pending rows
    are read (the partial index `payments_payment_pending`). Each is
    cancelled at the gateway outside any transaction, then marked
    cancelled only if still pending, so a run twice, or a webhook in
    between, is harmless; one the client paid meanwhile is left to its
    webhook, which refunds it.
    """
    now = now or timezone.now()
    released = list(
        Payment.objects.filter(
            status=Payment.Status.PENDING, visit__status=Visit.Status.CANCELLED
        ).order_by("created_at")[:limit]
    )
    backend = get_backend()
    cancelled = 0
    for payment in released:
        if payment.gateway_reference:
            try:
                backend.cancel(payment_reference=payment.gateway_reference)
            except PaymentError:
                logger.warning("payments: payment %s could not be cancelled yet", payment.pk)
                continue
        cancelled += Payment.objects.filter(pk=payment.pk, status=Payment.Status.PENDING).update(
            status=Payment.Status.CANCELLED, updated_at=now
        )
    return cancelled
