"""Paying a deposit online: the hold, the gateway's payment, its webhook, expiry and refunds.

Against localstripe through the official SDK, and real PostgreSQL (or
SQLite for the newcomer): nothing of the gateway is mocked.
"""

from datetime import timedelta
from decimal import Decimal

import pytest

from booking import errors
from booking.availability import available_slots
from booking.models import Allocation, Appointment, Visit
from booking.services import (
    Actor,
    ClientDetails,
    WantedAppointment,
    book_visit,
    confirm_held_appointment,
    release_expired_holds,
)
from notifications.models import Message
from payments.models import Entry, GatewayEvent, Payment, SavedCard
from payments.selectors import visit_balance
from payments.services import online
from tests.booking.conftest import NOW, TUESDAY, at
from tests.payments.conftest import (
    CARD_DECLINED,
    card_entered,
    gateway,
    gateway_event,
    post_event,
    signed,
)

pytestmark = pytest.mark.django_db

HOLD = timedelta(minutes=15)
DEPOSIT = Decimal("7.00")  # 20 % of the classical foot massage's 35 €
SOMEONE_ELSE = ClientDetails("Quick Other", "other@example.com", "+49 30 7654321")


def book_online(offering, start_at, *, actor=None, details=None, now=NOW) -> Visit:
    """Book as the website does: held for the payment when the policy asks for one."""
    actor = actor or Actor.guest()
    return book_visit(
        appointments=[WantedAppointment(offering=offering, start_at=start_at)],
        client=details or ClientDetails("Mira Example", "mira@example.com", "+49 30 1234567"),
        source=Appointment.Source.WEB,
        actor=actor,
        now=now,
        hold_for_payment_until=online.payment_hold_until(
            offerings=[offering], actor=actor, now=now
        ),
    )


@pytest.fixture
def held(stripe_backend, deposit_policy, classical, anna, two_rooms) -> Visit:
    return book_online(classical, at(TUESDAY, "10:00"))


@pytest.fixture
def payment(held) -> Payment:
    return online.start_visit_payment(visit=held, now=NOW)


def pay(payment: Payment, number: str | None = None) -> None:
    """The client pays on the pay page: card to the gateway, then the studio charges it."""
    entry = card_entered(payment, number) if number else card_entered(payment)
    online.pay_with_card(payment=payment, entry_reference=entry, now=NOW)


def handle(kind: str, payment: Payment, *, now=NOW, event_id=None) -> online.Handled:
    body = gateway_event(kind, payment, event_id=event_id)
    return online.handle_webhook(body=body, signature=signed(body), now=now)


def test_a_clients_booking_with_a_deposit_policy_is_held_for_its_payment(held):
    stored = Visit.objects.get(pk=held.pk)

    assert stored.status == Visit.Status.HELD
    assert stored.hold_reason == Visit.HoldReason.PAYMENT
    assert stored.hold_expires_at == NOW + HOLD
    # Its confirmation e-mail waits for the payment.
    assert not Message.objects.filter(appointment__visit=stored).exists()


def test_staff_bookings_are_not_held_for_a_payment(
    stripe_backend, deposit_policy, classical, anna, two_rooms, staff
):
    visit = book_online(classical, at(TUESDAY, "10:00"), actor=staff)

    stored = Visit.objects.get(pk=visit.pk)
    assert (stored.status, stored.hold_reason) == (Visit.Status.CONFIRMED, "")


def test_with_pay_at_the_studio_nothing_is_held_and_the_deposit_is_due_there(
    deposit_policy, classical, anna, two_rooms
):
    visit = book_online(classical, at(TUESDAY, "10:00"))

    stored = Visit.objects.get(pk=visit.pk)
    assert stored.status == Visit.Status.CONFIRMED
    due = online.due_at_studio(stored)
    assert due is not None
    assert (due.amount, due.currency) == (DEPOSIT, "EUR")


def test_without_a_policy_nothing_is_held(stripe_backend, classical, anna, two_rooms):
    visit = book_online(classical, at(TUESDAY, "10:00"))

    assert Visit.objects.get(pk=visit.pk).status == Visit.Status.CONFIRMED


