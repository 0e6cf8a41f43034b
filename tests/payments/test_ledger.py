"""The ledger: rows written inside a service's transaction, balances as sums."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from booking.services import Actor
from payments.models import ClientPackage, Entry, GiftCard, Package
from payments.selectors import gift_card_balance, sessions_left, visit_balance
from payments.services import record_entry
from payments.services.ledger import Movement
from tests.booking.conftest import NOW

pytestmark = pytest.mark.django_db

DESK = Actor(label="desk")


def _paid(amount: str, kind: str = "desk_payment", method: str = "cash") -> Movement:
    return Movement(kind=kind, method=method, amount=Decimal(amount), currency="EUR")


def test_a_visits_balance_is_its_price_less_what_was_paid(booked):
    visit = booked.visit
    with transaction.atomic():
        record_entry(movement=_paid("10.00", "deposit", "online"), actor=DESK, visit=visit)
        record_entry(movement=_paid("5.00"), actor=DESK, visit=visit)

    balance = visit_balance(visit)

    assert balance.price == booked.price
    assert balance.paid == Decimal("15.00")
    assert balance.due == booked.price - Decimal("15.00")


def test_a_fee_does_not_pay_the_price(booked):
    with transaction.atomic():
        record_entry(movement=_paid("20.00", "fee", "online"), actor=DESK, visit=booked.visit)

    assert visit_balance(booked.visit).paid == Decimal(0)


def test_a_refund_is_a_negative_row(booked):
    with transaction.atomic():
        record_entry(movement=_paid("20.00", "deposit", "online"), actor=DESK, visit=booked.visit)
        record_entry(movement=_paid("-20.00", "refund", "online"), actor=DESK, visit=booked.visit)

    assert visit_balance(booked.visit).paid == Decimal(0)
    assert Entry.objects.filter(visit=booked.visit).count() == 2


def test_a_gateway_reference_is_written_once_per_kind(booked):
    with transaction.atomic():
        record_entry(
            movement=_paid("-5.00", "refund", "online"),
            actor=DESK,
            visit=booked.visit,
            gateway_reference="re_1",
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        record_entry(
            movement=_paid("-5.00", "refund", "online"),
            actor=DESK,
            visit=booked.visit,
            gateway_reference="re_1",
        )


def test_a_row_that_moves_nothing_is_refused(booked):
    with pytest.raises(IntegrityError), transaction.atomic():
        record_entry(movement=_paid("0.00"), actor=DESK, visit=booked.visit)


def test_a_gift_cards_balance_is_its_amount_less_what_was_spent(booked):
    card = GiftCard.objects.create(
        code_hash="h" * 64, code_last4="ABCD", amount=Decimal("50.00"), is_paid=True, expires_at=NOW
    )
    with transaction.atomic():
        for spent in ("20.00", "12.50"):
            record_entry(
                movement=_paid(spent, "gift_card_redemption", "gift_card"),
                actor=DESK,
                visit=booked.visit,
                gift_card=card,
            )

    assert gift_card_balance(card) == Decimal("17.50")


def test_a_packages_sessions_left_count_a_give_back(booked, classical):
    mira = booked.client
    package = Package.objects.create(
        name="Ten classical", offering=classical, sessions=10, price=Decimal("300.00")
    )
    bought = ClientPackage.objects.create(
        client=mira,
        package=package,
        offering=classical,
        sessions=10,
        price=package.price,
        currency="EUR",
        expires_at=NOW,
        is_paid=True,
    )
    with transaction.atomic():
        for sessions in (1, 1, -1):
            record_entry(
                movement=Movement(
                    kind="package_redemption",
                    method="package",
                    amount=Decimal("30.00") * sessions,
                    currency="EUR",
                    sessions=sessions,
                ),
                actor=DESK,
                client=mira,
                client_package=bought,
            )

    assert sessions_left(bought) == 9
