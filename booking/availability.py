"""The availability engine: which start times are free, and for whom.

A start time is offered for a therapist when
- it falls on the studio's grid of local time (every STUDIO_SLOT_STEP_MINUTES),
- the massage fits inside one of the therapist's working intervals that day,
- it is at least the minimum notice ahead and within the booking horizon,
- neither the therapist nor the studio has time off then, and the therapist
  has no active appointment whose time (buffer included) overlaps this
  one's time plus its buffer,
- and for every resource kind the offering needs, one resource of that kind
  is free for the same time.

The engine loads everything for a date range in a fixed number of queries
(see `load_schedule`) and then works on sorted, merged intervals in memory,
so a month costs the same handful of queries as a day. Inside, times are
whole seconds since the epoch: comparing integers is several times faster
than comparing aware datetimes, and a month holds thousands of candidate
starts. Busy intervals are widened to whole seconds (start down, end up),
so rounding can only make a slot less free, never double-book. The booking service
checks a requested time with the very same functions (`refusal`), so every
slot offered can be booked and every booking refused was not offered.
"""

from __future__ import annotations

import bisect
import math
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection
from django.db.models import BigIntegerField, F, Func, OuterRef, Q, QuerySet, Value
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from booking import errors
from booking.models import (
    LONGEST_HOLD,
    Allocation,
    Appointment,
    Therapist,
    TimeOff,
    WorkingHours,
)
from catalog.models import Offering, ResourceKind
from catalog.selectors import is_bookable


@dataclass(frozen=True)
class Rules:
    zone: ZoneInfo
    min_notice: timedelta
    horizon: timedelta
    step: timedelta

    @classmethod
    def from_settings(cls, *, staff: bool = False) -> Rules:
        """The studio's rules; `staff` (booking at the studio) waives the minimum notice.

        Who counts as staff here is `booking.services.visits.waives_notice`.
        """
        return cls(
            zone=ZoneInfo(settings.STUDIO_TIME_ZONE),
            min_notice=timedelta(minutes=0 if staff else settings.STUDIO_MIN_NOTICE_MINUTES),
            horizon=timedelta(days=settings.STUDIO_HORIZON_DAYS),
            step=timedelta(minutes=settings.STUDIO_SLOT_STEP_MINUTES),
        )

    def local_midnight(self, day: date) -> datetime:
        return datetime.combine(day, time(0), tzinfo=self.zone).astimezone(UTC)

    def is_on_grid(self, moment: datetime) -> bool:
        local = moment.astimezone(self.zone)
        minutes = local.hour * 60 + local.minute
        step_minutes = int(self.step.total_seconds() // 60)
        return local.second == 0 and local.microsecond == 0 and minutes % step_minutes == 0


UTC = ZoneInfo("UTC")


def seconds(moment: datetime) -> int:
    """An aware datetime as whole seconds since the epoch (exact for starts on the grid)."""
    return math.floor(moment.timestamp())


def _busy_span(start: datetime, end: datetime) -> tuple[int, int]:
    return math.floor(start.timestamp()), math.ceil(end.timestamp())


class EpochSeconds(Func):
    """A timestamp as whole seconds since the epoch, rounded down or up, in SQL.

    A month's schedule holds thousands of timestamps; PostgreSQL hands
    them over as integers far faster than the driver builds aware
    datetimes. Elsewhere `_owners_spans` converts in Python, with the same
    rounding.
    """

    output_field = BigIntegerField()

    def __init__(self, expression: str, *, up: bool = False) -> None:
        self.rounding = "CEIL" if up else "FLOOR"
        super().__init__(expression)

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler,
            connection,
            template=f"{self.rounding}(EXTRACT(EPOCH FROM %(expressions)s))::bigint",
            **extra,
        )


# The source of `load_schedules`' busy spans that are the resources' allocations.
_ALLOCATIONS = 2


def _owners_spans(*sources: tuple[QuerySet[Any], str, str, str]) -> Iterable[tuple[Any, ...]]:
    """The busy spans of several querysets, each with its owner, start and end, in one query.

    Rows of (source, owner, start, end): the source's index in `sources`,
    the span [start, end) in epoch seconds. The querysets are joined with
    UNION ALL.
    """
    if connection.vendor == "postgresql":
        queries = [
            query.values_list(Value(index), owner, EpochSeconds(start), EpochSeconds(end, up=True))
            for index, (query, owner, start, end) in enumerate(sources)
        ]
        return queries[0].union(*queries[1:], all=True)
    rows = [
        query.values_list(Value(index), owner, start, end)
        for index, (query, owner, start, end) in enumerate(sources)
    ]
    return (
        (source, found, *_busy_span(begins, ends))
        for source, found, begins, ends in rows[0].union(*rows[1:], all=True)
    )


