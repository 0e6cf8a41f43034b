"""The visit engine: where a visit of one or more appointments fits.

A visit is booked in one go: one massage, a couples massage (several
appointments starting together, each with a therapist of its own, in one
room that fits them all), or massages one after the other ("foot, then
back": each starts where the one before ends). The rules are those of
one appointment (booking/availability.py), applied to every part:

- the first start is on the studio's grid, at least the minimum notice
  ahead and within the horizon (`start_refusal`); later parts start
  where the one before ends, on the grid or not;
- every part lies inside its therapist's working hours that day, and the
  therapist is free for it, buffer included;
- together: N different qualified therapists, and for every resource
  kind the parts need one resource with room for all who need it, free
  for the whole visit (held once by the visit); the fewest places that
  fit are taken, so a room for two stays free for couples;
- one after the other: the same therapist goes on when they can (no
  cleanup buffer between their own two massages), else another free
  qualified therapist takes over; a room needed again is kept when it is
  free for the whole span (held once by the visit), else each massage
  takes a room of its own.

Listing (`visit_slots`), booking (`place_visit`) and courses
(`plan_course`) load the schedule once (`load_schedules`, a fixed number
of queries) and apply the same `_place` to it, so every start offered
can be booked and every start refused was not offered.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import pairwise
from uuid import UUID

from django.utils import timezone
from django.utils.translation import gettext, ngettext

from booking import errors
from booking.availability import (
    UTC,
    ListingWindow,
    Rules,
    Schedule,
    available_slots,
    candidate_starts,
    free_resources_of_kind,
    load_schedules,
    resources_taken,
    seconds,
    start_refusal,
    working_spans,
)
from catalog.models import Offering
from catalog.selectors import is_bookable

# The most appointments one visit holds (the most people side by side an
# offering allows is four, too).
MAX_APPOINTMENTS = 4
# How many other free starts a course session that does not fit offers,
# and how many days either side of its own they may lie.
COURSE_ALTERNATIVES = 3
COURSE_ALTERNATIVE_DAYS = 3


@dataclass(frozen=True)
class Part:
    """One appointment wanted in a visit."""

    offering: Offering
    # None: any qualified free therapist.
    therapist_id: int | None = None
    guest_name: str = ""


@dataclass(frozen=True)
class PlacedAppointment:
    offering_id: int
    therapist_id: int
    start_at: datetime
    end_at: datetime
    # Until when its therapist is held: its end when the same therapist
    # goes on with the next massage of the visit, else end plus buffer.
    blocked_until: datetime
    # What it takes alone, held from its start until `resources_until`.
    resource_ids: tuple[int, ...]
    guest_name: str = ""
    # End plus buffer: a room is cleaned after every massage.
    resources_until: datetime | None = None
    # Per resource taken: every one of its kind free then, `resource_ids`
    # first; a booking whose first choice a concurrent one took writes
    # the next.
    resource_choices: tuple[tuple[int, ...], ...] = ()


@dataclass(frozen=True)
class SharedResource:
    """A resource the visit holds once for several of its appointments."""

    resource_id: int
    start_at: datetime
    blocked_until: datetime
    # Every resource that would do, `resource_id` first (as `PlacedAppointment`).
    choices: tuple[int, ...] = ()


@dataclass(frozen=True)
class VisitPlan:
    start_at: datetime
    # The end of the last appointment.
    end_at: datetime
    appointments: tuple[PlacedAppointment, ...]
    # Held once by the visit: the room for two, a room kept between massages.
    shared_resource_ids: tuple[int, ...]
    shared: tuple[SharedResource, ...] = ()


@dataclass(frozen=True)
class VisitSlot:
    start_at: datetime
    # The end of the last appointment.
    end_at: datetime
    # The therapists free to take the first part.
    therapist_ids: tuple[int, ...]


@dataclass(frozen=True)
class CourseSession:
    number: int
    # The wanted time: the first session's local time on its date.
    start_at: datetime
    end_at: datetime
    fits: bool
    # When it does not fit: the nearest free starts, the same day first.
    alternatives: tuple[datetime, ...]


# Why a start does not fit, for `_refusal`.
_OUTSIDE_HOURS = "outside_hours"
_TAKEN = "taken"
_NO_RESOURCE = "no_resource"


@dataclass(frozen=True)
class _Shape:
    """The parts of a visit as the placing needs them, in seconds from its start."""

    parts: tuple[Part, ...]
    together: bool
    schedules: tuple[Schedule, ...]
    offsets: tuple[int, ...]
    # Who may take each part: the therapist asked for, else every
    # qualified one (by id).
    eligible: tuple[tuple[int, ...], ...]
    # Per resource kind, the parts that need it.
    kind_parts: tuple[tuple[int, tuple[int, ...]], ...]
    # Whether a therapist handing over could still be cleaning up when
    # they are due again two parts later (a buffer longer than the part
    # between): only then does a listing weigh whole chains.
    may_meet_itself: bool = False

    @classmethod
    def of(cls, parts: Sequence[Part], together: bool, schedules: dict[int, Schedule]) -> _Shape:
        per_part = tuple(schedules[part.offering.id] for part in parts)
        offsets = [0]
        if not together:
            for schedule in per_part[:-1]:
                offsets.append(offsets[-1] + schedule.duration_seconds)
        else:
            offsets *= len(parts)
        eligible = []
        for part, schedule in zip(parts, per_part, strict=True):
            qualified = tuple(therapist.id for therapist in schedule.therapists)
            if part.therapist_id is None:
                eligible.append(qualified)
            else:
                eligible.append(tuple(t for t in qualified if t == part.therapist_id))
        kinds: dict[int, list[int]] = {}
        for index, schedule in enumerate(per_part):
            for kind in schedule.kinds:
                kinds.setdefault(kind, []).append(index)
        may_meet_itself = not together and any(
            before.buffer_seconds > between.duration_seconds
            for before, between in pairwise(per_part[:-1])
        )
        return cls(
            parts=tuple(parts),
            together=together,
            schedules=per_part,
            offsets=tuple(offsets),
            eligible=tuple(eligible),
            kind_parts=tuple((kind, tuple(found)) for kind, found in sorted(kinds.items())),
            may_meet_itself=may_meet_itself,
        )

    def span(self, index: int, start: int) -> tuple[int, int, int]:
        """Part `index` of a visit starting at `start`: its start, end, and end with buffer."""
        schedule = self.schedules[index]
        begins = start + self.offsets[index]
        ends = begins + schedule.duration_seconds
        return begins, ends, ends + schedule.buffer_seconds

    def end(self, start: int) -> int:
        """The end of the visit's last appointment."""
        return max(self.span(index, start)[1] for index in range(len(self.parts)))


