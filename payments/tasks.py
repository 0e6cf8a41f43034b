"""Celery tasks of money: thin, by id, safe to run twice; the services do the work."""

from __future__ import annotations

from smtplib import SMTPException

from celery import shared_task

from booking.models import Visit
from booking.services import Actor

# Registers the senders of money's messages with the outbox, in every
# process that loads the tasks (payments' AppConfig.ready imports them).
from payments import notifications  # noqa: F401 - registration is the import's effect
from payments.backends.base import PaymentError
from payments.models import GiftCard
from payments.receipts import build_gift_card_email
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
