"""The owner's figures for a period: utilisation, bookings by week, revenue.

Every read is bounded by the period (at most MAX_DAYS), on the indexed
start times, and the report takes the same seven queries however long
the history is: the appointments starting in the period, the
therapists, their working hours, the time off overlapping it, the
rooms, their allocations starting in it, and the massage types. The
sums are made here, in the studio's local time.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings

from booking.models import (
    Allocation,
    Appointment,
    BookingStatus,
    Resource,
    Therapist,
    TimeOff,
    WorkingHours,
)
from catalog.models import MassageType
from payments.models import Entry
from payments.selectors import deposits_held, ledger_between

# The longest period one report covers: its reads stay bounded.
MAX_DAYS = 366
# The resource kind whose resources are rooms (catalog/migrations/0002).
ROOM_KIND = "room"
# Statuses in which an appointment took (or takes) its therapist's time.
TAKES_TIME = frozenset(
    {BookingStatus.HELD, BookingStatus.CONFIRMED, BookingStatus.COMPLETED, BookingStatus.NO_SHOW}
)

Span = tuple[datetime, datetime]
# An appointment as the report reads it: therapist id, start, end,
# status, price, currency, massage type id.
AppointmentRow = tuple[int, datetime, datetime, str, Decimal, str, int]


@dataclass(frozen=True)
class Usage:
    """Booked (or allocated) minutes against the minutes available."""

    name: str
    used_minutes: int
    available_minutes: int

    @property
    def percent(self) -> float | None:
        if not self.available_minutes:
            return None
        return round(100 * self.used_minutes / self.available_minutes, 1)


@dataclass
class Week:
    """The appointments starting in one week (Monday first), by what became of them.

    `booked` counts every one (held ones, not yet confirmed, aside);
    `cancelled` and `no_shows` are those of them that did not take place.
    """

    monday: date
    booked: int = 0
    cancelled: int = 0
    no_shows: int = 0


@dataclass(frozen=True)
class Revenue:
    """What completed appointments of one massage type earned, in one currency."""

    name: str
    currency: str
    amount: Decimal
    count: int


@dataclass
class Report:
    start_on: date
    end_on: date
    therapists: list[Usage] = field(default_factory=list)
    rooms: list[Usage] = field(default_factory=list)
    weeks: list[Week] = field(default_factory=list)
    revenue: list[Revenue] = field(default_factory=list)


def studio_zone() -> ZoneInfo:
    return ZoneInfo(settings.STUDIO_TIME_ZONE)


def report(start_on: date, end_on: date) -> Report:
    """The figures of the days `start_on` to `end_on`, both included."""
    zone = studio_zone()
    window = (
        datetime.combine(start_on, time(), zone),
        datetime.combine(end_on + timedelta(days=1), time(), zone),
    )
    days = [start_on + timedelta(days=offset) for offset in range((end_on - start_on).days + 1)]
    appointments = list(
        Appointment.objects.filter(start_at__gte=window[0], start_at__lt=window[1]).values_list(
            "therapist_id",
            "start_at",
            "end_at",
            "status",
            "price",
            "currency",
            "offering__massage_type_id",
        )
    )
    therapists = list(
        Therapist.objects.order_by("name", "id").values_list("id", "name", "is_active")
    )
    hours = list(
        WorkingHours.objects.values_list("therapist_id", "weekday", "start_time", "end_time")
    )
    time_off = list(
        TimeOff.objects.filter(end_at__gt=window[0], start_at__lt=window[1]).values_list(
            "therapist_id", "start_at", "end_at"
        )
    )
    shifts = _shifts(hours, days, zone)
    closures = [(start, end) for therapist, start, end in time_off if therapist is None]
    absences: dict[int, list[Span]] = defaultdict(list)
    for therapist, start, end in time_off:
        if therapist is not None:
            absences[therapist].append((start, end))

    booked: dict[int, int] = defaultdict(int)
    for therapist, start, end, status, *_ in appointments:
        if status in TAKES_TIME:
            booked[therapist] += _minutes(end - start)
    result = Report(start_on=start_on, end_on=end_on)
    for therapist, name, is_active in therapists:
        working = _minutes_left(shifts.get(therapist, []), closures + absences[therapist])
        if is_active or booked[therapist]:
            result.therapists.append(Usage(name, booked[therapist], working))

    opening = _minutes_left(_union([span for spans in shifts.values() for span in spans]), closures)
    rooms = list(
        Resource.objects.filter(kind__slug=ROOM_KIND)
        .order_by("name", "id")
        .values_list("id", "name")
    )
    allocated: dict[int, int] = defaultdict(int)
    for resource, start, end in Allocation.objects.filter(
        resource__in=[room for room, _ in rooms],
        is_active=True,
        start_at__gte=window[0],
        start_at__lt=window[1],
    ).values_list("resource_id", "start_at", "blocked_until"):
        allocated[resource] += _minutes(end - start)
    result.rooms = [Usage(name, allocated[room], opening) for room, name in rooms]

    result.weeks = _weeks(appointments, start_on, end_on, zone)
    result.revenue = _revenue(appointments)
    return result


def _minutes(span: timedelta) -> int:
    return int(span.total_seconds() // 60)


def _shifts(
    hours: Iterable[tuple[int, int, time, time]], days: list[date], zone: ZoneInfo
) -> dict[int, list[Span]]:
    """Each therapist's working spans on the days of the period, in aware datetimes."""
    by_weekday: dict[int, list[tuple[int, time, time]]] = defaultdict(list)
    for therapist, weekday, start, end in hours:
        by_weekday[weekday].append((therapist, start, end))
    shifts: dict[int, list[Span]] = defaultdict(list)
    for day in days:
        for therapist, start, end in by_weekday[day.weekday()]:
            shifts[therapist].append(
                (datetime.combine(day, start, zone), datetime.combine(day, end, zone))
            )
    return shifts


