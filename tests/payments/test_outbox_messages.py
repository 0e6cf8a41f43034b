"""Money's e-mails go through the outbox, written with the ledger row they describe."""

from decimal import Decimal

import pytest
from django.core import mail
from django.db.models import QuerySet

from booking.services import Actor
from notifications.models import Message
from notifications.services import dispatch_due_messages
from payments import notifications
from payments.codes import format_code
from payments.models import Entry
from payments.services import checkout, take_desk_payment
from tests.booking.conftest import NOW
from tests.factories import sold_gift_card

pytestmark = pytest.mark.django_db

DESK = Actor(label="desk", is_staff=True)


class RolledBack(Exception):
    pass


def receipts() -> QuerySet[Message]:
    return Message.objects.filter(kind=Message.Kind.RECEIPT)


def test_a_desk_payment_writes_its_receipt_into_the_outbox_with_the_payment(booked):
    entry = take_desk_payment(
        visit=booked.visit, amount=Decimal("10.00"), method="cash", actor=DESK
    )

    [message] = receipts()
    assert (message.kind, message.channel, message.status) == ("receipt", "email", "pending")
    assert message.payload == {"entry_id": entry.pk}
    assert (message.visit_id, message.recipient) == (booked.visit.pk, "mira@example.com")


def test_a_payment_rolled_back_after_its_receipt_leaves_neither_behind(
    booked, monkeypatch, django_capture_on_commit_callbacks
):
    def write_then_fail(entry):
        notifications.write_receipt(entry)
        assert receipts().exists()  # written, inside the payment's transaction
        raise RolledBack

    monkeypatch.setattr(checkout, "write_receipt", write_then_fail)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RolledBack):
        take_desk_payment(visit=booked.visit, amount=Decimal("10.00"), method="cash", actor=DESK)

    assert not Entry.objects.exists()
    assert not receipts().exists()
    assert mail.outbox == []


def test_the_receipt_is_sent_once_by_the_outbox(booked, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        take_desk_payment(visit=booked.visit, amount=Decimal("10.00"), method="cash", actor=DESK)

    assert dispatch_due_messages() == 0
    [message] = receipts()
    assert (message.status, message.attempts) == ("sent", 1)
    [email] = [email for email in mail.outbox if "receipt" in email.subject]
    assert email.to == ["Mira Example <mira@example.com>"]


def test_no_outbox_row_holds_a_gift_cards_code(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _card, code = sold_gift_card("50.00", now=NOW, recipient_email="olga@example.com")

    stored = [
        str(row)
        for row in Message.objects.values_list("payload", "recipient", "last_error", "kind")
    ]
    assert all(code not in row and format_code(code) not in row for row in stored)
    assert [email.to for email in mail.outbox if format_code(code) in email.body] == [
        ["olga@example.com"]
    ]