@dataclass(frozen=True)
class _Placement:
    therapist_ids: tuple[int, ...]
    # Per part: until when its therapist is held.
    blocked: tuple[int, ...]
    # Per part: the resources it takes alone, each as its free choices
    # (the first is taken).
    resources: tuple[tuple[tuple[int, ...], ...], ...]
    # (choices, start, end) held by the visit for several parts.
    shared: tuple[tuple[tuple[int, ...], int, int], ...]


class _Studio:
    """The loaded schedule, with each therapist's working hours per day in seconds."""

    def __init__(self, rules: Rules, schedules: dict[int, Schedule]) -> None:
        self.rules = rules
        any_schedule = next(iter(schedules.values()))
        self.schedule = any_schedule
        self.busy = any_schedule.busy
        self._hours: dict[tuple[int, date], list[tuple[int, int]]] = {}

    def hours(self, therapist_id: int, day: date) -> list[tuple[int, int]]:
        key = (therapist_id, day)
        found = self._hours.get(key)
        if found is None:
            found = list(working_spans(self.schedule, self.rules, therapist_id, day))
            self._hours[key] = found
        return found

    def fits_hours(self, therapist_id: int, day: date, start: int, end: int) -> bool:
        for opens, closes in self.hours(therapist_id, day):
            if opens <= start and end <= closes:
                return True
        return False


