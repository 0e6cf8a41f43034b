"""The outbox's tests book visits as booking's tests do: the same fixtures."""

import json
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.contrib.auth.models import Group
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from notifications import webhooks
from notifications.models import WebhookSubscription
from tests.booking.conftest import *  # noqa: F403 - booking's fixtures, shared rather than copied


# The webhooks' receiver and integration (test_webhooks.py, test_webhooks_api.py).
class Receiver:
    """An HTTP receiver: answers `statuses` in turn (then 200) and keeps what it verified."""

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.secret = ""
        self.statuses: list[int] = []
        self.events: list[dict] = []
        self.bad_signatures = 0
        self.hits = 0
        self.hosts: list[str] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.hits += 1
                receiver.hosts.append(self.headers["Host"])
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
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        scheme = "https" if tls is not None else "http"
        self.url = f"{scheme}://127.0.0.1:{self.server.server_address[1]}/hooks/"
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
