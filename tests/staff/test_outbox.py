"""The outbox page: reception sees failed and waiting messages and webhooks, retries, resumes."""

import pytest
from django.utils import timezone

from notifications.models import Message, WebhookSubscription

pytestmark = pytest.mark.django_db


@pytest.fixture
def paused(reception) -> WebhookSubscription:
    return WebhookSubscription.objects.create(
        url="https://crm.example.com/hooks/",
        events=["visit.booked"],
        secret="whsec_x",
        owner=reception,
        is_active=False,
        failure_count=10,
        paused_reason="10 deliveries failed in a row",
        paused_at=timezone.now(),
    )


@pytest.fixture
def failed() -> Message:
    return Message.objects.create(
        kind=Message.Kind.RECEIPT,
        channel=Message.Channel.EMAIL,
        recipient="mira@example.com",
        status=Message.Status.FAILED,
        attempts=6,
        last_error="SMTP refused",
        due_at=timezone.now(),
    )


def test_reception_sees_failed_messages_and_a_paused_webhook_with_its_banner(
    client, reception, paused, failed
):
    client.force_login(reception)
    page = client.get("/staff/outbox/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "SMTP refused" in html
    assert "https://crm.example.com/hooks/" in html
    assert "A webhook subscription is paused" in client.get("/staff/").content.decode()


def test_reception_sends_a_failed_message_again(client, reception, failed):
    client.force_login(reception)
    client.post(f"/staff/outbox/messages/{failed.pk}/retry/")
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == ("pending", 0)


def test_reception_resumes_a_paused_webhook(client, reception, paused):
    client.force_login(reception)
    client.post(f"/staff/outbox/webhooks/{paused.pk}/resume/")
    paused.refresh_from_db()
    assert paused.is_active
    assert paused.failure_count == 0


def test_a_therapist_cannot_open_the_outbox(client, anna_login, paused):
    client.force_login(anna_login)
    assert client.get("/staff/outbox/").status_code == 403
    assert client.post(f"/staff/outbox/webhooks/{paused.pk}/resume/").status_code == 403
    paused.refresh_from_db()
    assert not paused.is_active
