"""Which payment policy applies to an offering, and what it asks for in money.

The one owner of "how much is paid online for this massage" and "what
fee does this late cancellation or no-show cost": the booking pages,
the API, the desk and the fee services all ask here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol

from django.utils import formats, timezone
from django.utils.translation import gettext

from payments.models import PaymentPolicy
from studio.formatting import format_money

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Policy:
    """A policy as it applies (the offering's own, else the studio-wide one, else none)."""

    online: str = PaymentPolicy.Online.NOTHING
    deposit_amount: Decimal | None = None
    deposit_percent: int | None = None
    late_cancel_fee_percent: int = 0
    no_show_fee_percent: int = 0
    fee_cutoff_hours: int = 24
    refunds_in_time: bool = True

    @classmethod
    def of(cls, row: PaymentPolicy | None) -> Policy:
        if row is None:
            return cls()
        return cls(
            online=row.online,
            deposit_amount=row.deposit_amount,
            deposit_percent=row.deposit_percent,
            late_cancel_fee_percent=row.late_cancel_fee_percent,
            no_show_fee_percent=row.no_show_fee_percent,
            fee_cutoff_hours=row.fee_cutoff_hours,
            refunds_in_time=row.refunds_in_time,
        )

    def online_amount(self, price: Decimal) -> Decimal:
        """What is paid online for one massage at this price (never more than the price)."""
        if self.online == PaymentPolicy.Online.FULL:
            return price
        if self.online != PaymentPolicy.Online.DEPOSIT:
            return Decimal(0)
        if self.deposit_amount is not None:
            return min(self.deposit_amount, price)
        return share(price, self.deposit_percent or 0)

    def late_cancel_fee(self, price: Decimal) -> Decimal:
        return share(price, self.late_cancel_fee_percent)

    def no_show_fee(self, price: Decimal) -> Decimal:
        return share(price, self.no_show_fee_percent)


def share(price: Decimal, percent: int) -> Decimal:
    """`percent` per cent of the price, to the cent, half up."""
    return (price * percent / 100).quantize(CENT, rounding=ROUND_HALF_UP)


def policies_for(offering_ids: Iterable[int]) -> dict[int, Policy]:
    """Each offering's policy, in one query: its own row, else the studio-wide row."""
    wanted = set(offering_ids)
    rows = list(
        PaymentPolicy.objects.filter(offering_id__in=wanted)
        | PaymentPolicy.objects.filter(offering__isnull=True)
    )
    studio_wide = next((row for row in rows if row.offering_id is None), None)
    own = {row.offering_id: row for row in rows if row.offering_id is not None}
    return {offering_id: Policy.of(own.get(offering_id, studio_wide)) for offering_id in wanted}


def policy_for(offering_id: int) -> Policy:
    return policies_for([offering_id])[offering_id]


class Priced(Protocol):
    """What the terms need of a massage: an appointment, or one about to be booked."""

    @property
    def offering_id(self) -> int: ...
    @property
    def price(self) -> Decimal: ...
    @property
    def currency(self) -> str: ...
    @property
    def start_at(self) -> datetime: ...


@dataclass(frozen=True)
class Wanted:
    """A massage on the booking page, before it is booked."""

    offering_id: int
    price: Decimal
    currency: str
    start_at: datetime


def terms_of(parts: Iterable[Priced]) -> list[str]:
    """The cancellation and no-show terms of these massages, in the active language.

    Empty when their policies charge no fee: nothing to tell. "Cancel
    free of charge until Mon 1 March, 10:00; after that, a fee of €17.50."
    """
    parts = list(parts)
    if not parts:
        return []
    policies = policies_for({part.offering_id for part in parts})
    currency = parts[0].currency
    late_fee = sum((policies[p.offering_id].late_cancel_fee(p.price) for p in parts), ZERO)
    no_show_fee = sum((policies[p.offering_id].no_show_fee(p.price) for p in parts), ZERO)
    terms = []
    if late_fee > 0:
        first = min(parts, key=lambda part: part.start_at)
        free_until = timezone.localtime(
            first.start_at - timedelta(hours=policies[first.offering_id].fee_cutoff_hours)
        )
        terms.append(
            gettext("Cancel free of charge until %(when)s; after that, a fee of %(fee)s.")
            % {
                "when": formats.date_format(free_until, gettext("D j F, H:i")),
                "fee": format_money(late_fee, currency),
            }
        )
    if no_show_fee > 0:
        terms.append(
            gettext("If you do not come, a fee of %(fee)s.")
            % {"fee": format_money(no_show_fee, currency)}
        )
    return terms
