"""The desk's checkout: what a client pays at the studio for a visit, in cash or by card.

A gift card at the checkout is `gift_cards.spend_gift_card`; a package
session is the packages' own service. Tips are not taken: a payment
is never more than what is due.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from booking.models import Visit
from booking.services import Actor
from payments import errors
from payments.models import Entry
from payments.notifications import write_receipt
from payments.selectors import visit_balance
from payments.services.ledger import Movement, record_entry


@transaction.atomic(durable=True)
def take_desk_payment(
    *,
    visit: Visit,
    amount: Decimal,
    method: str,
    actor: Actor,
    now: datetime | None = None,
) -> Entry:
    """Take a payment for a visit at the desk: cash or card on the terminal.

    Locks the visit's row first, so two desks taking money for one visit
    at once cannot both take what is due. What is due is the price of
    the massages given or to come, less what was paid: one `desk_payment`
    row, and after the commit the client gets a receipt. A visit whose
    price is settled but that owes a no-show fee (a no-show owes the
    policy's fee, not the price) pays that fee instead: one `fee` row,
    as the desk's fee form writes. Raises InvalidMethod, InvalidAmount
    (zero or less), NothingDue or MoreThanDue.
    """
    if method not in Entry.DESK_METHODS:
        raise errors.InvalidMethod()
    if amount <= 0:
        raise errors.InvalidAmount()
    now = now or timezone.now()
    Visit.objects.select_for_update(of=("self",)).filter(pk=visit.pk).first()
    owed = visit_balance(visit)
    is_fee = owed.due <= 0 and owed.fee_due > 0
    due = owed.fee_due if is_fee else owed.due
    if due <= 0:
        raise errors.NothingDue()
    if amount > due:
        raise errors.MoreThanDue()
    kind = Entry.Kind.FEE if is_fee else Entry.Kind.DESK_PAYMENT
    entry = record_entry(
        movement=Movement(kind=kind, method=method, amount=amount, currency=owed.currency),
        actor=actor,
        visit=visit,
        now=now,
    )
    if not is_fee:
        write_receipt(entry)
    return entry
