"""The visit page's checkout and the desk's gift cards: reception takes money, therapists may not."""

# ruff: noqa: F811 - the tests take as arguments the fixtures imported from visit_setup

from decimal import Decimal

import pytest
from django.urls import reverse

from payments.models import Entry, GiftCard
from payments.selectors import gift_card_balance, visit_balance
from tests.factories import sold_gift_card
from tests.staff.visit_setup import (  # noqa: F401 - fixtures
    anna,
    anna_web,
    ben,
    booked,
    frozen,
    reception,
    studio_rules,
    two_rooms,
)

pytestmark = pytest.mark.django_db


def checkout_url(appointment) -> str:
    return reverse("staff:visit_checkout", args=[appointment.visit_id])


def test_the_visit_page_offers_what_is_due_as_the_amount(reception, booked):
    page = reception.get(reverse("staff:visit", args=[booked.visit_id])).content.decode()

    assert "Take payment" in page
    assert f'value="{booked.price}"' in page


def test_reception_takes_cash_and_nothing_is_due_after(reception, booked):
    response = reception.post(checkout_url(booked), {"method": "cash", "amount": booked.price})

    assert response.status_code == 303
    [entry] = Entry.objects.filter(visit=booked.visit)
    assert (entry.kind, entry.method, entry.amount) == ("desk_payment", "cash", booked.price)
    assert entry.actor == "desk"
    assert visit_balance(booked.visit).due == 0
    page = reception.get(response["Location"]).content.decode()
    assert "Nothing is due for this visit." in page


def test_reception_spends_a_gift_card_up_to_what_is_due(reception, booked):
    card, code = sold_gift_card("500.00")

    response = reception.post(checkout_url(booked), {"method": "gift_card", "code": code.lower()})

    assert response.status_code == 303
    assert visit_balance(booked.visit).due == 0
    assert gift_card_balance(card) == Decimal("500.00") - booked.price


def test_more_than_is_due_is_a_400_naming_the_amount(reception, booked):
    response = reception.post(checkout_url(booked), {"method": "cash", "amount": booked.price + 1})

    assert response.status_code == 400
    assert "more than what is due" in response.content.decode()
    assert not Entry.objects.exists()


def test_an_unknown_code_is_a_400(reception, booked):
    response = reception.post(
        checkout_url(booked), {"method": "gift_card", "code": "AAAA-BBBB-CCCC-DDDD"}
    )

    assert response.status_code == 400
    assert "no gift card with this code" in response.content.decode()


def test_wrong_codes_are_refused_with_a_429_after_the_allowance(reception, booked, settings):
    settings.GIFT_CARD_TRIES_PER_HOUR_PER_SESSION = 3
    for _ in range(3):
        wrong = reception.post(
            checkout_url(booked), {"method": "gift_card", "code": "AAAABBBBCCCCDDDD"}
        )
        assert wrong.status_code == 400
    card, code = sold_gift_card()

    refused = reception.post(checkout_url(booked), {"method": "gift_card", "code": code})

    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "Too many gift card codes were tried" in refused.content.decode()
    assert gift_card_balance(card) == Decimal("50.00")


def test_a_therapist_may_not_take_payments(anna_web, booked):
    response = anna_web.post(checkout_url(booked), {"method": "cash", "amount": "10.00"})

    assert response.status_code == 403
    assert not Entry.objects.exists()
    page = anna_web.get(reverse("staff:visit", args=[booked.visit_id])).content.decode()
    assert "Take payment" not in page


def test_reception_sells_a_gift_card_and_sees_its_code_once(reception):
    response = reception.post(
        reverse("staff:gift_cards"),
        {"amount": "40.00", "method": "card_terminal", "recipient_name": "Olga", "language": "en"},
    )

    assert response.status_code == 303
    card = GiftCard.objects.get()
    assert gift_card_balance(card) == Decimal("40.00")
    first = reception.get(reverse("staff:gift_cards")).content.decode()
    second = reception.get(reverse("staff:gift_cards")).content.decode()
    assert "Gift card sold" in first
    assert "Gift card sold" not in second
    assert f"···· {card.code_last4}" in second


def test_a_therapist_may_not_open_the_gift_cards(anna_web):
    assert anna_web.get(reverse("staff:gift_cards")).status_code == 403


def test_the_receipt_prints_what_was_paid(reception, booked):
    reception.post(checkout_url(booked), {"method": "cash", "amount": "10.00"})
    entry = Entry.objects.get()
    # Paid in full afterwards: the first receipt still says what was due then.
    reception.post(checkout_url(booked), {"method": "cash", "amount": booked.price - 10})

    page = reception.get(reverse("staff:receipt", args=[entry.pk]))

    assert page.context["receipt"].due == booked.price - 10
    page = page.content.decode()
    assert "Receipt" in page
    assert booked.offering.name in page
    assert "Cash" in page
