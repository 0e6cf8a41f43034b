"""Any name reaches its mailbox: addresses are built quoted, and sent by Django's SMTP backend."""

import email
import socketserver
import threading
from collections.abc import Iterator
from email import policy
from typing import Any

import pytest
import time_machine
from django.core import mail

from booking.contacts import mailbox, single_line
from booking.services import Actor, ClientDetails, book_appointment
from booking.site_forms import BookingForm
from notifications.models import Message
from notifications.services import send_message_now
from tests.booking.conftest import NOW, TUESDAY, at

NAMES = [
    "Doe, Jane",
    "Jane; Doe",
    "Jane <boss@evil.example>",
    'Jane "JJ" Doe',
    "Jane\r\nBcc: spy@evil.example",
    "Юлия Иванова",
    "Zoë O'Brien (Praxis) @ home",
]


class SmtpSink(socketserver.ThreadingTCPServer):
    """Just enough of an SMTP server to take messages and keep them."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _SmtpSession)
        self.envelopes: list[dict[str, Any]] = []


class _SmtpSession(socketserver.StreamRequestHandler):
    server: SmtpSink

    def reply(self, line: str) -> None:
        self.wfile.write(f"{line}\r\n".encode())

    def handle(self) -> None:
        self.reply("220 sink")
        envelope: dict[str, Any] = {"to": []}
        while line := self.rfile.readline():
            command = line.decode("ascii", "replace").strip()
            verb = command[:4].upper()
            if verb in {"EHLO", "HELO", "RSET", "NOOP"}:
                self.reply("250 ok")
            elif verb == "MAIL":
                envelope = {"from": command[10:], "to": []}
                self.reply("250 ok")
            elif verb == "RCPT":
                envelope["to"].append(command[8:])
                self.reply("250 ok")
            elif verb == "DATA":
                self.reply("354 go on")
                lines = []
                while (data := self.rfile.readline()) not in {b".\r\n", b""}:
                    lines.append(data)
                envelope["message"] = b"".join(lines)
                self.server.envelopes.append(envelope)
                self.reply("250 kept")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("502 not here")


@pytest.fixture
def smtp(settings) -> Iterator[SmtpSink]:
    sink = SmtpSink()
    thread = threading.Thread(target=sink.serve_forever, daemon=True)
    thread.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = sink.server_address[:2]
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield sink
    sink.shutdown()
    sink.server_close()


@pytest.mark.django_db
@pytest.mark.parametrize("name", NAMES)
def test_a_confirmation_to_any_name_reaches_its_mailbox_through_smtp(
    smtp, name, classical, anna, two_rooms
):
    appointment = book_appointment(
        offering=classical,
        start_at=at(TUESDAY, "10:00"),
        client=ClientDetails(name=name, email="jane@example.com", phone="+49301234567"),
        source="api",
        actor=Actor.guest(),
        now=NOW,
    )
    confirmation = appointment.messages.get(kind=Message.Kind.CONFIRMATION)

    with time_machine.travel(NOW, tick=False):
        status = send_message_now(message_id=confirmation.pk)

    assert status == Message.Status.SENT
    (envelope,) = smtp.envelopes
    assert envelope["to"] == ["<jane@example.com>"]
    received = email.message_from_bytes(envelope["message"], policy=policy.default)
    (address,) = received["To"].addresses
    assert (address.display_name, address.addr_spec) == (single_line(name), "jane@example.com")
    assert received["Bcc"] is None


@pytest.mark.django_db
def test_a_confirmation_to_a_domain_beyond_ascii_reaches_its_mailbox_through_smtp(
    smtp, classical, anna, two_rooms
):
    # The e-mail check takes an international domain; building the
    # address refused it ("'ascii' codec can't encode"), so on a live
    # server the confirmation was retried until it failed.
    appointment = book_appointment(
        offering=classical,
        start_at=at(TUESDAY, "10:00"),
        client=ClientDetails(name="Jane", email="jane@exämple.de", phone="+49301234567"),
        source="api",
        actor=Actor.guest(),
        now=NOW,
    )
    confirmation = appointment.messages.get(kind=Message.Kind.CONFIRMATION)

    with time_machine.travel(NOW, tick=False):
        status = send_message_now(message_id=confirmation.pk)

    assert status == Message.Status.SENT
    (envelope,) = smtp.envelopes
    assert envelope["to"] == ["<jane@xn--exmple-cua.de>"]


def test_the_old_way_of_writing_the_address_is_what_smtp_refused():
    # What notifications.appointments wrote before: the backend's own check refuses it.
    with pytest.raises(ValueError, match="Invalid address"):
        mail.message.sanitize_address("Doe, Jane <jane@example.com>", "utf-8")

    assert mail.message.sanitize_address(
        mailbox(name="Doe, Jane", email="jane@example.com"), "utf-8"
    ) == ('"Doe, Jane" <jane@example.com>')


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("Jane\r\nBcc: spy@evil.example", "Jane Bcc: spy@evil.example"),
        ("Jane\nDoe", "Jane Doe"),
        ("Jane\u2028Doe", "Jane Doe"),
        ("  Jane   Doe ", "Jane Doe"),
    ],
)
def test_a_name_is_kept_on_one_line(typed, kept):
    assert single_line(typed) == kept


@pytest.mark.django_db
def test_the_booking_form_takes_a_name_on_one_line(anna):
    form = BookingForm(
        {"name": "Jane\r\nDoe", "email": "jane@example.com", "phone": "030 1234567"},
        therapists=[anna],
    )

    form.is_valid()

    assert form.cleaned_data["name"] == "Jane Doe"
