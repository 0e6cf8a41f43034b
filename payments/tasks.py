"""Celery tasks of the money app: thin, by id; the receipts module does the work."""

from smtplib import SMTPException

from celery import shared_task

from payments.models import Entry, GiftCard
from payments.receipts import build_gift_card_email, build_receipt_email


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