def check_parts(parts: Sequence[Part], *, together: bool) -> None:
    """Refuse a visit whose parts cannot go together, whatever the time.

    Raises InvalidVisit for no part, too many, more people together
    than an offering takes side by side, or one therapist asked for
    twice together; NotBookable for an offering not on sale.
    """
    if not parts:
        raise errors.InvalidVisit(gettext("A visit needs at least one massage."))
    if len(parts) > MAX_APPOINTMENTS:
        raise errors.InvalidVisit(
            ngettext(
                "A visit holds at most %(count)d massage.",
                "A visit holds at most %(count)d massages.",
                MAX_APPOINTMENTS,
            )
            % {"count": MAX_APPOINTMENTS}
        )
    for part in parts:
        if not is_bookable(part.offering):
            raise errors.NotBookable()
        if together and len(parts) > part.offering.max_people:
            people = part.offering.max_people
            raise errors.InvalidVisit(
                ngettext(
                    "This massage is given to at most %(count)d person at a time.",
                    "This massage is given to at most %(count)d people at a time.",
                    people,
                )
                % {"count": people}
            )
    if together:
        asked = [part.therapist_id for part in parts if part.therapist_id is not None]
        if len(asked) != len(set(asked)):
            raise errors.InvalidVisit(
                gettext("Each person of a visit together needs a therapist of their own.")
            )


def _offerings(parts: Sequence[Part]) -> list[Offering]:
    return list({part.offering.id: part.offering for part in parts}.values())


def _reach(parts: Sequence[Part], *, together: bool) -> timedelta:
    """How long after its start a visit may hold someone."""
    spans = [
        timedelta(minutes=part.offering.duration_minutes + part.offering.buffer_minutes)
        for part in parts
    ]
    return max(spans) if together else sum(spans, timedelta())


def _load(
    rules: Rules,
    parts: Sequence[Part],
    *,
    together: bool,
    window_start: datetime,
    window_end: datetime,
    ignore_visit: UUID | None,
    lock: bool = False,
) -> tuple[_Studio, _Shape]:
    asked = [part.therapist_id for part in parts]
    schedules = load_schedules(
        offerings=_offerings(parts),
        window_start=window_start,
        window_end=window_end,
        reach=_reach(parts, together=together),
        # Only the therapists asked for, when every part names one.
        therapist_ids=None if None in asked else sorted({t for t in asked if t is not None}),
        lock_therapists=lock,
        ignore_visit=ignore_visit,
    )
    return _Studio(rules, schedules), _Shape.of(parts, together, schedules)


def place_visit(
    *,
    parts: Sequence[Part],
    together: bool,
    start_at: datetime,
    now: datetime | None = None,
    ignore_visit: UUID | None = None,
    lock: bool = False,
    staff: bool = False,
) -> VisitPlan:
    """Where the visit starting at `start_at` fits: its therapists and resources.

    Raises InvalidVisit or NotBookable for parts that cannot go together
    (`check_parts`), TooSoon, BeyondHorizon or OffStep for a first start
    no rule offers, NotBookable when nobody gives one of the massages,
    NotQualified for a therapist asked for who does not give theirs,
    OutsideHours when a part lies outside every qualified therapist's
    hours, and SlotUnavailable when the therapists or resources are
    taken. `ignore_visit` leaves that visit's own bookings out (a move).
    `lock` locks the therapists who may take it (only those asked for
    when every part names one), for a booking that writes the plan.
    `staff` books at the studio: no minimum notice (`Rules.from_settings`).
    """
    rules = Rules.from_settings(staff=staff)
    now = now or timezone.now()
    check_parts(parts, together=together)
    refused = start_refusal(rules, start_at, now)
    if refused is not None:
        raise refused
    studio, shape = _load(
        rules,
        parts,
        together=together,
        window_start=start_at,
        window_end=start_at + timedelta(seconds=1),
        ignore_visit=ignore_visit,
        lock=lock,
    )
    for part, schedule, eligible in zip(parts, shape.schedules, shape.eligible, strict=True):
        # Only the therapist asked for is loaded when every part names one.
        if part.therapist_id is not None and not eligible:
            raise errors.NotQualified()
        if not schedule.therapists:
            raise errors.NotBookable(gettext("No therapist gives this massage at the moment."))
    start = seconds(start_at)
    found = _place(studio, shape, start, start_at.astimezone(rules.zone).date())
    if not isinstance(found, _Placement):
        raise _refusal(found)
    return _plan(shape, start, found)


