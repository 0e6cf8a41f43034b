"""The desk's checkout: cash and card payments for a visit, and their receipts."""

from decimal import Decimal

import pytest
from django.core import mail

from booking.models import Client
from booking.services import Actor
from payments import errors
from payments.models import Entry
from payments.selectors import visit_balance
from payments.services import take_desk_payment
from tests.booking.conftest import NOW, russian_catalogue  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db

DESK = Actor(label="desk", is_staff=True)


def test_a_cash_payment_of_what_is_due_leaves_nothing_due(booked):
    entry = take_desk_payment(visit=booked.visit, amount=booked.price, method="cash", actor=DESK)

    [stored] = Entry.objects.filter(visit=booked.visit)
    assert stored == entry
    assert (stored.kind, stored.method, stored.amount) == ("desk_payment", "cash", booked.price)
    assert stored.actor == "desk"
    assert visit_balance(booked.visit).due == Decimal("0.00")


def test_a_part_payment_leaves_the_rest_due(booked):
    take_desk_payment(
        visit=booked.visit, amount=Decimal("10.00"), method="card_terminal", actor=DESK
    )

    assert visit_balance(booked.visit).due == booked.price - Decimal("10.00")


def test_more_than_is_due_is_refused(booked):
    with pytest.raises(errors.MoreThanDue):
        take_desk_payment(visit=booked.visit, amount=booked.price + 1, method="cash", actor=DESK)

    assert not Entry.objects.exists()


def test_nothing_is_taken_for_a_visit_paid_in_full(booked):
    take_desk_payment(visit=booked.visit, amount=booked.price, method="cash", actor=DESK)

    with pytest.raises(errors.NothingDue):
        take_desk_payment(visit=booked.visit, amount=Decimal("1.00"), method="cash", actor=DESK)


@pytest.mark.parametrize("method", ["online", "gift_card", "package", "cheque"])
def test_only_cash_and_the_terminal_are_taken_here(booked, method):
    with pytest.raises(errors.InvalidMethod):
        take_desk_payment(visit=booked.visit, amount=Decimal("1.00"), method=method, actor=DESK)


@pytest.mark.usefixtures("russian_catalogue")
def test_the_receipt_goes_in_the_clients_language(booked, django_capture_on_commit_callbacks):
    Client.objects.filter(pk=booked.visit.client_id).update(language="ru")
    booked.visit.language = "ru"
    booked.visit.save(update_fields=["language"])

    with django_capture_on_commit_callbacks(execute=True):
        take_desk_payment(visit=booked.visit, amount=Decimal("10.00"), method="cash", actor=DESK)

    [message] = mail.outbox
    assert message.to == ["Mira Example <mira@example.com>"]
    assert "Ваш чек" in message.subject
    assert "Наличные" in message.body
    assert "Осталось оплатить" in message.body
    assert booked.offering.name_ru in message.body