def _union(spans: list[Span]) -> list[Span]:
    """Overlapping spans merged: when anyone works, the studio is open."""
    merged: list[Span] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _minutes_left(spans: list[Span], gaps: list[Span]) -> int:
    """The minutes of `spans` outside every one of `gaps`."""
    total = 0
    for start, end in spans:
        length = end - start
        for gap_start, gap_end in _union(gaps):
            overlap = min(end, gap_end) - max(start, gap_start)
            if overlap > timedelta(0):
                length -= overlap
        total += _minutes(length)
    return total


def _weeks(
    appointments: list[AppointmentRow], start_on: date, end_on: date, zone: ZoneInfo
) -> list[Week]:
    first_monday = start_on - timedelta(days=start_on.weekday())
    weeks = {
        first_monday + timedelta(weeks=number): Week(first_monday + timedelta(weeks=number))
        for number in range((end_on - first_monday).days // 7 + 1)
    }
    for _therapist, start, _end, status, *_ in appointments:
        if status == BookingStatus.HELD:
            # Not booked yet: the client has still to confirm it.
            continue
        day = start.astimezone(zone).date()
        week = weeks[day - timedelta(days=day.weekday())]
        week.booked += 1
        if status == BookingStatus.CANCELLED:
            week.cancelled += 1
        elif status == BookingStatus.NO_SHOW:
            week.no_shows += 1
    return list(weeks.values())


def _revenue(appointments: list[AppointmentRow]) -> list[Revenue]:
    amounts: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
    counts: dict[tuple[int, str], int] = defaultdict(int)
    for *_, status, price, currency, massage_type in appointments:
        if status == BookingStatus.COMPLETED:
            amounts[massage_type, currency] += price
            counts[massage_type, currency] += 1
    # The catalog's few massage types, for their names in the reader's language.
    names = {massage_type.id: massage_type.name for massage_type in MassageType.objects.all()}
    return sorted(
        (
            Revenue(names.get(massage_type, "?"), currency, amount, counts[massage_type, currency])
            for (massage_type, currency), amount in amounts.items()
        ),
        key=lambda row: (-row.amount, row.name),
    )


@dataclass
class MoneyWeek:
    """The ledger of one week (Monday first) in one currency.

    Taken in, by method: what came in online, in cash and on the card
    terminal (a deposit kept as a fee moves nothing, so counts nothing).
    Refunds are what went back (a positive figure here). Fees, package
    and gift card sales are part of what came in, shown apart; the
    redemptions of packages and gift cards apply money paid before and
    are no new money.
    """

    monday: date
    currency: str
    online: Decimal = Decimal(0)
    cash: Decimal = Decimal(0)
    card_terminal: Decimal = Decimal(0)
    refunds: Decimal = Decimal(0)
    fees: Decimal = Decimal(0)
    package_sales: Decimal = Decimal(0)
    gift_card_sales: Decimal = Decimal(0)
    redemptions: Decimal = Decimal(0)

    @property
    def taken_in(self) -> Decimal:
        return self.online + self.cash + self.card_terminal

    @property
    def net(self) -> Decimal:
        return self.taken_in - self.refunds


@dataclass
class Money:
    weeks: list[MoneyWeek] = field(default_factory=list)
    # What clients paid online for visits still to come, per currency.
    held: list[tuple[str, Decimal]] = field(default_factory=list)


def money(start_on: date, end_on: date, *, now: datetime) -> Money:
    """The money of the days `start_on` to `end_on` by week, and the deposits held now.

    Two queries: the ledger rows written in the period (on their
    created_at index) and the deposits of visits still to come.
    """
    zone = studio_zone()
    window = (
        datetime.combine(start_on, time(), zone),
        datetime.combine(end_on + timedelta(days=1), time(), zone),
    )
    weeks: dict[tuple[date, str], MoneyWeek] = {}
    for created_at, kind, method, amount, currency in ledger_between(*window):
        day = created_at.astimezone(zone).date()
        monday = day - timedelta(days=day.weekday())
        week = weeks.setdefault((monday, currency), MoneyWeek(monday, currency))
        _count(week, kind, method, amount)
    return Money(
        weeks=[weeks[key] for key in sorted(weeks)],
        held=deposits_held(now),
    )


def _count(week: MoneyWeek, kind: str, method: str, amount: Decimal) -> None:
    Kind, Method = Entry.Kind, Entry.Method
    if method in (Method.PACKAGE, Method.GIFT_CARD):
        week.redemptions += amount
        return
    if kind == Kind.REFUND or (kind == Kind.FEE and amount < 0):
        week.refunds -= amount
    elif method == Method.ONLINE:
        week.online += amount
    elif method == Method.CASH:
        week.cash += amount
    elif method == Method.CARD_TERMINAL:
        week.card_terminal += amount
    if kind == Kind.FEE and amount > 0:
        week.fees += amount
    elif kind == Kind.PACKAGE_SALE:
        week.package_sales += amount
    elif kind == Kind.GIFT_CARD_SALE:
        week.gift_card_sales += amount
