"""The client's e-mails about money: a fee charged, a refund made.

Written in the visit's language (the one the client booked in),
whatever language the worker runs in, with the amount and the visit's
day formatted for it; sent to the visit's contact address, like every
message about that visit.
"""

from __future__ import annotations

from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import formats, translation
from django.utils.translation import gettext_lazy
from django_stubs_ext import StrOrPromise

from booking.contacts import mailbox
from booking.models import Visit
from notifications.appointments import WHEN_FORMAT
from payments.models import Entry, Settlement
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
