"""The client's e-mails about money: a fee charged, a refund made, receipts, package links.

Written in the visit's language (the one the client booked in),
whatever language the worker runs in, with the amount and the visit's
day formatted for it; sent to the visit's contact address, like every
message about that visit.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend
from django.template.loader import render_to_string
from django.utils import formats, translation
from django.utils.translation import gettext_lazy
from django_stubs_ext import StrOrPromise

from booking.contacts import mailbox
from booking.models import Visit
from notifications import senders
from notifications.appointments import WHEN_FORMAT
from notifications.models import Message
from notifications.services import write_message
from payments.models import ClientPackage, Entry, Settlement
from payments.receipts import build_receipt_email, receipt_language, receipt_recipient
from studio.formatting import format_money
from studio.identity import studio_identity


def fee_email(*, visit: Visit, amount: Decimal, currency: str, is_no_show: bool) -> EmailMessage:
    subject = gettext_lazy("A fee of {amount} for your massage on {when}")
    return _money_email(visit, subject, "fee", amount, currency, is_no_show=is_no_show)


def refund_email(*, visit: Visit, amount: Decimal, currency: str, is_cash: bool) -> EmailMessage:
    subject = gettext_lazy("A refund of {amount} for your massage on {when}")
    return _money_email(visit, subject, "refund", amount, currency, is_cash=is_cash)


def _money_email(
    visit: Visit,
    subject: StrOrPromise,
    template: str,
    amount: Decimal,
    currency: str,
    **flags: bool,
) -> EmailMessage:
    """The e-mail of `template`, in the visit's language, its amount and day formatted for it."""
    with translation.override(visit.language):
        start = visit.start_at.astimezone(ZoneInfo(settings.STUDIO_TIME_ZONE))
        when = formats.date_format(start, str(WHEN_FORMAT))
        identity = studio_identity(visit.language)
        context = {
            "visit": visit,
            "amount": format_money(amount, currency),
            "when": when,
            "studio_name": identity["studio_name"],
            "studio_phone": identity["studio_phone"],
            **flags,
        }
        return EmailMessage(
            subject=f"{str(subject).format(**context)} · {context['studio_name']}",
            body=render_to_string(f"payments/email/{template}.txt", context),
            to=[mailbox(name=visit.contact_name, email=visit.contact_email)],
        )


def settlement_emails(settlement: Settlement) -> list[EmailMessage]:
    """What the client hears of a cancellation's money: the refund, the fee charged."""
    visit = settlement.visit
    emails = []
    if settlement.refunded > 0:
        emails.append(
            refund_email(
                visit=visit, amount=settlement.refunded, currency=settlement.currency, is_cash=False
            )
        )
    if settlement.outcome == Settlement.Outcome.FEE_CHARGED:
        emails.append(
            fee_email(
                visit=visit, amount=settlement.fee, currency=settlement.currency, is_no_show=False
            )
        )
    return emails


def entry_email(entry: Entry) -> EmailMessage | None:
    """The e-mail of a no-show fee charged or a refund made at the desk; None for others."""
    visit = entry.visit
    if visit is None or not visit.contact_email:
        return None
    if entry.kind == Entry.Kind.FEE and entry.amount > 0:
        return fee_email(visit=visit, amount=entry.amount, currency=entry.currency, is_no_show=True)
    if entry.amount < 0:
        return refund_email(
            visit=visit,
            amount=-entry.amount,
            currency=entry.currency,
            is_cash=entry.method != Entry.Method.ONLINE,
        )
    return None


# The outbox: each notice, receipt and package link is a row of
# notifications' outbox, written in the transaction of the ledger row it
# describes, and rendered again from that row when a worker sends it.
# The gift card's code is not among them: the database keeps only its
# hash, so its e-mail stays a task that carries the code
# (`payments.tasks.send_gift_card_code`); an outbox row could not say it.