def test_a_payment_starts_pending_at_the_gateway_for_the_deposit(held, payment):
    stored = Payment.objects.get(pk=payment.pk)

    assert stored.status == Payment.Status.PENDING
    assert (stored.amount, stored.currency, stored.purpose) == (DEPOSIT, "EUR", "deposit")
    assert stored.gateway_reference.startswith("pi_")
    assert stored.client_secret.startswith(stored.gateway_reference)
    intent = gateway().v1.payment_intents.retrieve(stored.gateway_reference)
    assert intent.amount == 700
    # A booking answered twice (a replay) finds the same payment.
    assert online.payment_for_visit(held) == stored
    assert Payment.objects.filter(visit=held).count() == 1


def test_the_e_mailed_link_does_not_confirm_a_visit_held_for_its_payment(held):
    lead = held.appointments.get()

    with pytest.raises(errors.AwaitingPayment):
        confirm_held_appointment(appointment=lead, actor=Actor.guest(), now=NOW)

    assert Visit.objects.get(pk=held.pk).status == Visit.Status.HELD


def test_a_paid_deposit_confirms_the_visit_and_writes_the_ledger(held, payment, client):
    pay(payment)
    body = gateway_event(online.SUCCEEDED, payment)

    response = post_event(client, body)

    assert response.status_code == 200
    stored = Payment.objects.get(pk=payment.pk)
    assert stored.status == Payment.Status.SUCCEEDED
    visit = Visit.objects.get(pk=held.pk)
    assert visit.status == Visit.Status.CONFIRMED
    assert visit.hold_expires_at is None
    assert list(
        Entry.objects.filter(visit=held).values_list(
            "kind", "method", "amount", "currency", "gateway_reference", "payment_id"
        )
    ) == [("deposit", "online", DEPOSIT, "EUR", stored.gateway_reference, stored.pk)]
    assert visit_balance(visit).paid == DEPOSIT
    assert visit_balance(visit).due == Decimal("28.00")
    card = SavedCard.objects.get(client=visit.client)
    assert (card.backend, card.last4) == ("stripe", "4242")
    # Now confirmed, the confirmation e-mail and the reminders go out.
    kinds = set(Message.objects.filter(appointment__visit=held).values_list("kind", flat=True))
    assert "confirmation" in kinds


def test_the_same_event_twice_changes_nothing_the_second_time(held, payment, client):
    pay(payment)
    body = gateway_event(online.SUCCEEDED, payment)
    post_event(client, body)
    written = (Entry.objects.count(), SavedCard.objects.count(), GatewayEvent.objects.count())

    again = post_event(client, body)

    assert again.status_code == 200
    assert again.json() == {"received": True, "duplicate": True}
    assert (
        Entry.objects.count(),
        SavedCard.objects.count(),
        GatewayEvent.objects.count(),
    ) == written


def test_a_bad_signature_is_refused_and_nothing_is_written(held, payment, client):
    pay(payment)
    body = gateway_event(online.SUCCEEDED, payment)

    response = post_event(client, body, signature=signed(body, secret="whsec_someone_else"))

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_signature"
    assert not GatewayEvent.objects.exists()
    assert Payment.objects.get(pk=payment.pk).status == Payment.Status.PENDING
    assert Visit.objects.get(pk=held.pk).status == Visit.Status.HELD


def test_a_declined_card_leaves_the_visit_held_and_says_why(held, payment, client):
    pay(payment, CARD_DECLINED)

    stored = Payment.objects.get(pk=payment.pk)
    assert stored.status == Payment.Status.FAILED
    assert "declined" in stored.failure_message
    # The gateway's report of the failure changes nothing more.
    assert post_event(client, gateway_event(online.FAILED, payment)).status_code == 200
    assert Payment.objects.get(pk=payment.pk).failure_message == stored.failure_message
    visit = Visit.objects.get(pk=held.pk)
    assert (visit.status, visit.hold_expires_at) == (Visit.Status.HELD, NOW + HOLD)
    assert not Entry.objects.exists()


