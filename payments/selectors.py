"""Reads of money: balances are sums over the ledger, never stored totals."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, Sum
from django.db.models.functions import Coalesce

from booking.models import Visit
from payments.models import ClientPackage, Entry, GiftCard

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class VisitBalance:
    """A visit's price, what was paid or applied to it, and what is still due."""

    price: Decimal
    paid: Decimal
    currency: str

    @property
    def due(self) -> Decimal:
        return max(self.price - self.paid, ZERO)


def visit_balance(visit: Visit) -> VisitBalance:
    """What the visit costs (its appointments not cancelled) against its ledger rows.

    Fees are not part of the price and do not pay it: a no-show fee is
    owed on top, so it is left out of `paid`.
    """
    appointments = visit.appointments.exclude(status=Visit.Status.CANCELLED)
    price = appointments.aggregate(total=Coalesce(Sum("price"), ZERO))["total"]
    currency = (
        appointments.values_list("currency", flat=True).first()
        or visit.appointments.values_list("currency", flat=True).first()
        or "EUR"
    )
    paid = (
        Entry.objects.filter(visit=visit)
        .exclude(kind=Entry.Kind.FEE)
        .aggregate(total=Coalesce(Sum("amount"), ZERO))["total"]
    )
    return VisitBalance(price=price, paid=paid, currency=currency)


def gift_card_balance(gift_card: GiftCard) -> Decimal:
    """The card's amount once paid, less what was spent (a give-back adds back)."""
    if not gift_card.is_paid:
        return ZERO
    spent = Entry.objects.filter(
        gift_card=gift_card, kind=Entry.Kind.GIFT_CARD_REDEMPTION
    ).aggregate(total=Coalesce(Sum("amount"), ZERO))["total"]
    balance: Decimal = gift_card.amount - spent
    return balance


def sessions_left(client_package: ClientPackage) -> int:
    """The package's sessions less those used (a session given back counts -1)."""
    if not client_package.is_paid:
        return 0
    used = Entry.objects.filter(
        Q(client_package=client_package), kind=Entry.Kind.PACKAGE_REDEMPTION
    ).aggregate(total=Coalesce(Sum("sessions"), 0))["total"]
    return int(client_package.sessions - used)
