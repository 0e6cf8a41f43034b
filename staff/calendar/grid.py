"""The calendar's grids: a day per therapist, a week, a day per room.

Everything a grid shows is read in a fixed number of queries, however
full the day: the studio's schedule through the availability engine
(`load_schedules`: the therapists with their hours, and the busy time
of each, which is what makes a gap free), the day's appointments with
their clients, the time off to draw, and the contraindications to flag
(with the permission to see health answers). A free gap is working time
the engine holds no busy interval in: the same rule that offers slots.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import pairwise
from uuid import UUID

from django.db.models import Q
from django.utils import timezone

from booking.availability import UTC, Intervals, Rules, Schedule, load_schedules, working_spans
from booking.health import cautions
from booking.models import Allocation, Appointment, Resource, Therapist, TimeOff
from catalog.models import Contraindication
from catalog.selectors import bookable_offerings
from staff.access import Scope

# The calendar's time axis without anyone working: the studio's usual day.
DEFAULT_OPENS, DEFAULT_CLOSES = time(9), time(18)


@dataclass(frozen=True)
class Block:
    """Something drawn in a column: minutes from the top of the grid, and how many."""

    at: int
    length: int
    starts_at: datetime
    ends_at: datetime
    label: str = ""


@dataclass(frozen=True)
class Card:
    """An appointment as the calendar shows it."""

    appointment: Appointment
    block: Block
    name: str
    # The other therapists of a visit side by side (a couples massage).
    together_with: tuple[str, ...]
    cautions: tuple[str, ...]


@dataclass
class Column:
    therapist: Therapist | None
    title: str
    working: list[Block] = field(default_factory=list)
    breaks: list[Block] = field(default_factory=list)
    time_off: list[Block] = field(default_factory=list)
    gaps: list[Block] = field(default_factory=list)
    cards: list[Card] = field(default_factory=list)


@dataclass
class DayGrid:
    day: date
    opens_at: datetime
    minutes: int
    hours: list[Block]
    columns: list[Column]
    closures: list[Block]


def _seconds(moment: datetime) -> int:
    return int(moment.timestamp())


def _moment(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def _schedule(
    scope: Scope, rules: Rules, start: datetime, end: datetime
) -> tuple[Schedule | None, dict[int, Therapist]]:
    """The studio's schedule for the window, seen through the scope, and its therapists.

    Four queries: the offerings, and `load_schedules`' three on
    PostgreSQL (the hours come with the therapists there). Every
    offering's schedule shares one set of hours and busy time; the
    therapists are those who give any of them.
    """
    offerings = list(bookable_offerings())
    if not offerings:
        return None, {}
    therapist_id = None if scope.is_reception else getattr(scope.therapist, "pk", None)
    schedules = load_schedules(
        offerings=offerings,
        window_start=start,
        window_end=end,
        reach=timedelta(0),
        therapist_id=therapist_id,
    )
    therapists = {
        therapist.pk: therapist
        for schedule in schedules.values()
        for therapist in schedule.therapists
    }
    return next(iter(schedules.values())), therapists


def free_gaps(
    spans: Iterable[tuple[int, int]], busy: Intervals, *, not_before: int, shortest: int
) -> list[tuple[int, int]]:
    """Working time minus busy time, from `not_before` on, in pieces of `shortest` or more."""
    gaps = []
    for opens, closes in spans:
        cursor = max(opens, not_before)
        for begins, ends in zip(busy.starts, busy.ends, strict=True):
            if ends <= cursor or begins >= closes:
                continue
            if begins - cursor >= shortest:
                gaps.append((cursor, begins))
            cursor = max(cursor, ends)
        if closes - cursor >= shortest:
            gaps.append((cursor, closes))
    return gaps


def on_grid(moment: int, day: date, rules: Rules) -> int:
    """The first start on the studio's grid at or after `moment` (epoch seconds)."""
    midnight = _seconds(rules.local_midnight(day))
    step = int(rules.step.total_seconds())
    return moment + (-(moment - midnight) % step)