def test_after_a_declined_card_another_card_pays_with_a_new_payment(held, payment):
    pay(payment, CARD_DECLINED)

    again = online.start_visit_payment(visit=held, now=NOW)
    pay(again)
    handle(online.SUCCEEDED, again)

    assert again.pk != payment.pk
    assert Payment.objects.get(pk=again.pk).status == Payment.Status.SUCCEEDED
    assert Visit.objects.get(pk=held.pk).status == Visit.Status.CONFIRMED
    assert list(Entry.objects.values_list("payment_id", "amount")) == [(again.pk, DEPOSIT)]


def test_a_held_visit_frees_itself_at_expiry_and_its_slot_is_bookable_again(
    held, payment, classical, anna
):
    start = at(TUESDAY, "10:00")
    assert start not in {
        s.start_at
        for s in available_slots(
            offering=classical, start_on=TUESDAY, end_on=TUESDAY, therapist_id=anna.id, now=NOW
        )
    }

    assert release_expired_holds(now=NOW + HOLD) == 1

    assert Visit.objects.get(pk=held.pk).status == Visit.Status.CANCELLED
    assert not Allocation.objects.filter(visit=held, is_active=True).exists()
    later = NOW + HOLD
    offered = {
        s.start_at
        for s in available_slots(
            offering=classical, start_on=TUESDAY, end_on=TUESDAY, therapist_id=anna.id, now=later
        )
    }
    assert start in offered
    other = book_online(classical, start, details=SOMEONE_ELSE, now=later)
    assert Visit.objects.get(pk=other.pk).status == Visit.Status.HELD


def test_the_sweep_cancels_the_payment_of_a_released_visit_once(held, payment):
    release_expired_holds(now=NOW + HOLD)

    assert online.cancel_released_payments(now=NOW + HOLD) == 1
    assert online.cancel_released_payments(now=NOW + HOLD) == 0

    assert Payment.objects.get(pk=payment.pk).status == Payment.Status.CANCELLED
    intent = gateway().v1.payment_intents.retrieve(payment.gateway_reference)
    assert intent.status == "canceled"


def test_a_payment_that_arrives_after_the_hold_expired_is_refunded(held, payment):
    pay(payment)
    release_expired_holds(now=NOW + HOLD)

    handled = handle(online.SUCCEEDED, payment, now=NOW + HOLD + timedelta(minutes=1))

    assert handled.is_new
    visit = Visit.objects.get(pk=held.pk)
    assert visit.status == Visit.Status.CANCELLED
    stored = Payment.objects.get(pk=payment.pk)
    assert stored.status == Payment.Status.SUCCEEDED
    assert "refunded" in stored.failure_message
    rows = list(
        Entry.objects.filter(visit=held)
        .order_by("created_at", "id")
        .values_list("kind", "method", "amount", "payment_id")
    )
    assert rows == [
        ("deposit", "online", DEPOSIT, payment.pk),
        ("refund", "online", -DEPOSIT, payment.pk),
    ]
    refund = Entry.objects.get(kind=Entry.Kind.REFUND)
    assert refund.gateway_reference.startswith("re_")
    assert visit_balance(visit).paid == Decimal("0.00")


def test_a_late_payment_is_refunded_once_however_often_it_is_reported(held, payment):
    pay(payment)
    release_expired_holds(now=NOW + HOLD)
    later = NOW + HOLD + timedelta(minutes=1)
    body = gateway_event(online.SUCCEEDED, payment)
    online.handle_webhook(body=body, signature=signed(body), now=later)

    again = online.handle_webhook(body=body, signature=signed(body), now=later)

    assert not again.is_new
    assert not online.refund_unplaced_payment(payment=payment, now=later)
    assert Entry.objects.filter(kind=Entry.Kind.REFUND).count() == 1


def test_a_payment_for_a_visit_the_client_cancelled_meanwhile_is_refunded(held, payment):
    from booking.services import cancel_visit  # noqa: PLC0415 (only here)

    pay(payment)
    cancel_visit(visit=held, actor=Actor.guest(), now=NOW)

    handle(online.SUCCEEDED, payment)

    assert Entry.objects.filter(kind=Entry.Kind.REFUND, amount=-DEPOSIT).count() == 1
    assert Visit.objects.get(pk=held.pk).status == Visit.Status.CANCELLED
