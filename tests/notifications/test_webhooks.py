"""Webhooks: signed events, sent once and in order, to receivers the studio may call.

A real HTTP receiver runs in a thread on 127.0.0.1 (so the tests allow
private receivers); it checks every signature and records what it got.
"""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction

from booking.models import Appointment
from booking.services import (
    Actor,
    ClientDetails,
    book_appointment,
    cancel_appointment,
    reschedule_appointment,
)
from notifications import webhooks
from notifications.models import Message, WebhookEvent
from notifications.services import dispatch_due_messages
from payments.services.checkout import take_desk_payment
from tests.booking.conftest import NOW, TUESDAY, at

# Every test here commits: the data the migrations wrote comes back after the module.
pytestmark = pytest.mark.usefixtures("migrated_data_around_module")


def book(classical, clock: str = "10:00") -> Appointment:
    return book_appointment(
        offering=classical,
        start_at=at(TUESDAY, clock),
        client=ClientDetails(name="Mira Example", email="mira@example.com", phone="+49 30 1234567"),
        source="api",
        actor=Actor.guest(),
        now=NOW,
    )


def send_all(time_machine, *, minutes: int = 0) -> None:
    """Send what is due `minutes` after NOW, the back-off of failed tries run out meanwhile."""
    time_machine.move_to(NOW + timedelta(minutes=minutes), tick=False)
    dispatch_due_messages()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_booking_reaches_the_receiver_signed_with_the_visit_as_the_api_shows_it(
    classical, anna, two_rooms, subscribed, receiver, time_machine
):
    appointment = book(classical)
    send_all(time_machine)
    assert receiver.types() == ["visit.booked"]
    event = receiver.events[0]
    assert event["data"]["id"] == str(appointment.visit_id)
    assert event["data"]["appointments"][0]["id"] == str(appointment.pk)
    assert event["data"]["status"] == "confirmed"
    assert WebhookEvent.objects.filter(pk=event["id"]).exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_every_event_of_a_visit_arrives_once_and_in_order_through_a_failing_receiver(
    classical, anna, two_rooms, subscribed, receiver, time_machine
):
    receiver.statuses = [500, 500, 500]
    time_machine.move_to(NOW, tick=False)
    appointment = book(classical)
    reschedule_appointment(
        appointment=appointment, start_at=at(TUESDAY, "11:00"), actor=Actor.guest(), now=NOW
    )
    cancel_appointment(appointment=appointment, actor=Actor.guest(), reason="", now=NOW)
    for minutes in range(0, 120, 1):
        send_all(time_machine, minutes=minutes)
    assert receiver.types() == ["visit.booked", "visit.moved", "visit.cancelled"]
    assert len({event["id"] for event in receiver.events}) == 3
    assert receiver.hits == 6
    moved = receiver.events[1]["data"]["appointments"][0]
    assert moved["start"].startswith("2027-03-02T11:00")
    assert not Message.objects.filter(channel="webhook").exclude(status="sent").exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_event_of_a_change_rolled_back_is_never_sent(
    classical, anna, two_rooms, subscribed, receiver, time_machine
):
    with pytest.raises(RuntimeError), transaction.atomic():
        book(classical)
        raise RuntimeError("the request failed after the booking")
    send_all(time_machine)
    assert receiver.hits == 0
    assert not WebhookEvent.objects.exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_subscription_failing_too_often_is_paused_staff_told_and_resuming_sends_what_was_kept(
    classical, anna, two_rooms, subscribed, receiver, time_machine, settings
):
    settings.STUDIO_WEBHOOK_PAUSE_AFTER_FAILURES = 2
    settings.STUDIO_EMAIL = "desk@studio.example"
    receiver.statuses = [500, 500]
    book(classical)
    for minutes in range(0, 10):
        send_all(time_machine, minutes=minutes)
    subscribed.refresh_from_db()
    assert not subscribed.is_active
    assert receiver.hits == 2
    told = [message.to for message in mail.outbox if message.subject.startswith("Webhook paused")]
    assert told == [["desk@studio.example"]]
    book(classical, "15:00")
    for minutes in range(10, 200, 10):
        send_all(time_machine, minutes=minutes)
    assert receiver.hits == 2
    webhooks.resume_subscription(subscription=subscribed)
    send_all(time_machine, minutes=200)
    assert receiver.types() == ["visit.booked", "visit.booked"]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_redirect_is_not_followed_but_retried(
    classical, anna, two_rooms, subscribed, receiver, time_machine
):
    receiver.statuses = [302]
    book(classical)
    send_all(time_machine)
    assert receiver.hits == 1
    delivery = Message.objects.get(channel="webhook")
    assert (delivery.status, delivery.last_error) == ("pending", "HTTP 302 from the receiver")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_receiver_that_became_private_is_not_called(
    classical, anna, two_rooms, subscribed, receiver, time_machine, settings
):
    book(classical)
    settings.STUDIO_WEBHOOKS_ALLOW_PRIVATE = False
    send_all(time_machine)
    assert receiver.hits == 0
    delivery = Message.objects.get(channel="webhook")
    assert delivery.status == "pending"
    assert "private network" in delivery.last_error


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_payment_at_the_desk_is_sent_as_payment_received(booked, receiver, crm, time_machine):
    subscription = webhooks.create_subscription(
        url=receiver.url, events=["payment.received"], owner=crm
    )
    receiver.secret = subscription.secret
    take_desk_payment(
        visit=booked.visit, amount=booked.price, method="cash", actor=Actor.for_user(crm)
    )
    send_all(time_machine)
    assert receiver.types() == ["payment.received"]
    data = receiver.events[0]["data"]
    assert (data["kind"], data["method"], data["amount"]) == (
        "desk_payment",
        "cash",
        str(booked.price),
    )
    assert data["visit"] == str(booked.visit_id)
