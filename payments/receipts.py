"""Receipts and gift card e-mails: what was paid, in the client's language.

A receipt says what was paid for, how much, how, when, the studio's name
and address, and what the visit still owes. It goes by e-mail through
the outbox (`payments.notifications.write_receipt`, in the payment's
transaction); the desk prints the same receipt from the visit page.

The e-mail with a gift card's code is not in the outbox: the code rides
in a Celery task's arguments after the sale has committed. The database
keeps only its hash, so the task is the one place it lives until the
e-mail is handed to the mail server.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from celery import current_app
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import Sum
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext

from booking.contacts import mailbox
from booking.models import Visit
from payments.codes import format_code
from payments.models import Entry, GiftCard
from payments.selectors import visit_balance
from studio.identity import studio_identity

# The ledger rows a receipt is printed for (the visit page links each).
RECEIPT_KINDS = frozenset(
    {
        Entry.Kind.DESK_PAYMENT,
        Entry.Kind.GIFT_CARD_REDEMPTION,
        Entry.Kind.GIFT_CARD_SALE,
        Entry.Kind.DEPOSIT,
        Entry.Kind.CHARGE,
    }
)

logger = logging.getLogger(__name__)

SEND_GIFT_CARD_CODE_TASK = "payments.tasks.send_gift_card_code"


@dataclass(frozen=True)
class Receipt:
    """One ledger row as the client reads it."""

    entry: Entry
    what: str
    paid_at: datetime
    due: Decimal | None
    language: str

    @property
    def amount(self) -> Decimal:
        amount: Decimal = self.entry.amount
        return amount

    @property
    def currency(self) -> str:
        return self.entry.currency

    @property
    def method(self) -> str:
        return str(self.entry.get_method_display())


def receipt_language(entry: Entry) -> str:
    """The client's language; a gift card bought by nobody on record, the card's."""
    if entry.client is not None:
        return entry.client.language
    if entry.visit is not None:
        return entry.visit.language
    if entry.gift_card is not None:
        return entry.gift_card.language
    return translation.get_language() or "en"


def receipt_of(entry: Entry) -> Receipt:
    """The receipt of a ledger row, its words in the active language."""
    if entry.visit is not None:
        offerings = [
            appointment.offering.name
            for appointment in entry.visit.appointments.select_related("offering").order_by(
                "start_at"
            )
        ]
        what = ", ".join(offerings)
        due: Decimal | None = _due_after(entry, entry.visit)
    else:
        what = gettext("Gift card ···· %(last4)s") % {
            "last4": entry.gift_card.code_last4 if entry.gift_card else ""
        }
        due = None
    if entry.kind == Entry.Kind.GIFT_CARD_REDEMPTION and entry.gift_card is not None:
        what = gettext("%(what)s (gift card ···· %(last4)s)") % {
            "what": what,
            "last4": entry.gift_card.code_last4,
        }
    return Receipt(
        entry=entry,
        what=what,
        paid_at=timezone.localtime(entry.created_at),
        due=due,
        language=receipt_language(entry),
    )


def _due_after(entry: Entry, visit: Visit) -> Decimal:
    """What the visit still owed right after this row: a reprinted receipt says the same."""
    price = visit_balance(visit).price
    paid_then = (
        Entry.objects.filter(visit=visit, pk__lte=entry.pk)
        .exclude(kind=Entry.Kind.FEE)
        .aggregate(total=Coalesce(Sum("amount"), Decimal("0.00")))["total"]
    )
    due: Decimal = max(price - paid_then, Decimal("0.00"))
    return due


def receipt_recipient(entry: Entry) -> tuple[str, str]:
    """Whom the receipt goes to: the visit's contact, or the client on record."""
    if entry.visit is not None and entry.visit.contact_email:
        return entry.visit.contact_name, entry.visit.contact_email
    if entry.client is not None and entry.client.email:
        return entry.client.name, entry.client.email
    return "", ""


def build_receipt_email(entry: Entry) -> EmailMultiAlternatives | None:
    """The receipt e-mail in the client's language; None when there is nowhere to send it."""
    name, email = receipt_recipient(entry)
    if not email:
        return None
    with translation.override(receipt_language(entry)), timezone.override(_studio_zone()):
        receipt = receipt_of(entry)
        context: dict[str, Any] = {
            "receipt": receipt,
            "contact_name": name,
            **studio_identity(receipt.language),
        }
        message = EmailMultiAlternatives(
            subject=gettext("Your receipt from %(studio)s") % {"studio": context["studio_name"]},
            body=render_to_string("payments/email/receipt.txt", context),
            to=[mailbox(name=name, email=email)],
        )
        message.attach_alternative(
            render_to_string("payments/email/receipt.html", context), "text/html"
        )
    return message


def build_gift_card_email(card: GiftCard, *, code: str, to: str) -> EmailMultiAlternatives:
    """The gift card's code, for its buyer or recipient, in the card's language."""
    with translation.override(card.language), timezone.override(_studio_zone()):
        context: dict[str, Any] = {
            "card": card,
            "code": format_code(code),
            "expires_on": timezone.localtime(card.expires_at).date(),
            **studio_identity(card.language),
        }
        message = EmailMultiAlternatives(
            subject=gettext("Your gift card from %(studio)s") % {"studio": context["studio_name"]},
            body=render_to_string("payments/email/gift_card.txt", context),
            to=[to],
        )
        message.attach_alternative(
            render_to_string("payments/email/gift_card.html", context), "text/html"
        )
    return message


def _studio_zone() -> str:
    return str(settings.STUDIO_TIME_ZONE)


def enqueue_gift_card_code(card_id: str, code: str, recipients: list[str]) -> None:
    """After the sale's commit: a worker sends the code to the buyer and recipient."""
    try:
        current_app.tasks[SEND_GIFT_CARD_CODE_TASK].delay(
            gift_card_id=card_id, code=code, recipients=recipients
        )
    except Exception:  # the broker is down; the code was shown on the page
        logger.warning("Could not enqueue the code e-mail of gift card %s", card_id)