def day_grid(*, scope: Scope, day: date, with_health: bool, now: datetime | None = None) -> DayGrid:
    """The day per therapist: hours, breaks, time off, appointments and free gaps.

    Reception sees every therapist who works that day or has an
    appointment; a therapist their own column only. Seven queries
    whatever the day holds (six without health): the offerings, the
    schedule (three), the appointments, the time off, the
    contraindications.
    """
    now = now or timezone.now()
    rules = Rules.from_settings(staff=True)
    starts = rules.local_midnight(day)
    ends = rules.local_midnight(day + timedelta(days=1))
    schedule, therapists = _schedule(scope, rules, starts, ends)
    spans = (
        {pk: list(working_spans(schedule, rules, pk, day)) for pk in therapists}
        if schedule is not None
        else {}
    )
    query = scope.appointments(
        Appointment.objects.filter(start_at__gte=starts, start_at__lt=ends).exclude(
            status=Appointment.Status.CANCELLED
        )
    )
    if not with_health:
        query = query.defer("health", "notes")
    appointments = list(
        query.select_related("client", "offering", "therapist").order_by("start_at", "id")
    )
    for appointment in appointments:
        therapists.setdefault(appointment.therapist_id, appointment.therapist)
    shown = sorted(
        (
            t
            for pk, t in therapists.items()
            if spans.get(pk) or any(a.therapist_id == pk for a in appointments)
        ),
        key=lambda t: (t.name, t.pk),
    )
    time_off = list(
        TimeOff.objects.filter(
            Q(therapist_id__in=[t.pk for t in shown]) | Q(therapist__isnull=True),
            start_at__lt=ends,
            end_at__gt=starts,
        ).order_by("start_at")
    )
    rules_of_care = list(Contraindication.objects.all()) if with_health else []

    edges = [edge for pk in spans for span in spans[pk] for edge in span]
    edges += [_seconds(a.start_at) for a in appointments] + [
        _seconds(a.end_at) for a in appointments
    ]
    zone = rules.zone
    if edges:
        opens = _moment(min(edges)).astimezone(zone).replace(minute=0, second=0, microsecond=0)
        last = _moment(max(edges)).astimezone(zone)
        closes = last.replace(minute=0, second=0, microsecond=0)
        if closes < last:
            closes += timedelta(hours=1)
    else:
        opens = datetime.combine(day, DEFAULT_OPENS, tzinfo=zone)
        closes = datetime.combine(day, DEFAULT_CLOSES, tzinfo=zone)
    top, bottom = _seconds(opens), _seconds(closes)

    def block(begins: int, ends_: int, label: str = "") -> Block:
        begins, ends_ = max(begins, top), min(ends_, bottom)
        return Block(
            at=(begins - top) // 60,
            length=max((ends_ - begins) // 60, 0),
            starts_at=_moment(begins),
            ends_at=_moment(ends_),
            label=label,
        )

    by_visit: dict[UUID, list[Appointment]] = defaultdict(list)
    for appointment in appointments:
        by_visit[appointment.visit_id].append(appointment)
    not_before = on_grid(max(_seconds(now), top), day, rules)
    shortest = int(rules.step.total_seconds())
    columns = []
    for therapist in shown:
        column = Column(therapist=therapist, title=therapist.name)
        own = sorted(spans.get(therapist.pk, []))
        column.working = [block(a, b) for a, b in own]
        column.breaks = [block(a[1], b[0]) for a, b in pairwise(own)]
        if schedule is not None and therapist.pk in schedule.busy:
            column.gaps = [
                block(on_grid(a, day, rules), b)
                for a, b in free_gaps(
                    own, schedule.busy[therapist.pk], not_before=not_before, shortest=shortest
                )
                if b - on_grid(a, day, rules) >= shortest
            ]
        column.time_off = [
            block(_seconds(entry.start_at), _seconds(entry.end_at), entry.reason)
            for entry in time_off
            if entry.therapist_id == therapist.pk
        ]
        for appointment in appointments:
            if appointment.therapist_id != therapist.pk:
                continue
            partners = tuple(
                other.therapist.name
                for other in by_visit[appointment.visit_id]
                if other.pk != appointment.pk and other.start_at == appointment.start_at
            )
            column.cards.append(
                Card(
                    appointment=appointment,
                    block=block(_seconds(appointment.start_at), _seconds(appointment.end_at)),
                    name=appointment.guest_name or appointment.contact_name,
                    together_with=partners,
                    cautions=tuple(
                        cautions(
                            appointment.health,
                            appointment.offering.massage_type_id,
                            rules_of_care,
                        )
                    )
                    if with_health
                    else (),
                )
            )
        columns.append(column)
    hours = _hours(opens, closes, top)
    closures = [
        block(_seconds(entry.start_at), _seconds(entry.end_at), entry.reason)
        for entry in time_off
        if entry.therapist_id is None
    ]
    return DayGrid(
        day=day,
        opens_at=opens,
        minutes=(bottom - top) // 60,
        hours=hours,
        columns=columns,
        closures=closures,
    )


@dataclass(frozen=True)
class WeekCell:
    day: date
    appointments: int
    free_minutes: int


@dataclass(frozen=True)
class WeekRow:
    therapist: Therapist
    cells: list[WeekCell]


@dataclass(frozen=True)
class Week:
    days: list[date]
    rows: list[WeekRow]


def week_grid(*, scope: Scope, day: date, now: datetime | None = None) -> Week:
    """Monday to Sunday around `day`: per therapist and day, the appointments and free time.

    Five queries for the whole week: the schedule (four) and the
    appointments' therapists and starts.
    """
    now = now or timezone.now()
    rules = Rules.from_settings(staff=True)
    monday = day - timedelta(days=day.weekday())
    days = [monday + timedelta(days=offset) for offset in range(7)]
    starts = rules.local_midnight(monday)
    ends = rules.local_midnight(monday + timedelta(days=7))
    schedule, therapists = _schedule(scope, rules, starts, ends)
    counts: dict[tuple[int, date], int] = defaultdict(int)
    rows = scope.appointments(
        Appointment.objects.filter(start_at__gte=starts, start_at__lt=ends).exclude(
            status=Appointment.Status.CANCELLED
        )
    ).values_list("therapist_id", "start_at")
    for therapist_id, start_at in rows:
        counts[therapist_id, start_at.astimezone(rules.zone).date()] += 1
    shortest = int(rules.step.total_seconds())
    week_rows = []
    for therapist in sorted(therapists.values(), key=lambda t: (t.name, t.pk)):
        cells = []
        for one in days:
            free = 0
            if schedule is not None:
                spans = list(working_spans(schedule, rules, therapist.pk, one))
                gaps = free_gaps(
                    spans,
                    schedule.busy[therapist.pk],
                    not_before=on_grid(_seconds(now), one, rules),
                    shortest=shortest,
                )
                free = sum(end - start for start, end in gaps) // 60
            cells.append(WeekCell(one, counts[therapist.pk, one], free))
        week_rows.append(WeekRow(therapist, cells))
    return Week(days=days, rows=week_rows)


@dataclass(frozen=True)
class RoomCard:
    allocation: Allocation
    block: Block
    name: str


@dataclass
class RoomColumn:
    resource: Resource
    cards: list[RoomCard] = field(default_factory=list)


@dataclass(frozen=True)
class RoomsGrid:
    day: date
    minutes: int
    hours: list[Block]
    columns: list[RoomColumn]


def rooms_grid(*, day: date) -> RoomsGrid:
    """The day per room and device, from what the visits hold (their allocations).

    Two queries: the active resources, and the day's active allocations
    with their appointments and visits.
    """
    rules = Rules.from_settings()
    zone = rules.zone
    starts = rules.local_midnight(day)
    ends = rules.local_midnight(day + timedelta(days=1))
    resources = list(
        Resource.objects.filter(is_active=True).select_related("kind").order_by("kind", "name")
    )
    allocations = list(
        Allocation.objects.filter(
            is_active=True, resource__in=resources, start_at__lt=ends, blocked_until__gt=starts
        )
        .select_related("appointment__offering", "visit")
        .order_by("start_at", "id")
    )
    edges = [_seconds(a.start_at) for a in allocations] + [
        _seconds(a.blocked_until) for a in allocations
    ]
    opens = datetime.combine(day, DEFAULT_OPENS, tzinfo=zone)
    closes = datetime.combine(day, DEFAULT_CLOSES, tzinfo=zone)
    if edges:
        opens = min(opens, _moment(min(edges)).astimezone(zone).replace(minute=0, second=0))
        last = _moment(max(edges)).astimezone(zone)
        closes = max(closes, last.replace(minute=0, second=0) + timedelta(hours=1))
    top, bottom = _seconds(opens), _seconds(closes)
    columns = {resource.pk: RoomColumn(resource) for resource in resources}
    for allocation in allocations:
        begins = max(_seconds(allocation.start_at), top)
        finish = min(_seconds(allocation.blocked_until), bottom)
        visit = allocation.visit
        name = visit.contact_name
        if allocation.appointment is not None and allocation.appointment.guest_name:
            name = allocation.appointment.guest_name
        columns[allocation.resource_id].cards.append(
            RoomCard(
                allocation=allocation,
                block=Block(
                    at=(begins - top) // 60,
                    length=(finish - begins) // 60,
                    starts_at=_moment(begins),
                    ends_at=_moment(finish),
                ),
                name=name,
            )
        )
    return RoomsGrid(
        day=day,
        minutes=(bottom - top) // 60,
        hours=_hours(opens, closes, top),
        columns=list(columns.values()),
    )


def _hours(opens: datetime, closes: datetime, top: int) -> list[Block]:
    """The time axis: a mark every hour of the local day, from `opens` to `closes`."""
    marks = []
    mark = opens
    while mark < closes:
        begins = _seconds(mark)
        marks.append(
            Block(
                at=(begins - top) // 60,
                length=60,
                starts_at=mark,
                ends_at=mark + timedelta(hours=1),
                label=f"{mark:%H:%M}",
            )
        )
        mark = (mark + timedelta(hours=1)).astimezone(opens.tzinfo)
    return marks
