"""Reception on a phone: a paused webhook's banner, the outbox, resuming it."""

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, expect

from notifications.models import Message, WebhookSubscription
from tests.e2e.conftest import assert_accessible

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_reception_sees_the_banner_and_resumes_a_paused_webhook(
    live_server, browser: Browser, studio, django_user_model, steps_for
):
    owner = django_user_model.objects.create_superuser("owner", "owner@example.com", "owner-pass-1")
    WebhookSubscription.objects.create(
        url="https://crm.example.com/studio/hooks/",
        events=["visit.booked"],
        secret="whsec_x",
        owner=owner,
        is_active=False,
        failure_count=10,
        paused_reason="10 deliveries failed in a row; the last: HTTP 500 from the receiver",
        paused_at=timezone.now(),
    )
    Message.objects.create(
        kind=Message.Kind.RECEIPT,
        channel=Message.Channel.EMAIL,
        recipient="mira@example.com",
        status=Message.Status.FAILED,
        attempts=6,
        last_error="SMTP 550: mailbox unavailable",
        due_at=timezone.now(),
    )
    page = browser.new_page(viewport={"width": 375, "height": 812})
    steps = steps_for(page)
    page.goto(f"{live_server.url}/staff/login/")
    page.fill("#id_username", "owner")
    page.fill("#id_password", "owner-pass-1")
    page.locator("main button[type=submit]").click()

    expect(page.get_by_text("A webhook subscription is paused")).to_be_visible()
    steps.shot("banner")
    page.get_by_role("link", name="See the outbox").click()
    expect(page.get_by_role("heading", name="Outbox", level=1)).to_be_visible()
    expect(page.get_by_text("SMTP 550: mailbox unavailable")).to_be_visible()
    steps.shot("outbox")
    assert_accessible(page)

    page.get_by_role("button", name="Resume").click()
    expect(page.get_by_text("The webhook is resumed")).to_be_visible()
    expect(page.get_by_text("A webhook subscription is paused")).to_have_count(0)
    steps.shot("resumed")
    assert WebhookSubscription.objects.get().is_active
