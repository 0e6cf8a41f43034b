"""Webhook events are kept STUDIO_WEBHOOK_EVENT_RETENTION_DAYS, their finished deliveries as long.

Events come from the real services and deliveries go to a real receiver
(conftest's `Receiver`); the sweep is `forget_old_webhook_events`, as
beat runs it each day.
"""

from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.db import transaction

from booking.services import Actor, ClientDetails, book_appointment, cancel_appointment
from notifications import tasks, webhooks
from notifications.models import Message, WebhookEvent
from notifications.services import dispatch_due_messages
from tests.booking.conftest import NOW, TUESDAY, at

pytestmark = pytest.mark.django_db

MIRA = ClientDetails(name="Mira Example", email="mira@example.com", phone="+49 30 1234567")
# Past the default retention of 30 days after NOW.
LATER = NOW + timedelta(days=31)


@pytest.fixture(autouse=True)
def frozen(time_machine) -> None:
    time_machine.move_to(NOW, tick=False)


def payments_received(count: int, *, now) -> list[WebhookEvent]:
    """`count` payment.received events recorded at `now`, as the ledger records them."""
    events = []
    for number in range(count):
        with transaction.atomic():
            event = webhooks.record_event(
                type=webhooks.PAYMENT_RECEIVED,
                data={"id": number, "kind": "desk_payment", "amount": "35.00", "visit": None},
                now=now,
            )
        assert event is not None
        events.append(event)
    return events


def stored(events: list[WebhookEvent]) -> list[bool]:
    return [WebhookEvent.objects.filter(pk=event.pk).exists() for event in events]


def test_events_past_the_period_go_with_their_finished_deliveries(
    subscribed, receiver, time_machine
):
    old = payments_received(3, now=NOW)
    dispatch_due_messages()
    Message.objects.filter(payload__event=str(old[1].pk)).update(status=Message.Status.FAILED)
    Message.objects.filter(payload__event=str(old[2].pk)).update(status=Message.Status.CANCELLED)
    time_machine.move_to(LATER - timedelta(days=2), tick=False)
    recent = payments_received(1, now=LATER - timedelta(days=2))
    dispatch_due_messages()

    deleted = webhooks.forget_old_webhook_events(now=LATER)

    assert deleted == 3
    assert stored(old + recent) == [False, False, False, True]
    assert list(Message.objects.filter(kind="webhook").values_list("payload", "status")) == [
        ({"event": str(recent[0].pk)}, "sent")
    ]


def test_the_period_is_a_setting(subscribed, receiver, settings):
    [event] = payments_received(1, now=NOW)
    dispatch_due_messages()
    settings.STUDIO_WEBHOOK_EVENT_RETENTION_DAYS = 60

    assert webhooks.forget_old_webhook_events(now=LATER) == 0
    assert stored([event]) == [True]


def test_a_paused_subscriptions_kept_deliveries_are_still_sent_after_the_sweep(
    subscribed, receiver, crm, classical, anna, two_rooms, time_machine
):
    other = webhooks.create_subscription(
        url=receiver.url + "paused/", events=["visit.booked", "visit.cancelled"], owner=crm
    )
    webhooks.pause_subscription(subscription=other, reason="the receiver is down")
    booked = book_appointment(
        offering=classical,
        start_at=at(TUESDAY, "10:00"),
        client=MIRA,
        source="web",
        actor=Actor.guest(),
        now=NOW,
    )
    cancel_appointment(appointment=booked, actor=Actor.guest(), reason="", now=NOW)
    dispatch_due_messages()
    assert receiver.types() == ["visit.booked", "visit.cancelled"]
    assert Message.objects.filter(subscription=other, status="pending").count() == 2

    time_machine.move_to(LATER, tick=False)
    assert webhooks.forget_old_webhook_events(now=LATER) == 0
    # The active subscription's deliveries, sent, went; the kept ones stay.
    assert not Message.objects.filter(subscription=subscribed).exists()
    assert WebhookEvent.objects.count() == 2

    receiver.secret = other.secret  # the receiver checks the paused one's signatures now
    webhooks.resume_subscription(subscription=other, now=LATER)
    dispatch_due_messages()

    assert receiver.types() == ["visit.booked", "visit.cancelled"] * 2
    assert receiver.events[2:] == receiver.events[:2]  # the very events, ids and all
    # Sent now, they go with the next sweep.
    assert webhooks.forget_old_webhook_events(now=LATER) == 2
    assert not WebhookEvent.objects.exists()


def test_the_sweep_reads_in_batches_whatever_the_history(
    subscribed, receiver, monkeypatch, django_assert_num_queries
):
    payments_received(5, now=NOW)
    dispatch_due_messages()
    monkeypatch.setattr(webhooks, "_SWEEP_BATCH", 2)

    # Deliveries: 3 batches (2, 2, 1) of a read and a DELETE; the
    # deliveries still to send, 1; events: 3 pages of a read and a DELETE.
    with django_assert_num_queries(13):
        assert webhooks.forget_old_webhook_events(now=LATER) == 5

    # With nothing old: one read of each, and of what is still to send.
    with django_assert_num_queries(3):
        assert webhooks.forget_old_webhook_events(now=LATER) == 0


def test_the_daily_task_deletes_what_is_past_the_period(subscribed, receiver, time_machine):
    [event] = payments_received(1, now=NOW)
    dispatch_due_messages()
    time_machine.move_to(LATER, tick=False)

    assert tasks.forget_old_webhook_events.delay().get() == 1
    assert stored([event]) == [False]


def test_beat_runs_the_sweep_every_day():
    entry = django_settings.CELERY_BEAT_SCHEDULE["forget-old-webhook-events"]

    assert entry == {"task": "notifications.tasks.forget_old_webhook_events", "schedule": 86400.0}


def test_deleting_a_subscription_deletes_the_events_only_it_had(subscribed, receiver, crm):
    other = webhooks.create_subscription(
        url=receiver.url, events=[webhooks.PAYMENT_REFUNDED], owner=crm
    )
    (received,) = payments_received(1, now=NOW)
    with transaction.atomic():
        shared = webhooks.record_event(
            type=webhooks.PAYMENT_REFUNDED, data={"id": 9, "amount": "35.00"}, now=NOW
        )
    assert shared is not None

    assert webhooks.delete_subscriptions([subscribed]) == 1

    # Nothing would send the first again or find it; the other still delivers the second.
    assert stored([received, shared]) == [False, True]
    assert Message.objects.filter(kind=Message.Kind.WEBHOOK).count() == 1
    assert Message.objects.get(kind=Message.Kind.WEBHOOK).subscription_id == other.pk