class Intervals:
    """Half-open [start, end) intervals in epoch seconds, merged and sorted."""

    def __init__(self, spans: Iterable[tuple[int, int]] = ()) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []
        for start, end in sorted(spans):
            if self.ends and start <= self.ends[-1]:
                self.ends[-1] = max(self.ends[-1], end)
            else:
                self.starts.append(start)
                self.ends.append(end)

    def overlaps(self, start: int, end: int) -> bool:
        # Only the last interval starting before `end` can overlap, since
        # merged intervals are disjoint and sorted.
        index = bisect.bisect_left(self.starts, end) - 1
        return index >= 0 and self.ends[index] > start


@dataclass
class Schedule:
    """Everything the rules need for one offering over one window, loaded at once.

    The schedules of several offerings loaded together (`load_schedules`)
    share their hours, busy intervals and resources, so a visit's
    appointments see one studio.
    """

    offering: Offering
    therapists: list[Therapist]
    hours: dict[int, dict[int, list[tuple[time, time]]]]
    # Per therapist: their appointments, their time off and the studio's
    # closures, merged.
    busy: dict[int, Intervals]
    kinds: list[int]
    # Per kind: its active resources, the fewest places first (then by id),
    # so a booking for one takes a one-table room and leaves the room for
    # two to a couple.
    resources_by_kind: dict[int, list[int]]
    resource_busy: dict[int, Intervals] = field(default_factory=dict)
    capacity: dict[int, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.duration = timedelta(minutes=self.offering.duration_minutes)
        self.buffer = timedelta(minutes=self.offering.buffer_minutes)
        # What a booking starting at t blocks: [t, t + blocked).
        self.duration_seconds = int(self.duration.total_seconds())
        self.buffer_seconds = int(self.buffer.total_seconds())
        self.blocked_seconds = int((self.duration + self.buffer).total_seconds())


@dataclass(frozen=True)
class Slot:
    start_at: datetime
    end_at: datetime
    therapist_ids: tuple[int, ...]


def load_schedule(
    *,
    offering: Offering,
    window_start: datetime,
    window_end: datetime,
    therapist_id: int | None = None,
    ignore_appointment: UUID | None = None,
    ignore_visit: UUID | None = None,
) -> Schedule:
    """Load the schedule of every qualified therapist for starts in the window.

    Four queries whatever the window (see `load_schedules`).
    `ignore_appointment` or `ignore_visit` leaves a booking out, so a
    reschedule may move into time its own old booking blocks.
    """
    return load_schedules(
        offerings=[offering],
        window_start=window_start,
        window_end=window_end,
        therapist_id=therapist_id,
        ignore_appointment=ignore_appointment,
        ignore_visit=ignore_visit,
    )[offering.id]


def load_schedules(
    *,
    offerings: Sequence[Offering],
    window_start: datetime,
    window_end: datetime,
    reach: timedelta | None = None,
    therapist_id: int | None = None,
    therapist_ids: Sequence[int] | None = None,
    lock_therapists: bool = False,
    ignore_appointment: UUID | None = None,
    ignore_visit: UUID | None = None,
) -> dict[int, Schedule]:
    """Load one studio schedule for starts in the window, seen per offering.

    Four queries whatever the window and however many offerings:
    therapists who give any of them (one row per skill), their working
    hours, the offerings' resource kinds with their resources and
    capacity, and in one query (UNION ALL) the therapists' time off and
    appointments with the resources' allocations.
    `reach` is how long after a start in the window a booking may still
    hold someone (a visit of several appointments holds longer than
    one); by default the longest offering with its buffer.
    `therapist_id` or `therapist_ids` loads only those therapists.
    `lock_therapists` locks the therapists' rows as it reads them (in id
    order), for a booking that then writes: the only lock a booking
    takes. `ignore_appointment` or `ignore_visit` leaves a booking out,
    with its allocations, so it may move into time its own old booking
    blocks.
    """
    if reach is None:
        reach = max(
            timedelta(minutes=offering.duration_minutes + offering.buffer_minutes)
            for offering in offerings
        )
    until = window_end + reach
    type_ids = sorted({offering.massage_type_id for offering in offerings})
    # One row per (therapist, massage type wanted): the annotation reuses
    # the filter's join, so the skills come with the therapists.
    rows = (
        Therapist.objects.filter(is_active=True, massage_types__in=type_ids)
        .annotate(skill=F("massage_types"))
        .order_by("id")
    )
    if therapist_id is not None:
        rows = rows.filter(id=therapist_id)
    if therapist_ids is not None:
        rows = rows.filter(id__in=therapist_ids)
    if lock_therapists:
        rows = rows.select_for_update(of=("self",))
    if connection.vendor == "postgresql":
        rows = rows.annotate(**_shifts())
    therapists: dict[int, Therapist] = {}
    skilled: dict[int, list[Therapist]] = defaultdict(list)
    for row in rows:
        therapist = therapists.setdefault(row.id, row)
        skilled[row.skill].append(therapist)
    therapist_ids = list(therapists)

    hours = _working_hours(therapists)

    spans: dict[int, list[tuple[int, int]]] = defaultdict(list)
    closures: list[tuple[int, int]] = []
    time_off = TimeOff.objects.filter(
        Q(therapist_id__in=therapist_ids) | Q(therapist__isnull=True),
        start_at__lt=until,
        end_at__gt=window_start,
    )
    appointments = Appointment.objects.filter(
        therapist_id__in=therapist_ids,
        start_at__lt=until,
        start_at__gt=window_start - LONGEST_HOLD,
        blocked_until__gt=window_start,
    ).exclude(status=Appointment.Status.CANCELLED)
    if ignore_appointment is not None:
        appointments = appointments.exclude(id=ignore_appointment)
    if ignore_visit is not None:
        appointments = appointments.exclude(visit_id=ignore_visit)
    kinds_of: dict[int, list[int]] = {offering.id: [] for offering in offerings}
    resources = _Resources.load(kinds_of)
    allocations = resources.allocations(
        window_start=window_start,
        until=until,
        ignore_appointment=ignore_appointment,
        ignore_visit=ignore_visit,
    )
    # Time off (the studio's closures name no therapist), appointments and
    # the resources' allocations in one query.
    resource_spans: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for source, owner, start, end in _owners_spans(
        (time_off, "therapist_id", "start_at", "end_at"),
        (appointments, "therapist_id", "start_at", "blocked_until"),
        (allocations, "resource_id", "start_at", "blocked_until"),
    ):
        if source == _ALLOCATIONS:
            resource_spans[owner].append((start, end))
        else:
            (closures if owner is None else spans[owner]).append((start, end))
    for resource_id in resources.busy:
        resources.busy[resource_id] = Intervals(resource_spans[resource_id])

    busy = {owner: Intervals([*spans[owner], *closures]) for owner in therapist_ids}
    return {
        offering.id: Schedule(
            offering=offering,
            therapists=skilled[offering.massage_type_id],
            hours=hours,
            busy=busy,
            kinds=kinds_of[offering.id],
            resources_by_kind=resources.by_kind,
            resource_busy=resources.busy,
            capacity=resources.capacity,
        )
        for offering in offerings
    }


def _shifts() -> dict[str, ArraySubquery]:
    """A therapist's working hours, as three arrays in shift order (PostgreSQL annotations).

    Subqueries of the therapists' statement: the hours cost no round
    trip of their own, and the lock (FOR UPDATE OF the therapist) is
    unchanged.
    """
    shifts = WorkingHours.objects.filter(therapist=OuterRef("id")).order_by("id")
    return {
        "shift_days": ArraySubquery(shifts.values("weekday")),
        "shift_starts": ArraySubquery(shifts.values("start_time")),
        "shift_ends": ArraySubquery(shifts.values("end_time")),
    }


def _working_hours(
    therapists: dict[int, Therapist],
) -> dict[int, dict[int, list[tuple[time, time]]]]:
    """Each therapist's hours per weekday, sorted: from `_shifts`, or read (SQLite)."""
    # Plain tuples rather than prefetched rows: a prefetched row and its
    # therapist refer to each other, and a month's listing would leave
    # hundreds of such cycles for the garbage collector.
    by_day: dict[int, dict[int, list[tuple[time, time]]]] = {
        owner: defaultdict(list) for owner in therapists
    }
    if connection.vendor == "postgresql":
        shifts: Iterable[tuple[int, int, time, time]] = (
            (owner, *shift)
            for owner, therapist in therapists.items()
            for shift in zip(
                therapist.shift_days,  # type: ignore[attr-defined]
                therapist.shift_starts,  # type: ignore[attr-defined]
                therapist.shift_ends,  # type: ignore[attr-defined]
                strict=True,
            )
        )
    else:
        shifts = WorkingHours.objects.filter(therapist_id__in=list(therapists)).values_list(
            "therapist_id", "weekday", "start_time", "end_time"
        )
    for owner, weekday, starts, ends in shifts:
        by_day[owner][weekday].append((starts, ends))
    return {
        owner: {day: sorted(spans) for day, spans in days.items()} for owner, days in by_day.items()
    }


@dataclass
class _Resources:
    """The active resources of some kinds, their places and their allocations."""

    by_kind: dict[int, list[int]]
    capacity: dict[int, int]
    busy: dict[int, Intervals]

    @classmethod
    def load(cls, kinds_of: dict[int, list[int]]) -> _Resources:
        """The kinds each offering needs (filled into `kinds_of`) and their resources.

        One query: the kinds with their active resources. Their
        allocations are read with the therapists' appointments
        (`load_schedules`) into `busy`, empty until then.
        """
        by_kind: dict[int, list[int]] = {}
        capacity: dict[int, int] = {}
        # One row per (offering, kind, resource); a kind without any
        # comes once, with no resource (the left join).
        rows = (
            ResourceKind.objects.filter(offerings__in=list(kinds_of))
            .order_by("id", "resources__capacity", "resources__id")
            .values_list(
                "offerings", "id", "resources__id", "resources__capacity", "resources__is_active"
            )
        )
        for offering_id, kind_id, resource_id, places, is_active in rows:
            if kind_id not in kinds_of[offering_id]:
                kinds_of[offering_id].append(kind_id)
            found = by_kind.setdefault(kind_id, [])
            if is_active and resource_id not in capacity:
                found.append(resource_id)
                capacity[resource_id] = places
        return cls(by_kind, capacity, {resource_id: Intervals() for resource_id in capacity})

    def allocations(
        self,
        *,
        window_start: datetime,
        until: datetime,
        ignore_appointment: UUID | None,
        ignore_visit: UUID | None,
    ) -> QuerySet[Allocation]:
        """The resources' active allocations that may block a start in the window (not read)."""
        allocations = Allocation.objects.filter(
            resource_id__in=list(self.busy),
            is_active=True,
            start_at__lt=until,
            start_at__gt=window_start - LONGEST_HOLD,
            blocked_until__gt=window_start,
        )
        if ignore_appointment is not None:
            allocations = allocations.exclude(appointment_id=ignore_appointment)
        if ignore_visit is not None:
            allocations = allocations.exclude(visit_id=ignore_visit)
        return allocations


def candidate_starts(
    schedule: Schedule, rules: Rules, therapist_id: int, day: date
) -> Iterator[int]:
    """Starts on the grid at which the massage fits in the therapist's hours that day.

    Stepping in UTC from a start on the local grid stays on it, because
    the step divides the hour (the settings insist) and clocks change by
    whole hours.
    """
    duration = schedule.duration_seconds
    step = int(rules.step.total_seconds())
    for opens, closes in working_spans(schedule, rules, therapist_id, day):
        first = seconds(_first_on_grid(datetime.fromtimestamp(opens, UTC), rules))
        yield from range(first, closes - duration + 1, step)


def working_spans(
    schedule: Schedule, rules: Rules, therapist_id: int, day: date
) -> Iterator[tuple[int, int]]:
    """The therapist's working intervals on a local date, in epoch seconds.

    Each is turned into UTC for this date, so a day on which the clocks
    change has exactly the hours it has on the wall.
    """
    for start_time, end_time in schedule.hours[therapist_id].get(day.weekday(), []):
        yield (
            seconds(datetime.combine(day, start_time, tzinfo=rules.zone)),
            seconds(datetime.combine(day, end_time, tzinfo=rules.zone)),
        )


def _first_on_grid(moment: datetime, rules: Rules) -> datetime:
    local = moment.astimezone(rules.zone)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    step = int(rules.step.total_seconds())
    since = int((local.replace(tzinfo=None) - midnight.replace(tzinfo=None)).total_seconds())
    late = since % step
    return moment if late == 0 else moment + timedelta(seconds=step - late)


def is_therapist_free(schedule: Schedule, therapist_id: int, start: int) -> bool:
    return not schedule.busy[therapist_id].overlaps(start, start + schedule.blocked_seconds)


def free_resources(schedule: Schedule, start: int) -> list[int] | None:
    """One free resource of every needed kind, or None if a kind has none.

    Of the free ones, the one with the fewest places (then the lowest id):
    a booking for one leaves the room for two free.
    """
    blocked_until = start + schedule.blocked_seconds
    chosen = []
    for kind in schedule.kinds:
        free = next(free_resources_of_kind(schedule, kind, start, blocked_until), None)
        if free is None:
            return None
        chosen.append(free)
    return chosen


def free_resources_of_kind(
    schedule: Schedule,
    kind: int,
    start: int,
    end: int,
    *,
    places: int = 1,
    held: Iterable[tuple[int, int, int]] = (),
) -> Iterator[int]:
    """Every free resource of `kind` with at least `places`, the one to take first first.

    The fewest places first (then the lowest id): a booking for one
    leaves the room for two free. `held` is what the booking being placed
    already takes, as (resource, start, end): a resource it holds then is
    not free for it again. A booking that finds its first choice taken by
    a concurrent one when it writes takes the next.
    """
    held = list(held)
    for resource_id in schedule.resources_by_kind[kind]:
        if schedule.capacity[resource_id] < places:
            continue
        if schedule.resource_busy[resource_id].overlaps(start, end):
            continue
        if any(
            taken == resource_id and taken_start < end and taken_end > start
            for taken, taken_start, taken_end in held
        ):
            continue
        yield resource_id


def bookable_window(rules: Rules, now: datetime) -> tuple[datetime, datetime]:
    """The earliest and the latest start anyone may book at `now`."""
    return now + rules.min_notice, now + rules.horizon


@dataclass(frozen=True)
class ListingWindow:
    """The local dates of a listing cut to the bookable window, and its starts."""

    start_on: date
    end_on: date
    # The moments starts are looked for in: [start_at, end_at).
    start_at: datetime
    end_at: datetime
    # The first and the last start anyone may book, in epoch seconds.
    first: int
    last: int

    @classmethod
    def of(cls, rules: Rules, now: datetime, start_on: date, end_on: date) -> ListingWindow | None:
        """The dates asked for that hold a bookable start, or None when none do.

        The range is cut to the local dates of the bookable window first,
        so a range far in the past or the future (up to year 1 or 9999)
        costs nothing and never reaches date arithmetic that would
        overflow.
        """
        earliest, latest = bookable_window(rules, now)
        start_on = max(start_on, earliest.astimezone(rules.zone).date())
        end_on = min(end_on, latest.astimezone(rules.zone).date())
        if start_on > end_on:
            return None
        start_at = max(rules.local_midnight(start_on), earliest)
        end_at = min(
            rules.local_midnight(end_on + timedelta(days=1)), latest + timedelta(seconds=1)
        )
        if start_at >= end_at:
            return None
        # The first start rounds up: a start a fraction of a second
        # before the earliest would be refused as too soon.
        first = math.ceil(start_at.timestamp())
        return cls(start_on, end_on, start_at, end_at, first, seconds(latest))


def available_slots(
    *,
    offering: Offering,
    start_on: date,
    end_on: date,
    therapist_id: int | None = None,
    now: datetime | None = None,
    ignore_appointment: UUID | None = None,
    ignore_visit: UUID | None = None,
    staff: bool = False,
) -> list[Slot]:
    """The free starts of an offering between two local dates, both included.

    Only the days that hold a bookable start are looked at (`ListingWindow`).
    The visit engine lists a visit of one massage here (`visits.visit_slots`).
    `staff` lists what staff book at the studio: no minimum notice.
    """
    rules = Rules.from_settings(staff=staff)
    window = ListingWindow.of(rules, now or timezone.now(), start_on, end_on)
    if window is None or not is_bookable(offering):
        return []
    start_on, end_on = window.start_on, window.end_on
    schedule = load_schedule(
        offering=offering,
        window_start=window.start_at,
        window_end=window.end_at,
        therapist_id=therapist_id,
        ignore_appointment=ignore_appointment,
        ignore_visit=ignore_visit,
    )
    first, last = window.first, window.last
    free_at: dict[int, set[int]] = defaultdict(set)
    resources_free: dict[int, bool] = {}
    day = start_on
    while day <= end_on:
        for therapist in schedule.therapists:
            for start in candidate_starts(schedule, rules, therapist.id, day):
                if start < first or start > last:
                    continue
                if not is_therapist_free(schedule, therapist.id, start):
                    continue
                if start not in resources_free:
                    resources_free[start] = free_resources(schedule, start) is not None
                if resources_free[start]:
                    # A set: overlapping working hours must not list anyone twice.
                    free_at[start].add(therapist.id)
        day += timedelta(days=1)
    duration = schedule.duration
    slots = []
    for start, ids in sorted(free_at.items()):
        start_at = datetime.fromtimestamp(start, UTC)
        slots.append(
            Slot(start_at=start_at, end_at=start_at + duration, therapist_ids=tuple(sorted(ids)))
        )
    return slots


def refusal(
    schedule: Schedule, rules: Rules, therapist_id: int, start: datetime, now: datetime
) -> errors.BookingError | None:
    """Why `start` cannot be booked with this therapist, or None when it can.

    The same tests, in the same terms, as `available_slots` applies.
    """
    refused = start_refusal(rules, start, now)
    if refused is not None:
        return refused
    local_day = start.astimezone(rules.zone).date()
    moment = seconds(start)
    if moment not in set(candidate_starts(schedule, rules, therapist_id, local_day)):
        return errors.OutsideHours()
    if not is_therapist_free(schedule, therapist_id, moment):
        return errors.SlotUnavailable()
    if free_resources(schedule, moment) is None:
        return resources_taken()
    return None


def resources_taken() -> errors.SlotUnavailable:
    return errors.SlotUnavailable(
        gettext(
            "The room or equipment this massage needs is taken at that time. "
            "Please choose another time."
        )
    )


def start_refusal(rules: Rules, start: datetime, now: datetime) -> errors.BookingError | None:
    """Why nobody may book anything starting at `start`, or None.

    The rules of the clock alone: not in the past, the minimum notice,
    the horizon, the studio's grid.
    """
    earliest, latest = bookable_window(rules, now)
    if start < now:
        return errors.TooSoon(gettext("That time is in the past."))
    if start < earliest:
        return errors.TooSoon(_too_soon(rules.min_notice))
    if start > latest:
        days = rules.horizon.days
        return errors.BeyondHorizon(
            ngettext(
                "Bookings open %(count)d day ahead; please choose an earlier date.",
                "Bookings open %(count)d days ahead; please choose an earlier date.",
                days,
            )
            % {"count": days}
        )
    if not rules.is_on_grid(start):
        return errors.OffStep(_off_step(rules.step))
    return None


def _too_soon(notice: timedelta) -> str:
    """The minimum notice in whole hours when it is some, else in minutes, with plurals."""
    minutes = int(notice.total_seconds() // 60)
    if minutes and minutes % 60 == 0:
        hours = minutes // 60
        text = ngettext(
            "Bookings need at least %(count)d hour's notice; please choose a later time.",
            "Bookings need at least %(count)d hours' notice; please choose a later time.",
            hours,
        )
        return text % {"count": hours}
    text = ngettext(
        "Bookings need at least %(count)d minute's notice; please choose a later time.",
        "Bookings need at least %(count)d minutes' notice; please choose a later time.",
        minutes,
    )
    return text % {"count": minutes}


def _off_step(step: timedelta) -> str:
    """The studio's time grid in whole hours when it is some, else in minutes, with plurals."""
    minutes = int(step.total_seconds() // 60)
    if minutes and minutes % 60 == 0:
        hours = minutes // 60
        text = ngettext(
            "Appointments start every %(count)d hour on the studio's clock.",
            "Appointments start every %(count)d hours on the studio's clock.",
            hours,
        )
        return text % {"count": hours}
    text = ngettext(
        "Appointments start every %(count)d minute on the studio's clock.",
        "Appointments start every %(count)d minutes on the studio's clock.",
        minutes,
    )
    return text % {"count": minutes}
