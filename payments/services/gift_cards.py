"""Gift cards: sold at the desk or online, spent whole or in part on visits.

A code is 16 characters from an alphabet without look-alikes (no I, O,
0, 1): 32^16 = 2^80 codes, so one cannot be guessed, and the tries of
codes are limited besides (`limit_code_tries`). The database keeps only
a keyed hash of the code (HMAC-SHA256 with a key derived from
SECRET_KEY for this use alone) and its last four characters for staff:
a copy of the database does not give the codes away. The code exists in
the clear only while it is made: the desk's page shows it once, the
buyer's page after paying shows it once, and the e-mail to the buyer
(and the recipient) carries it.

The balance is the ledger's: the sale's amount less each spend
(`selectors.gift_card_balance`). A spend locks the card's row first,
so two desks spending one card at once never take more than it holds.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from decimal import Decimal
from functools import partial

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from booking import errors as booking_errors
from booking.models import Client, Visit
from booking.services import Actor
from booking.services.clients import ClientDetails, client_for_booking
from booking.services.limits import booked_from_key
from payments import errors
from payments.backends import get_backend
from payments.backends.base import PaymentError
from payments.codes import CODE_LENGTH, code_hash, new_code, normalise_code
from payments.models import Entry, GiftCard, Payment
from payments.notifications import write_receipt
from payments.receipts import enqueue_gift_card_code
from payments.selectors import gift_card_balance, visit_balance
from payments.services.ledger import Movement, record_entry
from studio.throttling import Window, count_hit, give_back

HOUR = 3600

# What the desk takes for a gift card (online is the gateway's).


def find_gift_card(code: str) -> GiftCard | None:
    """The gift card with this code (typed in any case, with or without dashes), or None."""
    normalised = normalise_code(code)
    if len(normalised) != CODE_LENGTH:
        return None
    return GiftCard.objects.filter(code_hash=code_hash(normalised)).first()


@contextmanager
def limit_code_tries(*, ip: str, session_key: str, now: datetime | None = None) -> Iterator[None]:
    """Count a try of a gift card code; the block looks the code up.

    Each try counts, per address (`GIFT_CARD_TRIES_PER_HOUR_PER_IP`, an
    IPv6 client by its /64) and per browser session
    (`GIFT_CARD_TRIES_PER_HOUR_PER_SESSION`), by one atomic increment on
    the shared cache before the block runs, so parallel requests cannot
    pass more tries than the limit between them. A try whose code was a
    card's (the block did not raise UnknownGiftCard) is given back: only
    wrong codes use up the allowance. Over the limit: RateLimited (429)
    with the seconds until the hour's window ends.
    """
    now = now or timezone.now()
    window = Window.around(now.timestamp(), HOUR)
    counted = [
        ("ip", booked_from_key(ip), settings.GIFT_CARD_TRIES_PER_HOUR_PER_IP),
        ("session", session_key, settings.GIFT_CARD_TRIES_PER_HOUR_PER_SESSION),
    ]
    taken: list[str] = []
    for name, ident, allowance in counted:
        if allowance <= 0 or not ident:
            continue
        key = window.key(f"limits:gift_card:{name}:{ident}")
        taken.append(key)
        if count_hit(key, timeout=2 * HOUR) > allowance:
            for done in taken:
                give_back(done)
            seconds = window.seconds_left(now.timestamp())
            raise booking_errors.RateLimited(_too_many_tries(seconds), retry_after=seconds)
    try:
        yield
    except errors.UnknownGiftCard:
        raise
    except BaseException:
        for key in taken:
            give_back(key)
        raise
    for key in taken:
        give_back(key)


def _too_many_tries(seconds: int) -> str:
    minutes = max(1, -(-seconds // 60))
    return ngettext(
        "Too many gift card codes were tried. Please try again in %(minutes)d minute.",
        "Too many gift card codes were tried. Please try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


def usable_gift_card(code: str, *, now: datetime) -> GiftCard:
    """The card with this code if it can be spent now; raises the reason it cannot."""
    card = find_gift_card(code)
    if card is None:
        raise errors.UnknownGiftCard()
    check_usable(card, now=now)
    return card


def lock_usable_gift_card(code: str, *, now: datetime) -> GiftCard:
    """The card of `code`, its row locked, if it can be spent now; raises why it cannot.

    Inside the caller's transaction, after the visit's row (always in
    that order), so two spends of one card take turns.
    """
    normalised = normalise_code(code)
    card = (
        GiftCard.objects.select_for_update().filter(code_hash=code_hash(normalised)).first()
        if len(normalised) == CODE_LENGTH
        else None
    )
    if card is None:
        raise errors.UnknownGiftCard()
    check_usable(card, now=now)
    return card


def check_usable(card: GiftCard, *, now: datetime) -> None:
    """Raise why the card cannot be spent now: unpaid, expired or empty."""
    if not card.is_paid:
        raise errors.GiftCardUnpaid()
    if card.expires_at <= now:
        raise errors.GiftCardExpired()
    if gift_card_balance(card) <= 0:
        raise errors.GiftCardEmpty()


def _new_card(
    *,
    amount: Decimal,
    currency: str,
    buyer: Client | None,
    recipient_name: str,
    recipient_email: str,
    message: str,
    language: str,
    is_paid: bool,
    now: datetime,
) -> tuple[GiftCard, str]:
    if amount <= 0:
        raise errors.InvalidAmount()
    code = new_code()
    card = GiftCard.objects.create(
        code_hash=code_hash(code),
        code_last4=code[-4:],
        amount=amount,
        currency=currency,
        bought_by=buyer,
        recipient_name=recipient_name,
        recipient_email=recipient_email,
        message=message,
        language=language,
        is_paid=is_paid,
        created_at=now,
        expires_at=now + timedelta(days=settings.GIFT_CARD_VALID_DAYS),
    )
    return card, code


@transaction.atomic(durable=True)
def sell_gift_card_at_desk(
    *,
    amount: Decimal,
    currency: str,
    buyer: Client | None,
    recipient_name: str,
    recipient_email: str,
    message: str,
    language: str,
    method: str,
    actor: Actor,
    now: datetime | None = None,
) -> tuple[GiftCard, str]:
    """Sell a gift card paid at the desk (cash or card on the terminal); returns it and its code.

    The card is paid at once: one `gift_card_sale` row in the ledger.
    The code is returned for the desk to show once; after the commit
    the buyer (if they have an e-mail) gets a receipt, and the recipient
    (if an e-mail is given) the code. Raises InvalidAmount for an amount
    of zero or less, InvalidMethod for a method the desk does not take.
    """
    if method not in Entry.DESK_METHODS:
        raise errors.InvalidMethod()
    now = now or timezone.now()
    card, code = _new_card(
        amount=amount,
        currency=currency,
        buyer=buyer,
        recipient_name=recipient_name,
        recipient_email=recipient_email,
        message=message,
        language=language,
        is_paid=True,
        now=now,
    )
    entry = record_entry(
        movement=Movement(
            kind=Entry.Kind.GIFT_CARD_SALE, method=method, amount=amount, currency=currency
        ),
        actor=actor,
        client=buyer,
        gift_card=card,
        now=now,
    )
    _after_commit_send(entry=entry, card=card, code=code, to_buyer=False)
    return card, code


def start_gift_card_purchase(
    *,
    amount: Decimal,
    currency: str,
    buyer_name: str,
    buyer_email: str,
    recipient_name: str,
    recipient_email: str,
    message: str,
    language: str,
    now: datetime | None = None,
) -> Payment:
    """Begin a gift card bought online: an unpaid card, its Payment and the gateway's payment.

    The card and the Payment (purpose gift_card) are written in one
    transaction, the gateway is asked outside it (STYLE.md: no network
    inside a transaction), then the gateway's reference and client
    secret are stored. The buyer is the client with that e-mail (a new
    record if none; an existing one is never changed). The card has no
    usable code until `complete_gift_card_purchase`: the code is made
    when the payment succeeds. Raises PaymentError when the gateway
    refuses (the Payment is then failed) or takes nothing online.
    """
    now = now or timezone.now()
    backend = get_backend()
    if not backend.takes_online:
        raise PaymentError(gettext("Gift cards are sold at the studio."), code="not_online")
    payment = _open_purchase(
        amount=amount,
        currency=currency,
        buyer_name=buyer_name,
        buyer_email=buyer_email,
        recipient_name=recipient_name,
        recipient_email=recipient_email,
        message=message,
        language=language,
        now=now,
    )
    try:
        gateway = backend.create_payment(
            amount=amount,
            currency=currency,
            description=gettext("Gift card"),
            email=buyer_email,
            metadata={"studio_payment": str(payment.pk), "purpose": Payment.Purpose.GIFT_CARD},
            save_card=False,
            idempotency_key=f"gift-card-{payment.pk}",
        )
    except PaymentError as error:
        Payment.objects.filter(pk=payment.pk).update(
            status=Payment.Status.FAILED, failure_message=error.message, updated_at=now
        )
        raise
    payment.gateway_reference = gateway.reference
    payment.client_secret = gateway.client_secret
    payment.save(update_fields=["gateway_reference", "client_secret"])
    return payment


@transaction.atomic(durable=True)
def _open_purchase(
    *,
    amount: Decimal,
    currency: str,
    buyer_name: str,
    buyer_email: str,
    recipient_name: str,
    recipient_email: str,
    message: str,
    language: str,
    now: datetime,
) -> Payment:
    buyer = client_for_booking(
        details=ClientDetails(name=buyer_name, email=buyer_email, phone=""),
        actor=Actor.guest(),
        now=now,
        language=language,
    )
    # The code of an unpaid card is never given out: a placeholder
    # hash (random, matching no code anyone holds) until it is paid.
    card, _code = _new_card(
        amount=amount,
        currency=currency,
        buyer=buyer,
        recipient_name=recipient_name,
        recipient_email=recipient_email,
        message=message,
        language=language,
        is_paid=False,
        now=now,
    )
    return Payment.objects.create(
        purpose=Payment.Purpose.GIFT_CARD,
        client=buyer,
        gift_card=card,
        amount=amount,
        currency=currency,
        backend=get_backend().name,
        created_at=now,
        updated_at=now,
    )


# Not durable: the gateway's webhook completes it inside its own transaction.
@transaction.atomic
def complete_gift_card_purchase(
    *, payment: Payment, gateway_reference: str = "", now: datetime | None = None
) -> str | None:
    """Mark a gift card bought online paid, once its payment succeeded; returns its code.

    Called by the gateway's webhook (by `Payment.purpose` gift_card) and
    by the buyer's page after paying, which first asks the gateway
    whether the payment succeeded (`backend.retrieve`): whichever comes
    first completes it. The Payment row is locked, so the card is paid,
    its code made and its `gift_card_sale` row written exactly once;
    the later caller gets None (the code was made and sent already).
    After the commit the buyer gets the code and a receipt by e-mail,
    and the recipient the code. Raises NotPayable for a payment that is
    not a gift card's or was cancelled or failed.
    """
    now = now or timezone.now()
    locked = (
        Payment.objects.select_for_update(of=("self",))
        .select_related("gift_card", "client")
        .get(pk=payment.pk)
    )
    if locked.purpose != Payment.Purpose.GIFT_CARD or locked.gift_card is None:
        raise errors.NotPayable()
    if locked.status == Payment.Status.SUCCEEDED:
        return None
    if locked.status != Payment.Status.PENDING:
        raise errors.NotPayable()
    card = locked.gift_card
    code = new_code()
    card.code_hash = code_hash(code)
    card.code_last4 = code[-4:]
    card.is_paid = True
    # Valid from the day it is paid.
    card.expires_at = now + timedelta(days=settings.GIFT_CARD_VALID_DAYS)
    card.save(update_fields=["code_hash", "code_last4", "is_paid", "expires_at"])
    locked.status = Payment.Status.SUCCEEDED
    locked.updated_at = now
    locked.save(update_fields=["status", "updated_at"])
    entry = record_entry(
        movement=Movement(
            kind=Entry.Kind.GIFT_CARD_SALE,
            method=Entry.Method.ONLINE,
            amount=locked.amount,
            currency=locked.currency,
        ),
        actor=Actor(label="gateway"),
        client=locked.client,
        payment=locked,
        gift_card=card,
        gateway_reference=gateway_reference or locked.gateway_reference,
        now=now,
    )
    _after_commit_send(entry=entry, card=card, code=code, to_buyer=True)
    return code


@transaction.atomic(durable=True)
def fail_gift_card_purchase(*, payment: Payment, reason: str, now: datetime | None = None) -> None:
    """The gateway says the payment failed: the Payment is marked failed, the card stays unpaid."""
    Payment.objects.filter(pk=payment.pk, status=Payment.Status.PENDING).update(
        status=Payment.Status.FAILED, failure_message=reason, updated_at=now or timezone.now()
    )


@transaction.atomic(durable=True)
def spend_gift_card(
    *,
    code: str,
    visit: Visit,
    amount: Decimal | None = None,
    actor: Actor,
    now: datetime | None = None,
) -> Entry:
    """Spend a gift card on a visit: by default its whole balance, up to what is due.

    Locks the visit, then the card (always in that order, as the desk
    payments do), so neither two spends of one card nor two payments of
    one visit can overdraw. Raises UnknownGiftCard, GiftCardUnpaid,
    GiftCardExpired, GiftCardEmpty, WrongCurrency, NothingDue,
    InvalidAmount, GiftCardTooLittle (more than the balance) or
    MoreThanDue. Writes one `gift_card_redemption` row; after the commit
    the client gets a receipt.
    """
    now = now or timezone.now()
    Visit.objects.select_for_update(of=("self",)).filter(pk=visit.pk).first()
    card = lock_usable_gift_card(code, now=now)
    balance = gift_card_balance(card)
    owed = visit_balance(visit)
    if owed.currency != card.currency:
        raise errors.WrongCurrency()
    if owed.due <= 0:
        raise errors.NothingDue()
    if amount is None:
        amount = min(balance, owed.due)
    if amount <= 0:
        raise errors.InvalidAmount()
    if amount > balance:
        raise errors.GiftCardTooLittle(
            gettext("The gift card holds only %(balance)s.") % {"balance": balance}
        )
    if amount > owed.due:
        raise errors.MoreThanDue()
    entry = record_entry(
        movement=Movement(
            kind=Entry.Kind.GIFT_CARD_REDEMPTION,
            method=Entry.Method.GIFT_CARD,
            amount=amount,
            currency=card.currency,
        ),
        actor=actor,
        visit=visit,
        gift_card=card,
        now=now,
    )
    write_receipt(entry)
    return entry


def _after_commit_send(*, entry: Entry, card: GiftCard, code: str, to_buyer: bool) -> None:
    write_receipt(entry)
    recipients = []
    if to_buyer and card.bought_by is not None and card.bought_by.email:
        recipients.append(card.bought_by.email)
    if card.recipient_email and card.recipient_email not in recipients:
        recipients.append(card.recipient_email)
    if recipients:
        transaction.on_commit(partial(enqueue_gift_card_code, str(card.pk), code, recipients))
