"""Notifications, Messages in the admin: every message out, filtered, searched, sent again."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from booking.models import Client
from notifications import webhooks
from notifications.models import Message, WebhookEvent, WebhookSubscription

pytestmark = pytest.mark.django_db

MESSAGES = reverse("admin:notifications_message_changelist")


def message(**fields) -> Message:
    return Message.objects.create(
        **{"kind": "receipt", "channel": "email", "due_at": timezone.now(), **fields}
    )


def listed(response) -> set[int]:
    return {row.pk for row in response.context["cl"].result_list}


def test_the_list_filters_by_status_channel_and_kind(admin_client):
    failed = message(status="failed", kind="fee", recipient="a@example.com")
    sms = message(status="sent", channel="sms", kind="hours_before", recipient="+4930123")
    receipt = message(status="pending", recipient="b@example.com")

    assert listed(admin_client.get(MESSAGES, {"status__exact": "failed"})) == {failed.pk}
    assert listed(admin_client.get(MESSAGES, {"channel__exact": "sms"})) == {sms.pk}
    assert listed(admin_client.get(MESSAGES, {"kind__exact": "receipt"})) == {receipt.pk}


def test_the_list_finds_a_message_by_its_recipient_in_any_letter_case(admin_client):
    client = Client.objects.create(name="Olga", email="olga@example.com")
    receipt = message(recipient="olga@example.com", client=client)
    message(recipient="someone@example.com")

    response = admin_client.get(MESSAGES, {"q": "OLGA@example.com"})

    assert listed(response) == {receipt.pk}
    assert "Olga" in response.content.decode()


def test_staff_send_failed_messages_again_and_others_are_left_alone(admin_client):
    failed = message(status="failed", attempts=5, last_error="550 mailbox unavailable")
    sent = message(status="sent", attempts=1)

    response = admin_client.post(
        MESSAGES,
        {"action": "send_again", "_selected_action": [failed.pk, sent.pk]},
        follow=True,
    )

    assert response.status_code == 200
    failed.refresh_from_db()
    sent.refresh_from_db()
    assert (failed.status, failed.attempts, failed.last_error) == ("pending", 0, "")
    assert (sent.status, sent.attempts) == ("sent", 1)
    shown = [str(shown) for shown in response.context["messages"]]
    assert shown == [
        "1 message will be sent within a minute.",
        "1 selected message had not failed and was left alone.",
    ]


def test_the_list_says_when_due_messages_stop_going_out(admin_client, settings):
    settings.STUDIO_REMINDER_STALE_SECONDS = 300
    message(status="pending", due_at=timezone.now() - timedelta(minutes=20))
    message(status="failed")

    page = admin_client.get(MESSAGES).content.decode()

    assert "1 message due and not yet sent;" in page
    assert "Messages are not going out" in page
    assert "1 failed" in page


def test_the_list_shows_the_outbox_under_notifications(admin_client):
    page = admin_client.get(reverse("admin:index")).content.decode()

    assert reverse("admin:app_list", args=["notifications"]) in page
    assert MESSAGES in page


def test_deleting_subscriptions_in_the_admin_deletes_the_events_only_they_had(
    admin_client, settings, django_user_model
):
    settings.STUDIO_WEBHOOKS_ALLOW_PRIVATE = True
    settings.STUDIO_WEBHOOKS_ALLOW_HTTP_LOOPBACK = True
    owner = django_user_model.objects.create_user("crm")
    first = webhooks.create_subscription(
        url="http://127.0.0.1:9/a", events=[webhooks.PAYMENT_RECEIVED], owner=owner
    )
    second = webhooks.create_subscription(
        url="http://127.0.0.1:9/b", events=[webhooks.PAYMENT_RECEIVED], owner=owner
    )
    with transaction.atomic():
        webhooks.record_event(type=webhooks.PAYMENT_RECEIVED, data={"id": 1})
    changelist = reverse("admin:notifications_webhooksubscription_changelist")

    # Its deliveries go with it, though no one may delete the outbox's rows by hand.
    response = admin_client.post(
        reverse("admin:notifications_webhooksubscription_delete", args=[first.pk]),
        {"post": "yes"},
    )
    assert response.status_code == 302
    assert list(WebhookSubscription.objects.all()) == [second]
    assert WebhookEvent.objects.count() == 1  # the second still delivers it
    response = admin_client.post(
        changelist,
        {"action": "delete_selected", "index": 0, "_selected_action": [second.pk], "post": "yes"},
    )
    assert response.status_code == 302

    assert not WebhookSubscription.objects.exists()
    assert not WebhookEvent.objects.exists()
    assert not Message.objects.filter(kind=Message.Kind.WEBHOOK).exists()
