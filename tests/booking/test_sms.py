"""The SMS backends; the gateway one against a small HTTP server on loopback."""

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from booking.sms import SmsError, send_sms


class Gateway(HTTPServer):
    """Records what it receives and answers with the statuses it is given."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), GatewayHandler)
        self.received: list[tuple[dict, dict]] = []
        self.answers: list[int] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/messages"


class GatewayHandler(BaseHTTPRequestHandler):
    server: Gateway

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        self.server.received.append((dict(self.headers), json.loads(self.rfile.read(length))))
        status = self.server.answers.pop(0) if self.server.answers else 202
        self.send_response(status)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def gateway(settings) -> Iterator[Gateway]:
    server = Gateway()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.SMS_BACKEND = "booking.sms.HttpGatewayBackend"
    settings.SMS_GATEWAY_URL = server.url
    settings.SMS_GATEWAY_KEY = "test-key"
    settings.SMS_SENDER = "Studio"
    yield server
    server.shutdown()
    server.server_close()


def test_the_gateway_backend_posts_the_message_with_its_key(gateway):
    send_sms(to="+49 30 1234567", text="See you at 10:00")

    ((headers, body),) = gateway.received
    assert headers["Authorization"] == "Bearer test-key"
    assert headers["Content-Type"] == "application/json"
    assert body == {"to": "+49 30 1234567", "from": "Studio", "text": "See you at 10:00"}


def test_a_gateway_error_raises_so_the_reminder_is_retried(gateway):
    gateway.answers = [503]

    with pytest.raises(SmsError, match="503"):
        send_sms(to="+49 30 1234567", text="See you at 10:00")


def test_an_unreachable_gateway_raises(settings):
    settings.SMS_BACKEND = "booking.sms.HttpGatewayBackend"
    settings.SMS_GATEWAY_URL = "http://127.0.0.1:9/messages"

    with pytest.raises(SmsError, match="could not be reached"):
        send_sms(to="+49 30 1234567", text="See you at 10:00")


def test_the_file_backend_writes_one_file_a_message(settings, tmp_path):
    settings.SMS_BACKEND = "booking.sms.FileBackend"
    settings.SMS_FILE_PATH = str(tmp_path)

    send_sms(to="+49 30 1234567", text="See you at 10:00")

    (written,) = tmp_path.iterdir()
    assert written.read_text() == "From: Studio\nTo: +49 30 1234567\n\nSee you at 10:00\n"


def test_the_console_backend_prints_the_message(settings, capsys):
    settings.SMS_BACKEND = "booking.sms.ConsoleBackend"

    send_sms(to="+49 30 1234567", text="See you at 10:00")

    assert "SMS from Studio to +49 30 1234567:\nSee you at 10:00" in capsys.readouterr().out