def _refusal(reason: str) -> errors.BookingError:
    if reason == _OUTSIDE_HOURS:
        return errors.OutsideHours()
    if reason == _NO_RESOURCE:
        return resources_taken()
    return errors.SlotUnavailable()


def _moment(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def _plan(shape: _Shape, start: int, placement: _Placement) -> VisitPlan:
    appointments = []
    for index, part in enumerate(shape.parts):
        begins, ends, cleaned = shape.span(index, start)
        appointments.append(
            PlacedAppointment(
                offering_id=part.offering.id,
                therapist_id=placement.therapist_ids[index],
                start_at=_moment(begins),
                end_at=_moment(ends),
                blocked_until=_moment(placement.blocked[index]),
                resource_ids=tuple(choices[0] for choices in placement.resources[index]),
                guest_name=part.guest_name,
                resources_until=_moment(cleaned),
                resource_choices=placement.resources[index],
            )
        )
    shared = tuple(
        SharedResource(
            resource_id=choices[0],
            start_at=_moment(begins),
            blocked_until=_moment(ends),
            choices=choices,
        )
        for choices, begins, ends in placement.shared
    )
    return VisitPlan(
        start_at=_moment(start),
        end_at=_moment(shape.end(start)),
        appointments=tuple(appointments),
        shared_resource_ids=tuple(item.resource_id for item in shared),
        shared=shared,
    )


def _place(studio: _Studio, shape: _Shape, start: int, day: date) -> _Placement | str:
    """The therapists and resources for the visit starting at `start` on local `day`.

    The start itself is taken as allowed (grid, notice, horizon): the
    callers check it. Returns why not when it does not fit.
    """
    resources = _resources(studio, shape, start, every_choice=True)
    found = _therapists(studio, shape, start, day, every_first=False)
    if isinstance(found, str):
        # The therapists' reason comes first when the resources do not fit either.
        return found
    if resources is None:
        return _NO_RESOURCE
    therapist_ids, blocked, _ = found
    per_part, shared = resources
    return _Placement(therapist_ids, blocked, per_part, shared)


_Therapists = tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]


def _therapists(
    studio: _Studio, shape: _Shape, start: int, day: date, *, every_first: bool
) -> _Therapists | str:
    if shape.together:
        return _therapists_together(studio, shape, start, day, every_first=every_first)
    return _therapists_in_turn(studio, shape, start, day, every_first=every_first)


class _Checks:
    """The therapist checks of one start, each made at most once.

    A listing tries every first therapist and every chain of them at
    thousands of starts; parts of one offering together share their
    checks too.
    """

    def __init__(self, studio: _Studio, shape: _Shape, start: int, day: date) -> None:
        self.studio = studio
        self.shape = shape
        self.day = day
        self.spans = [shape.span(index, start) for index in range(len(shape.parts))]
        self._works: dict[tuple[int, int, int], bool] = {}
        self._cleans: dict[tuple[int, int], bool] = {}

    def works(self, index: int, therapist: int) -> bool:
        """In the therapist's hours and free for the part itself (its buffer aside)."""
        begins, ends, _ = self.spans[index]
        key = (begins, ends, therapist)
        found = self._works.get(key)
        if found is None:
            found = self.studio.fits_hours(
                therapist, self.day, begins, ends
            ) and not self.studio.busy[therapist].overlaps(begins, ends)
            self._works[key] = found
        return found

    def cleans(self, index: int, therapist: int) -> bool:
        """Free for the buffer after the part, to clean up before anyone else."""
        _, ends, cleaned = self.spans[index]
        key = (ends, therapist)
        found = self._cleans.get(key)
        if found is None:
            found = ends == cleaned or not self.studio.busy[therapist].overlaps(ends, cleaned)
            self._cleans[key] = found
        return found

    def reason(self) -> str:
        """Outside hours when some part fits nobody's hours, else taken."""
        for index, eligible in enumerate(self.shape.eligible):
            begins, ends, _ = self.spans[index]
            if not any(self.studio.fits_hours(t, self.day, begins, ends) for t in eligible):
                return _OUTSIDE_HOURS
        return _TAKEN


