"""Webhooks: signed events, sent once and in order, to receivers the studio may call.

A real HTTP receiver runs in a thread on 127.0.0.1 (so the tests allow
private receivers); it checks every signature and records what it got.
"""

import socket
import ssl
from datetime import timedelta

import certifi
import pytest
import trustme
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
from tests.notifications.conftest import Receiver

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


class Resolver:
    """The name hooks.studio.test resolves to `answers` in turn, the last one for ever after."""

    NAME = "hooks.studio.test"

    def __init__(self, monkeypatch) -> None:
        self.answers = ["127.0.0.1"]
        self.lookups = 0
        real_getaddrinfo = socket.getaddrinfo

        def getaddrinfo(host, port, *args, **kwargs):
            if host != self.NAME:
                return real_getaddrinfo(host, port, *args, **kwargs)
            self.lookups += 1
            address = self.answers[min(self.lookups, len(self.answers)) - 1]
            return real_getaddrinfo(address, port, *args, **kwargs)

        monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)

    def subscribe(self, receiver, owner) -> None:
        port = receiver.server.server_address[1]
        receiver.secret = webhooks.create_subscription(
            url=f"http://{self.NAME}:{port}/hooks/", events=["visit.booked"], owner=owner
        ).secret


@pytest.fixture
def resolver(monkeypatch, receiver, settings) -> Resolver:
    # Only this machine's loopback is allowed (development), no other private address.
    settings.STUDIO_WEBHOOKS_ALLOW_PRIVATE = False
    return Resolver(monkeypatch)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_receiver_that_became_private_is_not_called(
    classical, anna, two_rooms, receiver, crm, resolver, time_machine
):
    resolver.subscribe(receiver, crm)
    resolver.answers = ["127.0.0.1", "10.0.0.5"]
    book(classical)
    send_all(time_machine)
    assert receiver.hits == 0
    delivery = Message.objects.get(channel="webhook")
    assert delivery.status == "pending"
    assert "private network" in delivery.last_error


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_delivery_goes_to_the_address_checked_though_the_name_now_resolves_elsewhere(
    classical, anna, two_rooms, receiver, crm, resolver, time_machine, settings
):
    """DNS rebinding: the name answers the check with one address and the connection with another.

    The first two look-ups (subscribing, and the check before the
    delivery) give this machine; any later one an address that nobody
    answers (TEST-NET-1). The delivery must reach the receiver, named.
    """
    settings.STUDIO_WEBHOOK_TIMEOUT = 2
    resolver.subscribe(receiver, crm)
    resolver.answers = ["127.0.0.1", "127.0.0.1", "192.0.2.1"]
    book(classical)
    send_all(time_machine)
    assert receiver.types() == ["visit.booked"]
    assert receiver.hosts == [f"{resolver.NAME}:{receiver.server.server_address[1]}"]
    assert resolver.lookups == 2
    assert Message.objects.get(channel="webhook").status == "sent"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize(
    ("certified", "sent"), [("hooks.studio.test", True), ("other.test", False)]
)
def test_over_https_the_pinned_delivery_checks_the_certificate_against_the_name(
    classical, anna, two_rooms, crm, resolver, time_machine, monkeypatch, tmp_path, certified, sent
):
    """Connected to the address, the TLS handshake still names the host and checks its certificate."""
    authority = trustme.CA()
    authority.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    monkeypatch.setattr(certifi, "where", lambda: str(tmp_path / "ca.pem"))
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert(certified).configure_cert(tls)
    receiver = Receiver(tls=tls)
    try:
        port = receiver.server.server_address[1]
        receiver.secret = webhooks.create_subscription(
            url=f"https://{resolver.NAME}:{port}/hooks/", events=["visit.booked"], owner=crm
        ).secret
        book(classical)
        send_all(time_machine)
    finally:
        receiver.server.shutdown()
        receiver.server.server_close()
    delivery = Message.objects.get(channel="webhook")
    if sent:
        assert receiver.types() == ["visit.booked"]
        assert delivery.status == "sent"
    else:
        assert receiver.events == []
        assert delivery.status == "pending"
        assert "certificate" in delivery.last_error.lower()


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
