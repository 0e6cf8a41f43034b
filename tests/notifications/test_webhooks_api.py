"""Webhook subscriptions through the API and their checks: the tests that need no commit.

The tests that deliver (and so commit) are in test_webhooks.py.
"""

import pytest
from django.contrib.auth.models import Group
from django.db import transaction

from notifications import webhooks
from notifications.models import WebhookEvent, WebhookSubscription
from tests.booking.conftest import assert_error
from tests.notifications.conftest import api_for


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
    with transaction.atomic():
        webhooks.record_event(type=webhooks.PAYMENT_RECEIVED, data={"id": 1})
    assert client.delete(f"/api/v1/webhooks/{body['id']}/").status_code == 204
    assert not WebhookSubscription.objects.exists()
    assert not WebhookEvent.objects.exists()


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
def test_in_development_a_receiver_on_this_machine_is_allowed_and_no_other_private_one(
    crm, settings
):
    settings.DEBUG = True
    settings.STUDIO_WEBHOOKS_ALLOW_PRIVATE = False
    client = api_for(crm)
    for url in ["http://127.0.0.1:8765/hooks/", "http://localhost:8765/hooks/"]:
        answer = client.post(
            "/api/v1/webhooks/", {"url": url, "events": ["visit.booked"]}, format="json"
        )
        assert answer.status_code == 201, answer.json()
    for url in ["https://10.1.2.3/hooks/", "http://10.1.2.3/hooks/"]:
        answer = client.post(
            "/api/v1/webhooks/", {"url": url, "events": ["visit.booked"]}, format="json"
        )
        assert_error(answer, 400, "invalid", "url")
    assert WebhookSubscription.objects.count() == 2


@pytest.mark.django_db
def test_an_unknown_event_is_refused_naming_the_events(crm, receiver):
    answer = api_for(crm).post(
        "/api/v1/webhooks/", {"url": receiver.url, "events": ["visit.exploded"]}, format="json"
    )
    assert_error(answer, 400, "invalid", "events.0")
