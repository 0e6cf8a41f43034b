"""Webhooks: signed events, sent once and in order, to receivers the studio may call.

A real HTTP receiver runs in a thread on 127.0.0.1 (so the tests allow
private receivers); it checks every signature and records what it got.
"""

import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.db import transaction
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from booking.models import Appointment
from booking.services import (
    Actor,
    ClientDetails,
    book_appointment,
    cancel_appointment,
    reschedule_appointment,
)
from notifications import webhooks
from notifications.models import Message, WebhookEvent, WebhookSubscription
from notifications.services import dispatch_due_messages
from payments.services.checkout import take_desk_payment
from tests.booking.conftest import NOW, TUESDAY, assert_error, at


class Receiver:
    """An HTTP receiver: answers `statuses` in turn (then 200) and keeps what it verified."""

    def __init__(self) -> None:
        self.secret = ""
        self.statuses: list[int] = []
        self.events: list[dict] = []
        self.bad_signatures = 0
        self.hits = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.hits += 1
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                if status == 200:
                    if webhooks.verify_signature(
                        secret=receiver.secret,
                        body=body,
                        header=self.headers[webhooks.SIGNATURE_HEADER],
                    ):
                        event = json.loads(body)
                        assert self.headers[webhooks.EVENT_HEADER] == event["type"]
                        receiver.events.append(event)
                    else:
                        receiver.bad_signatures += 1
                        status = 400
                self.send_response(status)
                if status in {301, 302, 307}:
                    self.send_header("Location", receiver.url + "moved/")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def types(self) -> list[str]:
        return [event["type"] for event in self.events]


@pytest.fixture
def receiver(settings) -> Iterator[Receiver]:
    settings.STUDIO_WEBHOOKS_ALLOW_PRIVATE = True
    settings.STUDIO_WEBHOOKS_ALLOW_HTTP_LOOPBACK = True
    settings.STUDIO_REMINDER_MAX_ATTEMPTS = 20
    running = Receiver()
    yield running
    running.server.shutdown()
    running.server.server_close()


@pytest.fixture
def crm(django_user_model):
    user = django_user_model.objects.create_user("crm", email="crm@example.com")
    user.groups.add(Group.objects.get(name="integrations"))
    return user


def api_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


@pytest.fixture
def subscribed(receiver, crm) -> WebhookSubscription:
    subscription = webhooks.create_subscription(
        url=receiver.url, events=list(webhooks.EVENT_TYPES), owner=crm
    )
    receiver.secret = subscription.secret
    return subscription


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


def test_a_signature_with_another_secret_a_changed_body_or_an_old_time_fails():
    body = b'{"id":"1"}'
    header = webhooks.signature(secret="whsec_a", body=body, timestamp=1_000_000)
    assert webhooks.verify_signature(secret="whsec_a", body=body, header=header, now=1_000_010)
    assert not webhooks.verify_signature(secret="whsec_b", body=body, header=header, now=1_000_010)
    assert not webhooks.verify_signature(
        secret="whsec_a", body=body + b" ", header=header, now=1_000_010
    )
    assert not webhooks.verify_signature(
        secret="whsec_a", body=body, header=header, now=1_000_000 + 301
    )


@pytest.mark.django_db
def test_an_integration_subscribes_lists_resumes_and_deletes_its_own(crm, receiver):
    client = api_for(crm)
    created = client.post(
        "/api/v1/webhooks/",
        {"url": receiver.url, "events": ["visit.booked", "payment.received"]},
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["secret"].startswith("whsec_")
    assert body["events"] == ["visit.booked", "payment.received"]
    assert body["active"] is True
    listed = client.get("/api/v1/webhooks/").json()
    assert [row["id"] for row in listed["results"]] == [body["id"]]
    assert "secret" not in listed["results"][0]
    assert client.get(f"/api/v1/webhooks/{body['id']}/").json()["url"] == receiver.url
    assert client.post(f"/api/v1/webhooks/{body['id']}/resume/").status_code == 200
    assert client.delete(f"/api/v1/webhooks/{body['id']}/").status_code == 204
    assert not WebhookSubscription.objects.exists()


@pytest.mark.django_db
def test_another_integration_cannot_see_or_delete_yours(crm, receiver, django_user_model):
    other = django_user_model.objects.create_user("widget")
    other.groups.add(Group.objects.get(name="integrations"))
    mine = webhooks.create_subscription(url=receiver.url, events=["visit.booked"], owner=crm)
    theirs = api_for(other)
    assert theirs.get("/api/v1/webhooks/").json()["results"] == []
    assert theirs.get(f"/api/v1/webhooks/{mine.pk}/").status_code == 404
    assert theirs.delete(f"/api/v1/webhooks/{mine.pk}/").status_code == 404
    assert WebhookSubscription.objects.filter(pk=mine.pk).exists()


@pytest.mark.django_db
def test_a_user_without_the_webhooks_scope_is_refused(django_user_model, receiver):
    nobody = django_user_model.objects.create_user("nobody")
    answer = api_for(nobody).post(
        "/api/v1/webhooks/", {"url": receiver.url, "events": ["visit.booked"]}, format="json"
    )
    assert answer.status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("http://example.com/hooks/", "insecure_url"),
        ("https://127.0.0.1/hooks/", "private_url"),
        ("https://10.1.2.3/hooks/", "private_url"),
        ("https://169.254.169.254/latest/", "private_url"),
        ("https://[::1]/hooks/", "private_url"),
    ],
)
def test_an_http_or_private_receiver_is_refused_naming_the_url(crm, settings, url, code):
    settings.STUDIO_WEBHOOKS_ALLOW_PRIVATE = False
    answer = api_for(crm).post(
        "/api/v1/webhooks/", {"url": url, "events": ["visit.booked"]}, format="json"
    )
    assert_error(answer, 400, "invalid", "url")
    assert not WebhookSubscription.objects.exists()


@pytest.mark.django_db
def test_an_unknown_event_is_refused_naming_the_events(crm, receiver):
    answer = api_for(crm).post(
        "/api/v1/webhooks/", {"url": receiver.url, "events": ["visit.exploded"]}, format="json"
    )
    assert_error(answer, 400, "invalid", "events.0")


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