def write_settlement_notices(settlement: Settlement) -> None:
    """The refund and fee e-mails of a cancellation's settlement, into the outbox."""
    visit = settlement.visit
    if not visit.contact_email:
        return
    if settlement.refunded > 0:
        _write_visit_notice(Message.Kind.REFUND, visit, {"settlement_id": settlement.pk})
    if settlement.outcome == Settlement.Outcome.FEE_CHARGED:
        _write_visit_notice(Message.Kind.FEE, visit, {"settlement_id": settlement.pk})


def write_entry_notice(entry: Entry) -> None:
    """The e-mail of a no-show fee charged or a refund made at the desk, into the outbox."""
    visit = entry.visit
    if visit is None or not visit.contact_email:
        return
    if entry.kind == Entry.Kind.FEE and entry.amount > 0:
        _write_visit_notice(Message.Kind.FEE, visit, {"entry_id": entry.pk})
    elif entry.amount < 0:
        _write_visit_notice(Message.Kind.REFUND, visit, {"entry_id": entry.pk})


def write_receipt(entry: Entry) -> None:
    """The receipt of a ledger row, into the outbox; none when there is nowhere to send it."""
    _, email = receipt_recipient(entry)
    if not email:
        return
    write_message(
        kind=Message.Kind.RECEIPT,
        recipient=email,
        language=receipt_language(entry),
        payload={"entry_id": entry.pk},
        visit=entry.visit,
        client=entry.client,
    )


def write_package_mail(client_package: ClientPackage) -> None:
    """The e-mail with the private link to a package bought, into the outbox.

    The link's token is made again when it is sent, never stored.
    """
    client = client_package.client
    if not client.email:
        return
    write_message(
        kind=Message.Kind.PACKAGE,
        recipient=client.email,
        language=client.language or settings.LANGUAGE_CODE,
        payload={"client_package_id": str(client_package.pk)},
        client=client,
    )


def _write_visit_notice(kind: str, visit: Visit, payload: dict[str, Any]) -> None:
    write_message(
        kind=kind,
        recipient=visit.contact_email,
        language=visit.language,
        payload=payload,
        visit=visit,
        client=visit.client,
    )


def _send_money_notice(message: Message, connection: BaseEmailBackend | None) -> None:
    if "settlement_id" in message.payload:
        settlement = Settlement.objects.select_related("visit").get(
            pk=message.payload["settlement_id"]
        )
        visit = settlement.visit
        if message.kind == Message.Kind.REFUND:
            email = refund_email(
                visit=visit, amount=settlement.refunded, currency=settlement.currency, is_cash=False
            )
        else:
            email = fee_email(
                visit=visit, amount=settlement.fee, currency=settlement.currency, is_no_show=False
            )
    else:
        entry = Entry.objects.select_related("visit").get(pk=message.payload["entry_id"])
        found = entry_email(entry)
        if found is None:
            raise LookupError(f"Ledger entry {entry.pk} has no e-mail to send")
        email = found
    email.connection = connection
    email.send(fail_silently=False)


def _send_receipt(message: Message, connection: BaseEmailBackend | None) -> None:
    entry = Entry.objects.select_related("client", "visit", "gift_card").get(
        pk=message.payload["entry_id"]
    )
    email = build_receipt_email(entry)
    if email is None:
        raise LookupError(f"Ledger entry {entry.pk} has no address to send its receipt to")
    email.connection = connection
    email.send(fail_silently=False)


def _send_package_mail(message: Message, connection: BaseEmailBackend | None) -> None:
    # Here, not at the top: the package mail reads the packages' services,
    # which write these rows through this module.
    from payments.package_mail import send_package_mail  # noqa: PLC0415

    client_package = ClientPackage.objects.select_related("client", "package").get(
        pk=message.payload["client_package_id"]
    )
    send_package_mail(client_package)


senders.register(Message.Kind.FEE, _send_money_notice)
senders.register(Message.Kind.REFUND, _send_money_notice)
senders.register(Message.Kind.RECEIPT, _send_receipt)
senders.register(Message.Kind.PACKAGE, _send_package_mail)
