"""No log line shows a guest's manage token: not Django's, not runserver's, not gunicorn's."""

import http.client
import io
import logging
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.servers.basehttp import WSGIRequestHandler
from django.test import Client, RequestFactory

from studio.log_redaction import redact_tokens

ROOT = Path(__file__).resolve().parents[2]
APPOINTMENT_ID = "7d0f1c2e-2f3a-4a57-9f0e-0e8f7f6b2c11"
SECRET = "kT3v_9ZqLr-2wXyA8bNcD4eF5gH6iJ7kL8mN9oP0qRs"
SIGNED = ".eJwdykEKhDAMAMC_5GwhaWqj_iZJ26Wwq4LexL-LexyYC:1xY1Dk:jL1ly8I9WNsCKYR9uzQn_hPWUFK1Ocen7knruHri3uA"


@pytest.fixture
def console() -> Iterator[io.StringIO]:
    """What the settings' console handler writes, filter and all, during the test."""
    (handler,) = (h for h in logging.getLogger().handlers if h.get_name() == "console")
    assert isinstance(handler, logging.StreamHandler)
    written = io.StringIO()
    before = handler.setStream(written)
    yield written
    handler.setStream(before)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            f"GET /booking/manage/{APPOINTMENT_ID}/?t={SECRET} HTTP/1.1",
            f"GET /booking/manage/{APPOINTMENT_ID}/?t=[redacted] HTTP/1.1",
        ),
        (
            f"/booking/manage/{APPOINTMENT_ID}/reschedule/?start=2027-03-02T09%3A00Z&t={SECRET}",
            f"/booking/manage/{APPOINTMENT_ID}/reschedule/?start=2027-03-02T09%3A00Z&t=[redacted]",
        ),
        (f"t={SECRET}&start=x", "t=[redacted]&start=x"),
        (
            f"Not Found: /booking/manage/{APPOINTMENT_ID}/{SECRET}/cancel/",
            f"Not Found: /booking/manage/{APPOINTMENT_ID}/[redacted]/cancel/",
        ),
        (
            f'"GET /booking/manage/{APPOINTMENT_ID}/{SECRET}/appointment.ics HTTP/1.1" 303',
            f'"GET /booking/manage/{APPOINTMENT_ID}/[redacted]/appointment.ics HTTP/1.1" 303',
        ),
        (f"/booking/manage/not-a-uuid/{SECRET}", "/booking/manage/not-a-uuid/[redacted]"),
        # The signed link "Use these details for your client record" opens
        # a page whose button writes the booked name and phone to the record.
        (
            f'"GET /booking/client-details/{SIGNED}/ HTTP/1.1" 200',
            '"GET /booking/client-details/[redacted]/ HTTP/1.1" 200',
        ),
        (
            f"Not Found: /booking/client-details/{SIGNED}",
            "Not Found: /booking/client-details/[redacted]",
        ),
    ],
)
def test_a_token_in_a_path_or_a_query_is_redacted(line, expected):
    assert redact_tokens(line) == expected


@pytest.mark.parametrize(
    "line",
    [
        f"/booking/manage/{APPOINTMENT_ID}/",
        f"/booking/manage/{APPOINTMENT_ID}/confirmed/",
        f"/booking/manage/{APPOINTMENT_ID}/appointment.ics",
        f"/booking/manage/{APPOINTMENT_ID}/cancel/",
        f"/booking/manage/{APPOINTMENT_ID}/reschedule/?start=2027-03-02T09%3A00Z",
        "/booking/classical-foot-30/?therapist=3&start=2027-03-02T09%3A00Z",
    ],
)
def test_the_token_free_pages_are_logged_as_they_are(line):
    assert redact_tokens(line) == line


