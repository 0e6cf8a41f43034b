"""Reads of money: balances are sums over the ledger, never stored totals."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from booking.models import Appointment, Visit
from payments.backends import get_backend
from payments.models import ClientPackage, Entry, GiftCard, Payment, SavedCard, Settlement
from payments.policies import policies_for

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class VisitBalance:
    """A visit's price, what was paid or applied to it, and what is still due.

    The price is that of the massages given or still to come: one
    cancelled or marked no-show is not owed. A no-show owes the fee its
    policy sets instead (`no_show_fee`), less the fees paid: `fee_due`.
    """

    price: Decimal
    paid: Decimal
    currency: str
    no_show_fee: Decimal = ZERO
    fees_paid: Decimal = ZERO

    @property
    def due(self) -> Decimal:
        return max(self.price - self.paid, ZERO)

    @property
    def fee_due(self) -> Decimal:
        return max(self.no_show_fee - self.fees_paid, ZERO)


# The appointments whose price is not owed: cancelled, or missed (a fee instead).
_NOT_OWED = frozenset({Appointment.Status.CANCELLED, Appointment.Status.NO_SHOW})


def visit_balance(visit: Visit) -> VisitBalance:
    """What the visit costs against its ledger rows, and the no-show fee it owes instead.

    Fees are not part of the price and do not pay it: they are summed
    apart, against the no-show fee of the appointments marked no-show
    (their policies read only when there are some). Two queries, three
    with a no-show.
    """
    appointments = list(
        visit.appointments.values_list("status", "offering_id", "price", "currency")
    )
    owed = [row for row in appointments if row[0] not in _NOT_OWED]
    missed = [row for row in appointments if row[0] == Appointment.Status.NO_SHOW]
    price = sum((row[2] for row in owed), ZERO)
    currency = (owed or appointments or [("", 0, ZERO, "EUR")])[0][3]
    sums = Entry.objects.filter(visit=visit).aggregate(
        paid=Coalesce(Sum("amount", filter=~Q(kind=Entry.Kind.FEE)), ZERO),
        fees=Coalesce(Sum("amount", filter=Q(kind=Entry.Kind.FEE)), ZERO),
    )
    no_show_fee = ZERO
    if missed:
        policies = policies_for({row[1] for row in missed})
        no_show_fee = sum((policies[row[1]].no_show_fee(row[2]) for row in missed), ZERO)
    return VisitBalance(
        price=_cents(price),
        paid=_cents(sums["paid"]),
        currency=currency,
        no_show_fee=_cents(no_show_fee),
        fees_paid=_cents(sums["fees"]),
    )


def _cents(total: Decimal) -> Decimal:
    """A sum to the cent: SQLite's SUM of decimals drops the places (35, not 35.00)."""
    return Decimal(total).quantize(ZERO)


def gift_card_balance(gift_card: GiftCard) -> Decimal:
    """The card's amount once paid, less what was spent (a give-back adds back)."""
    if not gift_card.is_paid:
        return ZERO
    # A fee kept out of gift-card money (a late cancellation) stays spent.
    spent = Entry.objects.filter(
        gift_card=gift_card, kind__in=[Entry.Kind.GIFT_CARD_REDEMPTION, Entry.Kind.FEE]
    ).aggregate(total=Coalesce(Sum("amount"), ZERO))["total"]
    balance: Decimal = _cents(gift_card.amount - spent)
    return balance


def gift_card_paid(visit: Visit) -> Decimal:
    """What gift cards pay of the visit now: their redemptions less what was given back."""
    spent = Entry.objects.filter(visit=visit, kind=Entry.Kind.GIFT_CARD_REDEMPTION).aggregate(
        total=Coalesce(Sum("amount"), ZERO)
    )["total"]
    return _cents(spent)


def sessions_left(client_package: ClientPackage) -> int:
    """The package's sessions less those used (a session given back counts -1)."""
    if not client_package.is_paid:
        return 0
    used = Entry.objects.filter(
        Q(client_package=client_package), kind=Entry.Kind.PACKAGE_REDEMPTION
    ).aggregate(total=Coalesce(Sum("sessions"), 0))["total"]
    return int(client_package.sessions - used)


@dataclass(frozen=True)
class VisitMoney:
    """Everything the desk sees of a visit's money, read in a fixed number of queries."""

    balance: VisitBalance
    entries: list[Entry]
    settlement: Settlement | None
    fee_owed: Decimal
    no_show_fee: Decimal
    is_fee_charged: bool
    card: SavedCard | None
    failures: list[Payment]

    @property
    def may_charge_no_show(self) -> bool:
        return self.no_show_fee > 0 and not self.is_fee_charged