def _therapists_together(
    studio: _Studio, shape: _Shape, start: int, day: date, *, every_first: bool
) -> _Therapists | str:
    """Different therapists, each free and working for their part, all from `start`."""
    checks = _Checks(studio, shape, start, day)
    free: list[list[int]] = []
    for index, eligible in enumerate(shape.eligible):
        available = [t for t in eligible if checks.works(index, t) and checks.cleans(index, t)]
        if not available:
            return checks.reason()
        free.append(available)
    chosen = _match(free, ())
    if chosen is None:
        return _TAKEN
    first_options: tuple[int, ...] = ()
    if every_first:
        first_options = tuple(
            therapist
            for therapist in free[0]
            if therapist == chosen[0] or _match(free[1:], (therapist,)) is not None
        )
    blocked = tuple(cleaned for _, _, cleaned in checks.spans)
    return chosen, blocked, first_options


def _match(free: list[list[int]], taken: tuple[int, ...]) -> tuple[int, ...] | None:
    """A different therapist for each part, from its free ones, by id first; or None."""
    if not free:
        return ()
    for therapist in free[0]:
        if therapist in taken:
            continue
        rest = _match(free[1:], (*taken, therapist))
        if rest is not None:
            return (therapist, *rest)
    return None


def _therapists_in_turn(
    studio: _Studio, shape: _Shape, start: int, day: date, *, every_first: bool
) -> _Therapists | str:
    """A therapist for each part in turn, the same one going on whenever they can.

    Of the first part's free therapists, the one whose chain changes
    therapist the fewest times is taken (then the lowest id).
    """
    checks = _Checks(studio, shape, start, day)
    best: tuple[int, ...] | None = None
    best_changes = 0
    first_options = []
    for therapist in shape.eligible[0]:
        if not checks.works(0, therapist):
            continue
        chain = _chain(checks, (therapist,))
        if chain is None:
            continue
        changes = sum(1 for a, b in pairwise(chain) if a != b)
        if best is None or changes < best_changes:
            best, best_changes = chain, changes
        if not every_first and changes == 0:
            break
        first_options.append(therapist)
    if best is None:
        return checks.reason()
    blocked = tuple(
        ends if index + 1 < len(best) and best[index + 1] == best[index] else cleaned
        for index, (_, ends, cleaned) in enumerate(checks.spans)
    )
    return best, blocked, tuple(first_options) if every_first else ()


def _chain(checks: _Checks, chain: tuple[int, ...]) -> tuple[int, ...] | None:
    """Extend `chain` (the therapists of the first parts) to every part, or None.

    The therapist of the part before goes on when they can; handing
    over, they clean up after their part first.
    """
    index = len(chain)
    previous = chain[-1]
    if index == len(checks.spans):
        return chain if checks.cleans(index - 1, previous) else None
    eligible = checks.shape.eligible[index]
    order = [previous] if previous in eligible else []
    order += [t for t in eligible if t != previous]
    for therapist in order:
        if therapist != previous and not checks.cleans(index - 1, previous):
            return None
        if not checks.works(index, therapist):
            continue
        if (
            therapist != previous
            and therapist in chain
            and _steps_on_itself(checks, chain, therapist)
        ):
            continue
        found = _chain(checks, (*chain, therapist))
        if found is not None:
            return found
    return None


def _steps_on_itself(checks: _Checks, chain: tuple[int, ...], therapist: int) -> bool:
    """Whether `therapist`, back for the next part, is still on an earlier one (its buffer)."""
    begins, _, _ = checks.spans[len(chain)]
    for index, taker in enumerate(chain):
        if taker != therapist:
            continue
        goes_on = index + 1 < len(chain) and chain[index + 1] == therapist
        _, ends, cleaned = checks.spans[index]
        if (ends if goes_on else cleaned) > begins:
            return True
    return False


_Choices = tuple[int, ...]


