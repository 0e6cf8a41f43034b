"""Text messages, with backends chosen by settings.SMS_BACKEND like e-mail's.

- ConsoleBackend prints each message, for development.
- FileBackend writes each message to a file under SMS_FILE_PATH, for
  development and tests (the embedded default).
- HttpGatewayBackend posts each message as JSON to an SMS gateway at
  SMS_GATEWAY_URL with the key SMS_GATEWAY_KEY.

A backend raises SmsError when a message cannot be sent; the reminder
dispatcher then tries again later.
"""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string


class SmsError(Exception):
    pass


@dataclass(frozen=True)
class TextMessage:
    to: str
    text: str
    sender: str = ""


class BaseBackend:
    def send(self, message: TextMessage) -> None:
        raise NotImplementedError


class ConsoleBackend(BaseBackend):
    def send(self, message: TextMessage) -> None:
        sys.stdout.write(f"SMS from {message.sender} to {message.to}:\n{message.text}\n\n")
        sys.stdout.flush()


class FileBackend(BaseBackend):
    def send(self, message: TextMessage) -> None:
        folder = Path(settings.SMS_FILE_PATH)
        folder.mkdir(parents=True, exist_ok=True)
        name = f"{timezone.now():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:8]}.txt"
        (folder / name).write_text(
            f"From: {message.sender}\nTo: {message.to}\n\n{message.text}\n", encoding="utf-8"
        )


class HttpGatewayBackend(BaseBackend):
    """POSTs `{"to", "from", "text"}` with `Authorization: Bearer <key>`."""

    def send(self, message: TextMessage) -> None:
        if not settings.SMS_GATEWAY_URL.startswith(("https://", "http://")):
            raise SmsError("SMS_GATEWAY_URL must be an http(s) URL")
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
            settings.SMS_GATEWAY_URL,
            data=json.dumps(
                {"to": message.to, "from": message.sender, "text": message.text}
            ).encode(),
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {settings.SMS_GATEWAY_KEY}",
            },
            method="POST",
        )
        try:
            with urllib.request.urlopen(  # noqa: S310 - the scheme is checked above
                request, timeout=settings.SMS_GATEWAY_TIMEOUT
            ) as response:
                response.read()
        except urllib.error.HTTPError as error:
            raise SmsError(f"the SMS gateway answered {error.code}: {error.reason}") from error
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            raise SmsError(f"the SMS gateway could not be reached: {error}") from error


def get_backend() -> BaseBackend:
    backend: BaseBackend = import_string(settings.SMS_BACKEND)()
    return backend


def send_sms(*, to: str, text: str) -> None:
    get_backend().send(TextMessage(to=to, text=text, sender=settings.SMS_SENDER))
