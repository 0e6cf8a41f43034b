"""Fees and refunds against localstripe: the ledger and the balance exactly right."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction

from booking.services import Actor, cancel_visit, mark_appointment
from payments import errors, tasks
from payments.backends.base import PaymentError
from payments.models import Entry, Payment, Settlement
from payments.selectors import visit_balance
from payments.services import charge_no_show_fee, record_entry, refund, settle_cancellation
from payments.services.ledger import Movement
from tests.booking.conftest import NOW
from tests.payments.conftest import CARD_DECLINED, CARD_OK
from tests.payments.money import ledger, pay_deposit_online, save_card, studio_policy

pytestmark = pytest.mark.django_db

D = Decimal
# The classical massage costs €35 and starts 26 hours after NOW.
LATE = NOW + timedelta(hours=3)
AFTER_THE_START = NOW + timedelta(hours=27)


@pytest.fixture
def policy(db):
    """A deposit of €10, half the price for a late cancellation, all of it for a no-show."""
    return studio_policy(
        online="deposit",
        deposit_amount=D("10.00"),
        late_cancel_fee_percent=50,
        no_show_fee_percent=100,
        fee_cutoff_hours=24,
    )


@pytest.fixture
def desk(staff) -> Actor:
    return staff


def _no_show(booked, desk):
    mark_appointment(appointment=booked, status="no_show", actor=desk, now=AFTER_THE_START)


def test_a_no_show_fee_is_charged_to_the_saved_card(stripe_backend, policy, booked, desk):
    save_card(booked.visit, CARD_OK)
    _no_show(booked, desk)

    entry = charge_no_show_fee(appointment=booked, actor=desk, now=AFTER_THE_START)

    assert ledger(booked.visit) == [("fee", "online", D("35.00"))]
    assert entry.gateway_reference.startswith("pi_")
    assert Payment.objects.get(visit=booked.visit).status == Payment.Status.SUCCEEDED
    balance = visit_balance(booked.visit)
    # A no-show owes its fee, not its price: with the fee paid nothing is due.
    assert (balance.price, balance.paid, balance.due) == (D("0.00"), D("0.00"), D("0.00"))
    assert (balance.no_show_fee, balance.fees_paid, balance.fee_due) == (
        D("35.00"),
        D("35.00"),
        D("0.00"),
    )


def test_a_no_show_fee_is_charged_once(stripe_backend, policy, booked, desk):
    save_card(booked.visit, CARD_OK)
    _no_show(booked, desk)
    charge_no_show_fee(visit=booked.visit, actor=desk, now=AFTER_THE_START)

    with pytest.raises(errors.AlreadyCharged):
        charge_no_show_fee(visit=booked.visit, actor=desk, now=AFTER_THE_START)

    assert Entry.objects.filter(visit=booked.visit, kind="fee").count() == 1


def test_a_declined_card_leaves_no_fee_and_says_why(stripe_backend, policy, booked, desk):
    save_card(booked.visit, CARD_DECLINED)
    _no_show(booked, desk)

    with pytest.raises(PaymentError) as declined:
        charge_no_show_fee(visit=booked.visit, actor=desk, now=AFTER_THE_START)

    assert declined.value.code == "card_declined"
    assert "declined" in declined.value.message
    assert ledger(booked.visit) == []
    failed = Payment.objects.get(visit=booked.visit)
    assert failed.status == Payment.Status.FAILED
    assert "declined" in failed.failure_message


def test_a_no_show_fee_needs_a_no_show(stripe_backend, policy, booked, desk):
    save_card(booked.visit, CARD_OK)

    with pytest.raises(errors.NotNoShow):
        charge_no_show_fee(visit=booked.visit, actor=desk, now=AFTER_THE_START)


def test_without_a_saved_card_the_no_show_fee_is_refused(stripe_backend, policy, booked, desk):
    _no_show(booked, desk)

    with pytest.raises(errors.NoSavedCard):
        charge_no_show_fee(visit=booked.visit, actor=desk, now=AFTER_THE_START)
    assert not Payment.objects.exists()


def test_a_cancellation_in_time_refunds_the_deposit(stripe_backend, policy, booked):
    pay_deposit_online(booked.visit, "10.00", CARD_OK)
    cancel_visit(visit=booked.visit, actor=Actor.guest(), now=NOW)

    settlement = settle_cancellation(visit=booked.visit, actor=Actor(label="test"), now=NOW)
    assert settlement is not None

    assert settlement.outcome == Settlement.Outcome.REFUNDED
    assert settlement.refunded == D("10.00")
    assert ledger(booked.visit) == [
        ("deposit", "online", D("10.00")),
        ("refund", "online", D("-10.00")),
    ]
    assert Entry.objects.get(kind="refund").gateway_reference.startswith("re_")
    balance = visit_balance(booked.visit)
    assert (balance.price, balance.paid, balance.due) == (D("0.00"), D("0.00"), D("0.00"))


def test_a_late_cancellation_keeps_the_deposit_and_charges_the_difference(
    stripe_backend, policy, booked, desk
):
    pay_deposit_online(booked.visit, "10.00", CARD_OK)
    save_card(booked.visit, CARD_OK)
    # The client phones the desk too late to cancel for free.
    cancel_visit(visit=booked.visit, actor=desk, now=LATE)

    settlement = settle_cancellation(visit=booked.visit, actor=Actor(label="test"), now=LATE)
    assert settlement is not None

    assert settlement.outcome == Settlement.Outcome.FEE_CHARGED
    assert settlement.fee == D("17.50")
    assert ledger(booked.visit) == [
        ("deposit", "online", D("10.00")),
        ("deposit", "online", D("-10.00")),
        ("fee", "online", D("10.00")),
        ("fee", "online", D("7.50")),
    ]
    balance = visit_balance(booked.visit)
    assert (balance.paid, balance.due) == (D("0.00"), D("0.00"))


def test_a_late_cancellation_with_a_declined_card_leaves_the_rest_owed(
    stripe_backend, policy, booked, desk
):
    pay_deposit_online(booked.visit, "10.00", CARD_OK)
    save_card(booked.visit, CARD_DECLINED)
    cancel_visit(visit=booked.visit, actor=desk, now=LATE)

    settlement = settle_cancellation(visit=booked.visit, actor=Actor(label="test"), now=LATE)
    assert settlement is not None

    assert settlement.outcome == Settlement.Outcome.FEE_OWED
    assert "declined" in settlement.failure_message
    assert Entry.objects.filter(visit=booked.visit, kind="fee").count() == 1
    assert Payment.objects.filter(visit=booked.visit, status="failed").count() == 1


def test_the_studio_cancelling_waives_the_fee_and_refunds(stripe_backend, policy, booked, desk):
    pay_deposit_online(booked.visit, "10.00", CARD_OK)
    save_card(booked.visit, CARD_OK)
    cancel_visit(visit=booked.visit, actor=desk, now=LATE, by_studio=True)

    settlement = settle_cancellation(visit=booked.visit, actor=desk, now=LATE)
    assert settlement is not None

    assert settlement.outcome == Settlement.Outcome.WAIVED
    assert ledger(booked.visit) == [
        ("deposit", "online", D("10.00")),
        ("refund", "online", D("-10.00")),
    ]


def test_the_settle_task_run_twice_writes_once(stripe_backend, policy, booked):
    pay_deposit_online(booked.visit, "10.00", CARD_OK)
    cancel_visit(visit=booked.visit, actor=Actor.guest(), now=NOW)

    tasks.settle_cancellation(visit_id=str(booked.visit.pk))
    tasks.settle_cancellation(visit_id=str(booked.visit.pk))

    assert Settlement.objects.filter(visit=booked.visit).count() == 1
    assert Entry.objects.filter(visit=booked.visit, kind="refund").count() == 1


def test_a_cancellation_settles_once_it_commits(
    stripe_backend, policy, booked, django_capture_on_commit_callbacks, mailoutbox
):
    pay_deposit_online(booked.visit, "10.00", CARD_OK)

    with django_capture_on_commit_callbacks(execute=True):
        cancel_visit(visit=booked.visit, actor=Actor.guest(), now=NOW)

    assert Settlement.objects.get(visit=booked.visit).outcome == "refunded"
    refund_mails = [mail for mail in mailoutbox if "refund" in mail.subject.lower()]
    assert len(refund_mails) == 1
    assert "€10" in refund_mails[0].body


def test_an_expired_hold_is_not_settled(stripe_backend, policy, booked):
    assert settle_cancellation(visit=booked.visit, actor=Actor(label="test"), now=NOW) is None
    assert not Settlement.objects.exists()


def test_staff_refund_part_of_a_deposit_and_never_more_than_is_left(
    stripe_backend, policy, booked, desk
):
    pay_deposit_online(booked.visit, "10.00", CARD_OK)
    deposit = Entry.objects.get(kind="deposit")

    refund(entry=deposit, amount=D("4.00"), actor=desk, reason="goodwill")
    with pytest.raises(errors.RefundTooLarge):
        refund(entry=deposit, amount=D("6.01"), actor=desk, reason="too much")
    refund(entry=deposit, amount=D("6.00"), actor=desk, reason="the rest")

    assert ledger(booked.visit) == [
        ("deposit", "online", D("10.00")),
        ("refund", "online", D("-4.00")),
        ("refund", "online", D("-6.00")),
    ]
    assert visit_balance(booked.visit).paid == D("0.00")


def test_desk_money_is_given_back_as_cash(policy, booked, desk):
    with transaction.atomic():
        paid = record_entry(
            movement=Movement("desk_payment", "card_terminal", D("35.00"), "EUR"),
            actor=desk,
            visit=booked.visit,
        )

    refund(entry=paid, amount=D("5.00"), actor=desk, reason="short massage")

    assert ledger(booked.visit)[-1] == ("refund", "cash", D("-5.00"))
    assert visit_balance(booked.visit).due == D("5.00")