def visit_money(visit: Visit, appointments: list[Appointment]) -> VisitMoney:
    """The visit's balance, ledger rows, settlement, what fee is owed or may be charged.

    `appointments` are the visit's, already read by the page (with their
    offerings). The saved card is the one the fee services would charge.
    """
    entries = list(
        Entry.objects.filter(visit=visit)
        .select_related("payment", "gift_card")
        .order_by("created_at", "id")
    )
    currency = appointments[0].currency if appointments else "EUR"
    price = sum((a.price for a in appointments if a.status not in _NOT_OWED), ZERO)
    paid = sum((e.amount for e in entries if e.kind != Entry.Kind.FEE), ZERO)
    fees_paid = sum((e.amount for e in entries if e.kind == Entry.Kind.FEE and e.amount > 0), ZERO)
    settlement = Settlement.objects.filter(visit=visit).first()
    fee_owed = ZERO
    if settlement is not None and settlement.outcome == Settlement.Outcome.FEE_OWED:
        fee_owed = max(settlement.fee - fees_paid, ZERO)
    missed = [a for a in appointments if a.status == Appointment.Status.NO_SHOW]
    policies = policies_for({a.offering_id for a in missed}) if missed else {}
    no_show_fee = sum((policies[a.offering_id].no_show_fee(a.price) for a in missed), ZERO)
    # A no-show owes its fee, not its price (`VisitBalance.fee_due`).
    fee_owed += max(no_show_fee - fees_paid, ZERO)
    card = newest_card(visit)
    failures = list(
        Payment.objects.filter(visit=visit, status=Payment.Status.FAILED).order_by("-created_at")[
            :3
        ]
    )
    return VisitMoney(
        balance=VisitBalance(
            price=price,
            paid=paid,
            currency=currency,
            no_show_fee=no_show_fee,
            fees_paid=fees_paid,
        ),
        entries=entries,
        settlement=settlement,
        fee_owed=fee_owed,
        no_show_fee=no_show_fee,
        is_fee_charged=fees_paid > 0,
        card=card,
        failures=failures,
    )


def newest_card(visit: Visit) -> SavedCard | None:
    """The card a fee is charged to: the client's newest saved with the current backend.

    None when the backend takes nothing online (pay at the studio).
    """
    backend = get_backend()
    if not backend.takes_online:
        return None
    return (
        SavedCard.objects.filter(client_id=visit.client_id, backend=backend.name)
        .order_by("-created_at", "-id")
        .first()
    )


# A ledger row as the reports read it: when, kind, method, amount, currency.
LedgerRow = tuple[datetime, str, str, Decimal, str]


def ledger_between(start_at: datetime, end_at: datetime) -> list[LedgerRow]:
    """Every ledger row written in [start_at, end_at): bounded by time, on its index."""
    return list(
        Entry.objects.filter(created_at__gte=start_at, created_at__lt=end_at)
        .order_by("created_at", "id")
        .values_list("created_at", "kind", "method", "amount", "currency")
    )


def deposits_held(now: datetime) -> list[tuple[str, Decimal]]:
    """What was paid online for visits still to come, per currency: money the studio holds.

    Bounded by the visits' start (indexed) from now on, and the ledger
    by visit.
    """
    rows = (
        Entry.objects.filter(
            visit__start_at__gt=now,
            visit__status__in=Visit.ACTIVE_STATUSES,
            method=Entry.Method.ONLINE,
            kind__in=[Entry.Kind.DEPOSIT, Entry.Kind.CHARGE, Entry.Kind.REFUND],
        )
        .values("currency")
        .annotate(total=Sum("amount"))
        .order_by("currency")
    )
    return [(row["currency"], row["total"]) for row in rows if row["total"]]


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


def packages_of_visits(visit_ids: Iterable[Any], *, now: datetime) -> dict[Any, PackageState]:
    """For each visit paid with a package session (still held), that package and what is left.

    For a batch of messages: one query for the visits' redemptions (on
    `payments_entry_by_visit`), and one for their packages with the
    sessions used, whatever the number of visits; none more when no
    visit was paid with a package.
    """
    held = (
        Entry.objects.filter(visit_id__in=list(visit_ids), kind=Entry.Kind.PACKAGE_REDEMPTION)
        .values("visit_id", "client_package_id")
        .annotate(held=Sum("sessions"))
        .filter(held__gt=0)
        .order_by("visit_id", "client_package_id")
    )
    package_of: dict[Any, Any] = {}
    for row in held:
        package_of.setdefault(row["visit_id"], row["client_package_id"])
    if not package_of:
        return {}
    packages = {
        row.pk: row
        for row in ClientPackage.objects.filter(pk__in=set(package_of.values()))
        .select_related("package")
        .annotate(
            used=Coalesce(
                Sum("entries__sessions", filter=Q(entries__kind=Entry.Kind.PACKAGE_REDEMPTION)),
                0,
            )
        )
    }
    return {
        visit_id: PackageState(
            client_package=packages[package_id],
            left=packages[package_id].sessions - packages[package_id].used,
            is_expired=packages[package_id].expires_at <= now,
        )
        for visit_id, package_id in package_of.items()
    }


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
