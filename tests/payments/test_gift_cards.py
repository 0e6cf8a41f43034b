"""Gift cards: sold at the desk, spent whole or in part, refused when they cannot be spent."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail

from booking.errors import RateLimited
from booking.services import Actor
from payments import errors
from payments.codes import ALPHABET, CODE_LENGTH, code_hash, format_code
from payments.models import Entry, GiftCard
from payments.selectors import gift_card_balance, visit_balance
from payments.services import limit_code_tries, spend_gift_card
from payments.services.gift_cards import find_gift_card
from tests.booking.conftest import NOW
from tests.factories import sold_gift_card

pytestmark = pytest.mark.django_db

DESK = Actor(label="desk", is_staff=True)


def sell(amount: str = "50.00", **fields) -> tuple[GiftCard, str]:
    return sold_gift_card(amount, now=fields.pop("now", NOW), **fields)


def test_a_card_sold_at_the_desk_is_one_sale_in_the_ledger_and_holds_its_amount():
    card, _code = sell("50.00", method="card_terminal")

    [entry] = Entry.objects.filter(gift_card=card)
    assert (entry.kind, entry.method, entry.amount) == ("gift_card_sale", "card_terminal", 50)
    assert gift_card_balance(GiftCard.objects.get(pk=card.pk)) == Decimal("50.00")
    assert GiftCard.objects.get(pk=card.pk).expires_at == NOW + timedelta(days=3 * 365)


def test_the_database_keeps_only_the_codes_keyed_hash_and_last_four():
    card, code = sell()

    stored = GiftCard.objects.get(pk=card.pk)
    assert len(code) == CODE_LENGTH and set(code) <= set(ALPHABET)
    assert stored.code_hash == code_hash(code) != code
    assert code not in stored.code_hash
    assert stored.code_last4 == code[-4:]


def test_a_code_is_found_however_it_is_typed():
    card, code = sell()

    typed = " " + format_code(code).lower().replace("-", " - ") + " "

    assert find_gift_card(typed) == card


def test_the_recipient_gets_the_code_by_e_mail(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _card, code = sell(recipient_email="olga@example.com")

    [message] = mail.outbox
    assert message.to == ["olga@example.com"]
    assert format_code(code) in message.body


def test_a_partial_spend_leaves_the_rest_then_the_rest_is_spent(booked):
    card, code = sell("20.00")

    spend_gift_card(code=code, visit=booked.visit, amount=Decimal("5.00"), actor=DESK, now=NOW)
    assert gift_card_balance(card) == Decimal("15.00")

    entry = spend_gift_card(code=code, visit=booked.visit, actor=DESK, now=NOW)

    assert entry.amount == Decimal("15.00")
    assert (entry.kind, entry.method) == ("gift_card_redemption", "gift_card")
    assert gift_card_balance(card) == Decimal("0.00")
    assert visit_balance(booked.visit).due == booked.price - Decimal("20.00")


def test_a_spend_takes_no_more_than_what_is_due(booked):
    card, code = sell("500.00")

    entry = spend_gift_card(code=code, visit=booked.visit, actor=DESK, now=NOW)

    assert entry.amount == booked.price
    assert visit_balance(booked.visit).due == 0
    assert gift_card_balance(card) == Decimal("500.00") - booked.price


def test_more_than_the_balance_is_refused(booked):
    card, code = sell("10.00")

    with pytest.raises(errors.GiftCardTooLittle):
        spend_gift_card(code=code, visit=booked.visit, amount=Decimal("10.01"), actor=DESK)

    assert gift_card_balance(card) == Decimal("10.00")


def test_more_than_is_due_is_refused(booked):
    _card, code = sell("500.00")

    with pytest.raises(errors.MoreThanDue):
        spend_gift_card(code=code, visit=booked.visit, amount=booked.price + 1, actor=DESK, now=NOW)


def test_an_empty_card_is_refused(booked, two_rooms):
    _card, code = sell("10.00")
    spend_gift_card(code=code, visit=booked.visit, actor=DESK, now=NOW)

    with pytest.raises(errors.GiftCardEmpty):
        spend_gift_card(code=code, visit=booked.visit, actor=DESK, now=NOW)


def test_an_expired_card_is_refused(booked):
    card, code = sell("50.00")

    with pytest.raises(errors.GiftCardExpired):
        spend_gift_card(
            code=code, visit=booked.visit, actor=DESK, now=card.expires_at + timedelta(seconds=1)
        )

    assert not Entry.objects.filter(kind="gift_card_redemption").exists()


def test_an_unknown_code_is_refused(booked):
    with pytest.raises(errors.UnknownGiftCard) as refused:
        spend_gift_card(code="ABCD-EFGH-JKLM-NPQR", visit=booked.visit, actor=DESK, now=NOW)

    assert refused.value.code == "gift_card_unknown"


def test_an_unpaid_card_is_refused(booked):
    card, code = sell("50.00")
    GiftCard.objects.filter(pk=card.pk).update(is_paid=False)

    with pytest.raises(errors.GiftCardUnpaid):
        spend_gift_card(code=code, visit=booked.visit, actor=DESK, now=NOW)


def test_nothing_is_spent_on_a_visit_paid_in_full(booked):
    _card, code = sell("500.00")
    spend_gift_card(code=code, visit=booked.visit, actor=DESK, now=NOW)

    with pytest.raises(errors.NothingDue):
        spend_gift_card(code=code, visit=booked.visit, actor=DESK, now=NOW)


def test_wrong_codes_are_refused_after_the_allowance(settings):
    settings.GIFT_CARD_TRIES_PER_HOUR_PER_SESSION = 3
    settings.GIFT_CARD_TRIES_PER_HOUR_PER_IP = 100

    def try_code(code: str) -> None:
        with limit_code_tries(ip="203.0.113.5", session_key="s1", now=NOW):
            if find_gift_card(code) is None:
                raise errors.UnknownGiftCard()

    for _ in range(3):
        with pytest.raises(errors.UnknownGiftCard):
            try_code("AAAA-AAAA-AAAA-AAAA")

    with pytest.raises(RateLimited) as refused:
        try_code("AAAA-AAAA-AAAA-AAAB")

    assert refused.value.status_code == 429
    assert refused.value.retry_after > 0


def test_a_right_code_does_not_use_up_the_allowance(settings):
    settings.GIFT_CARD_TRIES_PER_HOUR_PER_SESSION = 2
    card, code = sell()

    for _ in range(5):
        with limit_code_tries(ip="203.0.113.5", session_key="s2", now=NOW):
            assert find_gift_card(code) == card
