"""A gift card pays a visit held for its payment, whole or in part; cancelled, it comes back.

Against localstripe through the official SDK (the pending card payment
is really cancelled there) and the real database.
"""

from datetime import timedelta
from decimal import Decimal

import pytest

from booking.models import Visit
from booking.services import Actor, cancel_visit, release_expired_holds
from payments import errors
from payments.models import Entry, GiftCard, Payment, PaymentPolicy, Settlement
from payments.selectors import gift_card_balance, visit_balance
from payments.services import online, settle_cancellation, settle_missed_cancellations
from payments.services.gift_card_holds import pay_hold_with_gift_card
from tests.booking.conftest import NOW, TUESDAY, at
from tests.factories import sold_gift_card
from tests.payments.conftest import gateway
from tests.payments.test_online import book_online, handle, pay

pytestmark = pytest.mark.django_db

D = Decimal
GUEST = Actor.guest()
SETTLER = Actor(label="test")


@pytest.fixture
def held(stripe_backend, deposit_policy, classical, anna, two_rooms) -> Visit:
    """A classical foot massage (35 €) held for its 7 € deposit, its card payment started."""
    visit = book_online(classical, at(TUESDAY, "10:00"))
    online.start_visit_payment(visit=visit, now=NOW)
    return visit


def ledger(visit: Visit) -> list[tuple[str, str, Decimal]]:
    rows = Entry.objects.filter(visit=visit).order_by("created_at", "id")
    return list(rows.values_list("kind", "method", "amount"))


def pending(visit: Visit) -> Payment:
    return Payment.objects.get(visit=visit, status=Payment.Status.PENDING)


def test_a_gift_card_pays_part_and_the_rest_is_asked_by_card(held):
    first = pending(held)
    card, code = sold_gift_card("5.00")

    paid = pay_hold_with_gift_card(visit=held, code=code, actor=GUEST, now=NOW)

    assert (paid.entry.amount, paid.left, paid.is_confirmed) == (D("5.00"), D("2.00"), False)
    assert Visit.objects.get(pk=held.pk).status == Visit.Status.HELD
    assert gift_card_balance(card) == D("0.00")
    assert ledger(held) == [("gift_card_redemption", "gift_card", D("5.00"))]
    # The first card payment (7 €) can no longer be paid, at the gateway either.
    assert Payment.objects.get(pk=first.pk).status == Payment.Status.CANCELLED
    intent = gateway().v1.payment_intents.retrieve(first.gateway_reference)
    assert intent.status == "canceled"
    rest = pending(held)
    assert paid.payment == rest
    assert rest.amount == D("2.00")
    intent = gateway().v1.payment_intents.retrieve(rest.gateway_reference)
    assert intent.amount == 200


def test_the_rest_paid_by_card_confirms_the_visit(held):
    _card, code = sold_gift_card("5.00")
    rest = pay_hold_with_gift_card(visit=held, code=code, actor=GUEST, now=NOW).payment
    assert rest is not None

    pay(rest)
    handle(online.SUCCEEDED, rest)

    assert Visit.objects.get(pk=held.pk).status == Visit.Status.CONFIRMED
    assert ledger(held) == [
        ("gift_card_redemption", "gift_card", D("5.00")),
        ("deposit", "online", D("2.00")),
    ]
    balance = visit_balance(held)
    assert (balance.price, balance.paid, balance.due) == (D("35.00"), D("7.00"), D("28.00"))


def test_a_gift_card_that_covers_it_all_confirms_the_visit_at_once(held):
    first = pending(held)
    card, code = sold_gift_card("50.00")

    paid = pay_hold_with_gift_card(visit=held, code=code, actor=GUEST, now=NOW)

    assert (paid.entry.amount, paid.left, paid.is_confirmed) == (D("7.00"), D("0.00"), True)
    assert paid.payment is None
    assert Visit.objects.get(pk=held.pk).status == Visit.Status.CONFIRMED
    assert gift_card_balance(card) == D("43.00")
    assert ledger(held) == [("gift_card_redemption", "gift_card", D("7.00"))]
    assert list(Payment.objects.filter(visit=held).values_list("pk", "status")) == [
        (first.pk, Payment.Status.CANCELLED)
    ]


def test_a_wrong_code_spends_nothing_and_leaves_the_card_payment_as_it_was(held):
    first = pending(held)

    with pytest.raises(errors.UnknownGiftCard):
        pay_hold_with_gift_card(visit=held, code="AAAA-BBBB-CCCC-DDDD", actor=GUEST, now=NOW)

    assert not Entry.objects.filter(visit=held).exists()
    assert pending(held) == first
    assert gateway().v1.payment_intents.retrieve(first.gateway_reference).status != "canceled"


