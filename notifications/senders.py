"""Who writes and sends each kind of message: a sender per kind.

The dispatcher (`notifications.services`) knows how to claim, lease and
retry a row, not what it says. Each kind has a sender that renders the
message from what the row names (its appointment, its payload) and hands
it to the e-mail or SMS backend, raising when that fails. The messages
about visits are this app's own (`notifications.appointments`); an app
that notifications must not import (payments) registers its senders
from its `AppConfig.ready`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from django.core.mail.backends.base import BaseEmailBackend

from notifications import appointments, waitlist_messages
from notifications.models import Message

Sender = Callable[[Message, BaseEmailBackend | None], None]


class Deferred(Exception):
    """Raised by a sender when its message must wait, without counting a try.

    The message is due again at `until` (a paused webhook subscription,
    an earlier delivery of the same visit still to send).
    """

    def __init__(self, until: datetime, reason: str) -> None:
        super().__init__(reason)
        self.until = until


_senders: dict[str, Sender] = {}


def register(kind: str, sender: Sender) -> None:
    """`sender` writes and sends the messages of `kind` from now on."""
    _senders[kind] = sender


def send(message: Message, *, connection: BaseEmailBackend | None = None) -> None:
    """Write and send `message` by its kind's sender; raises when that fails.

    `connection` lets a batch of e-mails share one connection to the mail server.
    """
    try:
        sender = _senders[message.kind]
    except KeyError:
        raise LookupError(f"No sender for messages of kind {message.kind!r}") from None
    sender(message, connection)


def _about_visit(message: Message, connection: BaseEmailBackend | None) -> None:
    appointments.send(message, connection=connection)


for _kind in [
    Message.Kind.CONFIRMATION,
    Message.Kind.DAY_BEFORE,
    Message.Kind.HOURS_BEFORE,
    Message.Kind.CANCELLATION,
    Message.Kind.RESCHEDULED,
]:
    register(_kind, _about_visit)

# The waitlist's own (notifications.waitlist): a freed time to look at, and its messages.
register(Message.Kind.WAITLIST_CHECK, waitlist_messages.check)
register(Message.Kind.WAITLIST_JOINED, waitlist_messages.send_joined)
register(Message.Kind.WAITLIST_OFFER, waitlist_messages.send_offer)
