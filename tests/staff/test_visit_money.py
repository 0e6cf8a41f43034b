"""The visit page's money: the balance, the ledger, the no-show fee and refunds at the desk.

A no-show owes the fee its policy sets, not its price: the checkout shows
and takes only that.
"""

# ruff: noqa: F811 - the tests take as arguments the fixtures imported from visit_setup

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.urls import reverse

from booking.models import Appointment
from booking.services import Actor, mark_appointment
from payments import errors
from payments.models import Entry
from payments.selectors import visit_balance, visit_money
from payments.services import record_entry, take_desk_payment
from payments.services.ledger import Movement
from tests.payments.conftest import CARD_OK, localstripe_url, stripe_backend  # noqa: F401
from tests.payments.money import ledger, save_card, studio_policy
from tests.staff.visit_setup import (  # noqa: F401 - fixtures
    NOW,
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

D = Decimal
DESK = Actor(label="desk", is_staff=True)


@pytest.fixture
def policy(db):
    return studio_policy(late_cancel_fee_percent=50, no_show_fee_percent=100)


def _no_show(appointment):
    mark_appointment(
        appointment=appointment, status="no_show", actor=DESK, now=NOW + timedelta(days=2)
    )


def _paid_at_desk(visit, amount: str) -> Entry:
    with transaction.atomic():
        return record_entry(
            movement=Movement("desk_payment", "cash", D(amount), "EUR"), actor=DESK, visit=visit
        )


def test_reception_sees_the_visits_money_and_its_terms(reception, booked, policy):
    _paid_at_desk(booked.visit, "15.00")

    page = reception.get(reverse("staff:visit", args=[booked.visit_id])).content.decode()

    money = page[page.index('id="money-heading"') :]
    assert "€35" in money and "€15" in money and "€20" in money
    assert "Cancel free of charge until Mon 1 March, 10:00; after that, a fee of €17.50." in money
    assert "Paid at the studio" in money


def test_a_therapist_sees_no_money_and_may_not_charge_or_refund(anna_web, booked, policy):
    paid = _paid_at_desk(booked.visit, "15.00")
    _no_show(booked)

    page = anna_web.get(reverse("staff:visit", args=[booked.visit_id])).content.decode()
    assert 'id="money-heading"' not in page
    fee_url = reverse("staff:visit_no_show_fee", args=[booked.visit_id])
    assert anna_web.get(fee_url).status_code == 403
    assert anna_web.post(fee_url).status_code == 403
    refund_url = reverse("staff:visit_refund", args=[booked.visit_id])
    refused = anna_web.post(refund_url, {"entry": paid.pk, "amount": "5", "reason": "x"})
    assert refused.status_code == 403
    assert anna_web.post(reverse("staff:visit_desk_fee", args=[booked.visit_id])).status_code == 403
    assert ledger(booked.visit) == [("desk_payment", "cash", D("15.00"))]


def test_reception_charges_the_no_show_fee_after_confirming(
    reception, booked, policy, stripe_backend
):
    save_card(booked.visit, CARD_OK)
    _no_show(booked)
    url = reverse("staff:visit_no_show_fee", args=[booked.visit_id])

    confirm = reception.get(url).content.decode()
    assert "Charge €35 to Mira Example" in confirm
    assert ledger(booked.visit) == []
    charged = reception.post(url)

    assert charged.status_code == 303
    assert ledger(booked.visit) == [("fee", "online", D("35.00"))]
    again = reception.post(url, follow=True).content.decode()
    assert "already charged" in again
    assert len(ledger(booked.visit)) == 1


def test_reception_gives_back_cash_and_never_more_than_was_paid(reception, booked, policy):
    paid = _paid_at_desk(booked.visit, "15.00")
    url = reverse("staff:visit_refund", args=[booked.visit_id])

    too_much = reception.post(url, {"entry": paid.pk, "amount": "15.01", "reason": "oops"})
    bad = reception.post(url, {"entry": paid.pk, "amount": "-1", "reason": "oops"})
    given = reception.post(url, {"entry": paid.pk, "amount": "5.00", "reason": "short"})

    assert too_much.status_code == 400
    assert "Amount: That is more than is left to refund." in too_much.content.decode()
    assert bad.status_code == 400
    assert given.status_code == 303
    assert ledger(booked.visit) == [
        ("desk_payment", "cash", D("15.00")),
        ("refund", "cash", D("-5.00")),
    ]


def test_the_money_part_reads_a_fixed_number_of_queries(
    booked, policy, stripe_backend, django_assert_num_queries
):
    _no_show(booked)
    appointments = list(Appointment.objects.filter(visit=booked.visit))
    for amount in ("5.00", "6.00", "7.00"):
        _paid_at_desk(booked.visit, amount)

    # The ledger rows, the settlement, the policies of the no-show,
    # the saved card and the failed charges.
    with django_assert_num_queries(5):
        visit_money(booked.visit, appointments)
    _paid_at_desk(booked.visit, "8.00")
    with django_assert_num_queries(5):
        money = visit_money(booked.visit, appointments)
    assert money.balance.paid == D("26.00")
    assert money.no_show_fee == D("35.00")


def _checkout_part(page: str) -> str:
    return page[page.index('id="checkout-heading"') :]


def test_a_no_show_owes_its_fee_not_its_price(booked):
    studio_policy(no_show_fee_percent=50)
    _no_show(booked)

    balance = visit_balance(booked.visit)

    assert balance.due == D("0.00")
    assert balance.fee_due == booked.price / 2


def test_the_visit_page_shows_the_no_show_fee_as_due_not_the_price(reception, booked):
    studio_policy(no_show_fee_percent=50)
    _no_show(booked)

    page = reception.get(reverse("staff:visit", args=[booked.visit_id])).content.decode()

    checkout = _checkout_part(page)
    assert "No-show fee due: <strong" in checkout
    assert "€17.50" in checkout
    assert "€35" not in checkout
    assert 'value="17.50"' in checkout


def test_the_checkout_takes_the_no_show_fee_and_no_more(booked):
    studio_policy(no_show_fee_percent=50)
    _no_show(booked)

    with pytest.raises(errors.MoreThanDue):
        take_desk_payment(visit=booked.visit, amount=booked.price, method="cash", actor=DESK)
    entry = take_desk_payment(visit=booked.visit, amount=D("17.50"), method="cash", actor=DESK)

    [stored] = Entry.objects.filter(visit=booked.visit)
    assert stored == entry
    assert (stored.kind, stored.method, stored.amount) == ("fee", "cash", D("17.50"))
    assert visit_balance(booked.visit).fee_due == D("0.00")
    with pytest.raises(errors.NothingDue):
        take_desk_payment(visit=booked.visit, amount=D("1.00"), method="cash", actor=DESK)


def test_reception_takes_the_fee_at_checkout_and_nothing_is_due_after(reception, booked):
    studio_policy(no_show_fee_percent=50)
    _no_show(booked)

    response = reception.post(
        reverse("staff:visit_checkout", args=[booked.visit_id]),
        {"method": "card_terminal", "amount": "17.50"},
    )

    assert response.status_code == 303
    assert list(Entry.objects.filter(visit=booked.visit).values_list("kind", "amount")) == [
        ("fee", D("17.50"))
    ]
    page = reception.get(response["Location"]).content.decode()
    assert "Nothing is due for this visit." in _checkout_part(page)
    # The sums say where the money went: the fee, paid; the price, not owed.
    start = page.index('class="money-sums"')
    sums = page[start : page.index("</dl>", start)]
    assert "<dt>Fees paid</dt><dd>€17.50</dd>" in sums
    assert "a no-show owes its fee instead" in sums


def test_a_no_show_under_a_policy_without_a_fee_owes_nothing(reception, booked):
    _no_show(booked)

    page = reception.get(reverse("staff:visit", args=[booked.visit_id])).content.decode()

    assert "Nothing is due for this visit." in _checkout_part(page)
    with pytest.raises(errors.NothingDue):
        take_desk_payment(visit=booked.visit, amount=D("1.00"), method="cash", actor=DESK)