def test_an_expired_gift_card_is_refused(held):
    card, code = sold_gift_card("50.00")
    GiftCard.objects.filter(pk=card.pk).update(expires_at=NOW - timedelta(days=1))

    with pytest.raises(errors.GiftCardExpired):
        pay_hold_with_gift_card(visit=held, code=code, actor=GUEST, now=NOW)

    assert pending(held).amount == D("7.00")


def test_an_empty_gift_card_is_refused(held, classical):
    _card, code = sold_gift_card("7.00")
    pay_hold_with_gift_card(visit=held, code=code, actor=GUEST, now=NOW)
    other = book_online(classical, at(TUESDAY, "12:00"))
    online.start_visit_payment(visit=other, now=NOW)

    with pytest.raises(errors.GiftCardEmpty):
        pay_hold_with_gift_card(visit=other, code=code, actor=GUEST, now=NOW)


def test_a_confirmed_visit_takes_no_gift_card(held):
    _card, code = sold_gift_card("50.00")
    pay_hold_with_gift_card(visit=held, code=code, actor=GUEST, now=NOW)

    with pytest.raises(errors.NotAwaitingPayment):
        pay_hold_with_gift_card(visit=held, code=code, actor=GUEST, now=NOW)
    assert Entry.objects.filter(visit=held).count() == 1


def test_a_cancellation_in_time_gives_the_money_back_to_the_gift_card(held):
    card, code = sold_gift_card("50.00")
    pay_hold_with_gift_card(visit=held, code=code, actor=GUEST, now=NOW)
    cancel_visit(visit=held, actor=GUEST, now=NOW)

    settlement = settle_cancellation(visit=held, actor=SETTLER, now=NOW)

    assert settlement is not None
    assert settlement.outcome == Settlement.Outcome.REFUNDED
    # Nothing went back to a bank card.
    assert settlement.refunded == D("0.00")
    assert ledger(held) == [
        ("gift_card_redemption", "gift_card", D("7.00")),
        ("gift_card_redemption", "gift_card", D("-7.00")),
    ]
    assert gift_card_balance(card) == D("50.00")
    assert settle_cancellation(visit=held, actor=SETTLER, now=NOW) == settlement
    assert gift_card_balance(card) == D("50.00")


def test_a_cancellation_in_time_refunds_the_card_part_and_gives_the_rest_to_the_gift_card(held):
    card, code = sold_gift_card("5.00")
    rest = pay_hold_with_gift_card(visit=held, code=code, actor=GUEST, now=NOW).payment
    assert rest is not None
    pay(rest)
    handle(online.SUCCEEDED, rest)
    cancel_visit(visit=held, actor=GUEST, now=NOW)

    settlement = settle_cancellation(visit=held, actor=SETTLER, now=NOW)

    assert settlement is not None and settlement.refunded == D("2.00")
    assert ledger(held) == [
        ("gift_card_redemption", "gift_card", D("5.00")),
        ("deposit", "online", D("2.00")),
        ("refund", "online", D("-2.00")),
        ("gift_card_redemption", "gift_card", D("-5.00")),
    ]
    assert gift_card_balance(card) == D("5.00")


def test_a_late_cancellation_keeps_the_gift_card_money_against_the_fee(held, staff):
    PaymentPolicy.objects.update(late_cancel_fee_percent=50)
    card, code = sold_gift_card("50.00")
    pay_hold_with_gift_card(visit=held, code=code, actor=GUEST, now=NOW)
    late = at(TUESDAY, "09:00")
    cancel_visit(visit=held, actor=staff, now=late)

    settlement = settle_cancellation(visit=held, actor=SETTLER, now=late)

    # The fee is 17.50: the 7 € of the gift card are kept against it; no
    # card is saved, so the other 10.50 are owed at the desk.
    assert settlement is not None
    assert (settlement.outcome, settlement.fee) == (Settlement.Outcome.FEE_OWED, D("17.50"))
    assert ledger(held) == [
        ("gift_card_redemption", "gift_card", D("7.00")),
        ("gift_card_redemption", "gift_card", D("-7.00")),
        ("fee", "gift_card", D("7.00")),
    ]
    assert gift_card_balance(card) == D("43.00")


def test_a_hold_that_runs_out_gives_the_gift_card_money_back(held):
    card, code = sold_gift_card("5.00")
    pay_hold_with_gift_card(visit=held, code=code, actor=GUEST, now=NOW)
    after = NOW + timedelta(hours=1)
    release_expired_holds(now=after)

    assert settle_missed_cancellations(actor=SETTLER, now=after) == 1

    assert Visit.objects.get(pk=held.pk).status == Visit.Status.CANCELLED
    assert gift_card_balance(card) == D("5.00")
    assert Settlement.objects.get(visit=held).outcome == Settlement.Outcome.REFUNDED
    assert settle_missed_cancellations(actor=SETTLER, now=after) == 0