def _resources(
    studio: _Studio, shape: _Shape, start: int, *, every_choice: bool = False
) -> tuple[tuple[tuple[_Choices, ...], ...], tuple[tuple[_Choices, int, int], ...]] | None:
    """The resources every part needs, or None when a kind has none free.

    A kind several parts need is held once by the visit when one
    resource fits: together, with a place for each of them; one after
    the other, free from the first such part to the last one's cleanup.
    Otherwise each part takes one of its own (never together: a couple
    is not split between rooms). Each is given as its choices, the one
    to take first; `every_choice` lists every free one (for a booking),
    else only the first (for a listing, which only asks whether one is).
    """
    per_part: list[list[_Choices]] = [[] for _ in shape.parts]
    shared: list[tuple[_Choices, int, int]] = []
    for kind, needing in shape.kind_parts:
        schedule = shape.schedules[needing[0]]
        if len(needing) > 1:
            begins = start + shape.offsets[needing[0]]
            ends = max(shape.span(index, start)[2] for index in needing)
            places = len(needing) if shape.together else 1
            kept = _choices(
                free_resources_of_kind(schedule, kind, begins, ends, places=places), every_choice
            )
            if kept:
                shared.append((kept, begins, ends))
                continue
            if shape.together:
                return None
        held: list[tuple[int, int, int]] = []
        for index in needing:
            begins, _, cleaned = shape.span(index, start)
            own = _choices(
                free_resources_of_kind(schedule, kind, begins, cleaned, held=held), every_choice
            )
            if not own:
                return None
            held.append((own[0], begins, cleaned))
            per_part[index].append(own)
    return tuple(tuple(found) for found in per_part), tuple(shared)


def _choices(free: Iterator[int], every: bool) -> _Choices:
    """Every free resource, or only the first; () when none is."""
    if every:
        return tuple(free)
    first = next(free, None)
    return () if first is None else (first,)


def _first_options(studio: _Studio, shape: _Shape, start: int, day: date) -> tuple[int, ...]:
    """Every therapist who can take the first part of the visit at `start`; () if it does not fit.

    What `_place` decides, for a listing: each start weighs every first
    therapist, so one after the other it asks, part by part from the
    last, who could go on from there, instead of trying every chain.
    """
    if _resources(studio, shape, start) is None:
        return ()
    if shape.together or shape.may_meet_itself:
        found = _therapists(studio, shape, start, day, every_first=True)
        return () if isinstance(found, str) else found[2]
    checks = _Checks(studio, shape, start, day)
    eligible = shape.eligible
    last = len(eligible) - 1
    # Whether the parts after part k can be given when `p` gave part k.
    rest_given = {p: checks.cleans(last, p) for p in eligible[last]}
    for index in range(last, 0, -1):
        takers = {t for t in eligible[index] if rest_given[t] and checks.works(index, t)}
        rest_given = {
            p: p in takers or (bool(takers - {p}) and checks.cleans(index - 1, p))
            for p in eligible[index - 1]
        }
    return tuple(t for t in eligible[0] if rest_given[t] and checks.works(0, t))


def _first_starts(studio: _Studio, shape: _Shape, day: date, first: int, last: int) -> list[int]:
    """The grid starts on `day` at which someone may take the first part, in order."""
    schedule = shape.schedules[0]
    starts: set[int] = set()
    for therapist in shape.eligible[0]:
        starts.update(candidate_starts(schedule, studio.rules, therapist, day))
    return sorted(start for start in starts if first <= start <= last)


def visit_slots(
    *,
    parts: Sequence[Part],
    together: bool,
    start_on: date,
    end_on: date,
    now: datetime | None = None,
    ignore_visit: UUID | None = None,
    staff: bool = False,
) -> list[VisitSlot]:
    """The starts between two local dates (both included) at which the whole visit fits.

    together=True: all parts start at once (a couples massage is N parts
    of one offering). together=False: one after the other. The same
    queries for any range (`load_schedules`). Raises InvalidVisit for
    parts that cannot go together; an offering not on sale, or a
    therapist asked for who does not give it, has no slots. `staff`
    lists as `place_visit` books for staff: no minimum notice.
    """
    try:
        check_parts(parts, together=together)
    except errors.NotBookable:
        return []
    if len(parts) == 1:
        # One massage: the availability engine's own listing, the same
        # rules with less to weigh (a test holds the two to one answer).
        part = parts[0]
        return [
            VisitSlot(start_at=slot.start_at, end_at=slot.end_at, therapist_ids=slot.therapist_ids)
            for slot in available_slots(
                offering=part.offering,
                start_on=start_on,
                end_on=end_on,
                therapist_id=part.therapist_id,
                now=now,
                ignore_visit=ignore_visit,
                staff=staff,
            )
        ]
    rules = Rules.from_settings(staff=staff)
    window = ListingWindow.of(rules, now or timezone.now(), start_on, end_on)
    if window is None:
        return []
    studio, shape = _load(
        rules,
        parts,
        together=together,
        window_start=window.start_at,
        window_end=window.end_at,
        ignore_visit=ignore_visit,
    )
    slots = []
    day = window.start_on
    while day <= window.end_on:
        for start in _first_starts(studio, shape, day, window.first, window.last):
            options = _first_options(studio, shape, start, day)
            if options:
                slots.append(
                    VisitSlot(
                        start_at=_moment(start),
                        end_at=_moment(shape.end(start)),
                        therapist_ids=options,
                    )
                )
        day += timedelta(days=1)
    return slots