@pytest.mark.django_db
def test_a_404_on_an_old_link_logs_its_path_without_the_token(console: io.StringIO):
    # Sent before the pages had a language: redirected to /en/…, a 404 there.
    response = Client().get(f"/booking/manage/{APPOINTMENT_ID}/{SECRET}/cancel/", follow=True)

    assert response.status_code == 404
    written = console.getvalue()
    assert f"Not Found: /en/booking/manage/{APPOINTMENT_ID}/[redacted]/cancel/" in written
    assert SECRET not in written


def test_runserver_logs_its_request_lines_without_the_token(console: io.StringIO):
    path = f"/booking/manage/{APPOINTMENT_ID}/?t={SECRET}"
    handler = WSGIRequestHandler.__new__(WSGIRequestHandler)
    handler.request = RequestFactory().get(path)
    handler.requestline = f"GET {path} HTTP/1.1"

    handler.log_request(303, 0)

    written = console.getvalue()
    assert f'"GET /booking/manage/{APPOINTMENT_ID}/?t=[redacted] HTTP/1.1" 303 0' in written
    assert SECRET not in written


def test_a_traceback_is_logged_without_the_token(console: io.StringIO):
    try:
        raise ValueError(f"cannot open /booking/manage/{APPOINTMENT_ID}/{SECRET}/")
    except ValueError:
        logging.getLogger("django.request").exception("Internal Server Error")

    assert "ValueError: cannot open" in console.getvalue()
    assert SECRET not in console.getvalue()


# gunicorn, as the Dockerfile and docker-compose.yml run it ------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def answers(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


def test_gunicorn_logs_manage_requests_without_the_token(tmp_path: Path):
    environment = {
        **os.environ,
        "DEBUG": "1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'studio.sqlite3'}",
        "STUDIO_VAR_DIR": str(tmp_path),
        "LOG_LEVEL": "INFO",
    }
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--verbosity", "0"],
        cwd=ROOT,
        env=environment,
        check=True,
    )
    port = free_port()
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("gunicorn")),
                "--config",
                "gunicorn.conf.py",
                "studio.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
                "--access-logfile",
                "-",
                "--no-control-socket",
            ],
            cwd=ROOT,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 30
            while not answers(port):
                assert server.poll() is None, log.read_text()
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.1)
            statuses = []
            # Links without a language, as e-mails sent before had them,
            # are redirected to the same address under /en/, query and all.
            for path in [
                f"/booking/manage/{APPOINTMENT_ID}/?t={SECRET}",
                f"/booking/manage/{APPOINTMENT_ID}/{SECRET}/reschedule/?start=x",
                f"/en/booking/manage/{APPOINTMENT_ID}/?t={SECRET}",
                f"/en/booking/manage/{APPOINTMENT_ID}/{SECRET}/reschedule/?start=x",
            ]:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                referer = f"http://127.0.0.1:{port}/booking/manage/{APPOINTMENT_ID}/{SECRET}/"
                connection.request("GET", path, headers={"Referer": referer})
                answer = connection.getresponse()
                # Read to the end: a connection closed with the body unread
                # keeps gunicorn's one worker from the next request for 2 s.
                answer.read()
                statuses.append(answer.status)
                if answer.status == 302:
                    assert answer.getheader("Location") == f"/en{path}"
                connection.close()
        finally:
            server.terminate()
            server.wait(timeout=20)

    written = log.read_text()
    # Neither exists: the answer is a 404, and both logs say so.
    assert statuses == [302, 302, 404, 404]
    assert f'"GET /booking/manage/{APPOINTMENT_ID}/ HTTP/1.1" 302' in written
    assert f'"GET /booking/manage/{APPOINTMENT_ID}/[redacted]/reschedule/ HTTP/1.1" 302' in written
    assert f'"GET /en/booking/manage/{APPOINTMENT_ID}/ HTTP/1.1" 404' in written
    manage = f"/en/booking/manage/{APPOINTMENT_ID}/[redacted]/reschedule/"
    assert f'"GET {manage} HTTP/1.1" 404' in written
    assert f"Not Found: {manage}" in written
    assert SECRET not in written
