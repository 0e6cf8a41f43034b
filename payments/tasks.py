"""Celery tasks of money: thin, by id, safe to run twice; the services do the work."""

from __future__ import annotations

from smtplib import SMTPException

from celery import shared_task
from django.core.exceptions import ObjectDoesNotExist

from booking.models import Visit
from booking.services import Actor
from payments import notifications
from payments.backends.base import PaymentError
from payments.models import ClientPackage, Entry, GiftCard, Settlement
from payments.receipts import build_gift_card_email, build_receipt_email
from payments.services import fees, online

# Who settles a cancellation, in the ledger and its history.
SETTLER = Actor(label="studio (cancellation policy)")


@shared_task(
    ignore_result=True,
    autoretry_for=(PaymentError,),
    retry_backoff=30,
    max_retries=8,
)
def settle_cancellation(*, visit_id: str) -> str:
    """Apply the policy to a cancelled visit; a second run finds it settled and does nothing."""
    try:
        visit = Visit.objects.get(pk=visit_id)
    except Visit.DoesNotExist:
        return "gone"
    settlement = fees.settle_cancellation(visit=visit, actor=SETTLER)
    return settlement.outcome if settlement is not None else "not cancelled"


@shared_task(ignore_result=True)
def settle_missed_cancellations() -> int:
    """Beat's sweep: settle cancelled visits whose task was lost (a crash, a broker restart)."""
    return fees.settle_missed_cancellations(actor=SETTLER)


@shared_task(ignore_result=True, autoretry_for=(OSError,), retry_backoff=60, max_retries=5)
def send_settlement_notice(*, settlement_id: int) -> int:
    """E-mail the client what their cancellation cost or gave back."""
    try:
        settlement = Settlement.objects.select_related("visit").get(pk=settlement_id)
    except ObjectDoesNotExist:
        return 0
    if not settlement.visit.contact_email:
        return 0
    emails = notifications.settlement_emails(settlement)
    for email in emails:
        email.send(fail_silently=False)
    return len(emails)


@shared_task(ignore_result=True, autoretry_for=(OSError,), retry_backoff=60, max_retries=5)
def send_money_notice(*, entry_id: int) -> int:
    """E-mail the client a no-show fee charged, or a refund staff made."""
    entry = Entry.objects.select_related("visit").filter(pk=entry_id).first()
    email = notifications.entry_email(entry) if entry is not None else None
    if email is None:
        return 0
    email.send(fail_silently=False)
    return 1


@shared_task(ignore_result=True)
def cancel_released_payments() -> int:
    """Beat's minute-by-minute cancelling of payments whose visit's hold ran out."""
    return online.cancel_released_payments()


@shared_task(ignore_result=True)
def give_back_sessions(*, visit_id: str) -> int:
    """Give back the package sessions of a visit cancelled in time (none twice)."""
    from payments.services.packages import give_back_session  # noqa: PLC0415 - services import this module

    visit = Visit.objects.filter(pk=visit_id).first()
    if visit is None:
        return 0
    return len(give_back_session(visit=visit, actor=Actor(label="studio")))


@shared_task(ignore_result=True)
def send_package_mail(*, client_package_id: str) -> bool:
    """The e-mail with the private link to the client's package page."""
    from payments.package_mail import send_package_mail as send  # noqa: PLC0415

    client_package = (
        ClientPackage.objects.select_related("client", "package")
        .filter(pk=client_package_id)
        .first()
    )
    if client_package is None:
        return False
    send(client_package)
    return True


@shared_task(
    ignore_result=True,
    autoretry_for=(SMTPException, OSError),
    retry_backoff=30,
    max_retries=8,
)
def send_receipt(*, entry_id: int) -> bool:
    """E-mail the receipt of one ledger row; False when the client has no e-mail."""
    entry = Entry.objects.select_related("client", "visit", "gift_card").filter(pk=entry_id).first()
    message = build_receipt_email(entry) if entry is not None else None
    if message is None:
        return False
    message.send(fail_silently=False)
    return True


@shared_task(
    ignore_result=True,
    autoretry_for=(SMTPException, OSError),
    retry_backoff=30,
    max_retries=8,
)
def send_gift_card_code(*, gift_card_id: str, code: str, recipients: list[str]) -> int:
    """E-mail a gift card's code to its buyer and recipient; how many were sent."""
    card = GiftCard.objects.filter(pk=gift_card_id).first()
    if card is None:
        return 0
    for to in recipients:
        build_gift_card_email(card, code=code, to=to).send(fail_silently=False)
    return len(recipients)