def plan_course(
    *,
    offering: Offering,
    first_start: datetime,
    sessions: int,
    interval_days: int,
    therapist_id: int | None = None,
    now: datetime | None = None,
) -> list[CourseSession]:
    """The sessions of a course: the first start's local time every `interval_days` days.

    Each date is taken on the studio's calendar and its time on its wall
    clock, so a course keeps its time across a clock change. Each session
    is checked as `place_visit` checks a visit; one that does not fit
    offers up to COURSE_ALTERNATIVES free starts nearest to it: the same
    day first, by distance, then the days after and before (never as far
    as the next session). One schedule load for the whole course.
    Raises NotBookable for an offering not on sale.
    """
    if sessions < 1 or interval_days < 1:
        raise errors.InvalidVisit(gettext("A course needs at least one session, a day apart."))
    rules = Rules.from_settings()
    now = now or timezone.now()
    parts = (Part(offering=offering, therapist_id=therapist_id),)
    check_parts(parts, together=False)
    local = first_start.astimezone(rules.zone)
    wall = local.time().replace(tzinfo=None)
    days = [local.date() + timedelta(days=number * interval_days) for number in range(sessions)]
    spread = min(COURSE_ALTERNATIVE_DAYS, interval_days - 1)
    studio, shape = _load(
        rules,
        parts,
        together=False,
        window_start=rules.local_midnight(days[0] - timedelta(days=spread)),
        window_end=rules.local_midnight(days[-1] + timedelta(days=spread + 1)),
        ignore_visit=None,
    )
    duration = timedelta(minutes=offering.duration_minutes)
    planned = []
    for number, day in enumerate(days, start=1):
        start_at = datetime.combine(day, wall, tzinfo=rules.zone).astimezone(UTC)
        fits = start_refusal(rules, start_at, now) is None and isinstance(
            _place(studio, shape, seconds(start_at), day), _Placement
        )
        alternatives = (
            () if fits else _nearest(studio, shape, day=day, wall=wall, spread=spread, now=now)
        )
        planned.append(
            CourseSession(
                number=number,
                start_at=start_at,
                end_at=start_at + duration,
                fits=fits,
                alternatives=alternatives,
            )
        )
    return planned


def _nearest(
    studio: _Studio, shape: _Shape, *, day: date, wall: time, spread: int, now: datetime
) -> tuple[datetime, ...]:
    """Up to COURSE_ALTERNATIVES free starts: on `day` nearest the wall time, then nearby days."""
    rules = studio.rules
    found: list[datetime] = []
    offsets = [0]
    for distance in range(1, spread + 1):
        offsets += [distance, -distance]
    for offset in offsets:
        other = day + timedelta(days=offset)
        wanted = seconds(datetime.combine(other, wall, tzinfo=rules.zone))
        starts = sorted(
            _first_starts(studio, shape, other, 0, 2**62), key=lambda start: abs(start - wanted)
        )
        for start in starts:
            start_at = _moment(start)
            if start_refusal(rules, start_at, now) is not None:
                continue
            if isinstance(_place(studio, shape, start, other), _Placement):
                found.append(start_at)
                if len(found) == COURSE_ALTERNATIVES:
                    return tuple(found)
    return tuple(found)
