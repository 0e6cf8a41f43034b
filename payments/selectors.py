"""Reads of money: balances are sums over the ledger, never stored totals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

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


@dataclass(frozen=True)
class PackageState:
    """A client's package as the pages show it: sessions left, and whether it can be used."""

    client_package: ClientPackage
    left: int
    is_expired: bool

    @property
    def is_usable(self) -> bool:
        return self.client_package.is_paid and not self.is_expired and self.left > 0


def client_packages(
    client_id: int, *, now: datetime, offering_id: int | None = None
) -> list[PackageState]:
    """A client's paid packages, newest first, with their sessions left: one query."""
    rows = (
        ClientPackage.objects.filter(client_id=client_id, is_paid=True)
        .select_related("package", "offering")
        .annotate(
            used=Coalesce(
                Sum("entries__sessions", filter=Q(entries__kind=Entry.Kind.PACKAGE_REDEMPTION)),
                0,
            )
        )
        .order_by("-bought_at", "pk")
    )
    if offering_id is not None:
        rows = rows.filter(offering_id=offering_id)
    return [
        PackageState(
            client_package=row,
            left=row.sessions - row.used,
            is_expired=row.expires_at <= now,
        )
        for row in rows
    ]


def usable_packages(client_id: int, *, offering_id: int, now: datetime) -> list[PackageState]:
    """The client's packages that can pay for a visit of the offering now."""
    return [
        state
        for state in client_packages(client_id, now=now, offering_id=offering_id)
        if state.is_usable
    ]


def package_of_visit(visit_id: Any) -> PackageState | None:
    """The package a visit's session was paid with (still held), with what is left; else None."""
    entry = (
        Entry.objects.filter(visit_id=visit_id, kind=Entry.Kind.PACKAGE_REDEMPTION)
        .values("client_package_id")
        .annotate(held=Sum("sessions"))
        .filter(held__gt=0)
        .order_by("client_package_id")
        .first()
    )
    if entry is None:
        return None
    client_package = ClientPackage.objects.select_related("package").get(
        pk=entry["client_package_id"]
    )
    return PackageState(
        client_package=client_package,
        left=sessions_left(client_package),
        is_expired=client_package.expires_at <= timezone.now(),
    )


def visits_of_package(client_package: ClientPackage) -> list[Visit]:
    """The visits a package's sessions pay for (still held), by start: two queries."""
    held = (
        Entry.objects.filter(client_package=client_package, kind=Entry.Kind.PACKAGE_REDEMPTION)
        .values("visit_id")
        .annotate(held=Sum("sessions"))
        .filter(held__gt=0)
        .values_list("visit_id", flat=True)
    )
    return list(Visit.objects.filter(pk__in=list(held)).order_by("start_at"))
