"""Availability: a month of free slots through the API, against asking per slot.

    .venv/bin/python bench/availability.py [--runs 20] [--naive-runs 3]

Builds a busy studio in its own database (8 therapists who give every
massage, Monday to Saturday with a lunch break; rooms, the vacuum device
and the Thai sticks; 500 appointments over the coming month, booked by
`book_appointment` at times the engine offers). Then, for every active
offering, it asks `GET /api/v1/availability/` for 31 days in process
(URL, view, serializers and engine; no socket), and counts the queries
of one request for 1 day and for 31 days.

Visits: the visit engine (`booking.visits.visit_slots`, in process)
lists the same month for one massage, for a couple (two therapists at
once, the room for two) and for two massages one after the other, with
some couples and two-massage visits booked among the appointments; each
prints its p95 and its queries for 1 day and for 31 days (one massage is
`available_slots` again, behind the visit engine's interface).

The baseline is what the engine replaces: walk the same step grid over
each therapist's working hours and ask the database once per candidate
(any appointment or time off in the way?), plus once per start time for
the resources. It must find exactly the engine's slots, or the run fails.
"""

from __future__ import annotations

import argparse
import gc
import random
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common

DATABASE = common.database_url("studio_bench_availability")
common.setup_django(
    DATABASE,
    STUDIO_MIN_NOTICE_MINUTES="120",
    STUDIO_HORIZON_DAYS="90",
    STUDIO_SLOT_STEP_MINUTES="15",
    STUDIO_AVAILABILITY_MAX_DAYS="31",
)

# The project's modules can be imported only now that Django is set up.
from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

from booking.availability import available_slots  # noqa: E402
from booking.models import (  # noqa: E402
    Allocation,
    Appointment,
    Resource,
    Therapist,
    Visit,
    WorkingHours,
)
from booking.services import (  # noqa: E402
    Actor,
    ClientDetails,
    book_appointment,
)
from booking.visits import Part, VisitSlot, visit_slots  # noqa: E402
from catalog.models import Offering, ResourceKind  # noqa: E402

THERAPISTS = 8
ROOMS = 4
APPOINTMENTS = 500
# Visits of two booked among them: couples, and two massages in turn.
COUPLES_VISITS = 30
TWO_MASSAGE_VISITS = 30
CLIENTS = 200
DAYS = 31
SEED = 20270301

# Slot = (start in UTC, the free therapists' ids in ascending order)
Slot = tuple[datetime, tuple[int, ...]]


def build_studio() -> None:
    """The therapists, their weekly hours and the resources; the catalog is migrated in."""
    common.add_therapists(THERAPISTS)
    kinds = {kind.slug: kind for kind in ResourceKind.objects.all()}
    Resource.objects.bulk_create(
        [
            *(
                Resource(name=f"Room {number}", kind=kinds["room"])
                for number in range(1, ROOMS + 1)
            ),
            Resource(name="Room for two", kind=kinds["room"], capacity=2),
            Resource(name="Vacuum device", kind=kinds["vacuum-device"]),
            Resource(name="Thai sticks", kind=kinds["thai-sticks"]),
        ]
    )


def book_month(offerings: list[Offering], first_day: date, rng: random.Random) -> None:
    """Book APPOINTMENTS random free slots through the booking service, as the desk would."""
    therapists = {therapist.id: therapist for therapist in Therapist.objects.all()}
    actor = Actor(label="bench")
    booked = attempts = 0
    while booked < APPOINTMENTS:
        attempts += 1
        if attempts > 20 * APPOINTMENTS:
            raise RuntimeError(f"Only {booked} appointments fit into the month.")
        offering = rng.choice(offerings)
        day = first_day + timedelta(days=rng.randrange(DAYS))
        slots = available_slots(offering=offering, start_on=day, end_on=day)
        if not slots:
            continue
        slot = rng.choice(slots)
        client = booked % CLIENTS
        book_appointment(
            offering=offering,
            start_at=slot.start_at,
            therapist=therapists[rng.choice(slot.therapist_ids)],
            client=ClientDetails(
                name=f"Client {client}", email=f"client{client}@example.com", phone="+4930123456"
            ),
            source=Appointment.Source.ADMIN,
            actor=actor,
        )
        booked += 1


# (name, parts, together): the visits listed. The couples offering is
# sold for two in `build_studio`'s catalog (max_people = 2).
COUPLES_OFFERING = "classical-whole-leg-60"


def visit_cases() -> list[tuple[str, list[Part], bool]]:
    by_slug = {
        offering.slug: offering for offering in Offering.objects.select_related("massage_type")
    }
    couples = by_slug[COUPLES_OFFERING]
    return [
        ("single: classical whole leg", [Part(offering=couples)], False),
        ("couples: classical whole leg x2", [Part(offering=couples), Part(offering=couples)], True),
        (
            "consecutive: foot 30, then whole leg 60",
            [
                Part(offering=by_slug["classical-foot-30"]),
                Part(offering=by_slug["therapeutic-whole-leg-60"]),
            ],
            False,
        ),
    ]


def book_visits(first_day: date, rng: random.Random) -> None:
    """Book couples and two-massage visits at random free starts, through `book_visit`."""
    _, couples, in_turn = visit_cases()
    for (_, parts, together), wanted in [(couples, COUPLES_VISITS), (in_turn, TWO_MASSAGE_VISITS)]:
        common.book_random_visits(
            choices=[parts],
            together=together,
            wanted=wanted,
            first_day=first_day,
            days=DAYS,
            rng=rng,
        )


def measure_visits(
    first_day: date, last_day: date, one_day: date, runs: int
) -> tuple[float, set[int]]:
    """The visit engine's month per case; returns the worst p95 and the query counts."""
    rows = []
    worst_p95 = 0.0
    query_counts: set[int] = set()
    for name, parts, together in visit_cases():

        def month(parts: list[Part] = parts, together: bool = together) -> list[VisitSlot]:
            return visit_slots(parts=parts, together=together, start_on=first_day, end_on=last_day)

        slots = month()
        for _ in range(2):
            month()
        timings = []
        for _ in range(runs):
            started = time.perf_counter()
            month()
            timings.append((time.perf_counter() - started) * 1000)
        with CaptureQueriesContext(connection) as for_day:
            visit_slots(parts=parts, together=together, start_on=one_day, end_on=one_day)
        with CaptureQueriesContext(connection) as for_month:
            month()
        worst_p95 = max(worst_p95, common.p95(timings))
        query_counts |= {len(for_day), len(for_month)}
        rows.append(
            [
                name,
                len(slots),
                f"{common.median(timings):.1f}",
                f"{common.p95(timings):.1f}",
                len(for_day),
                len(for_month),
            ]
        )
    common.print_table(
        [
            "visit (31 days)",
            "starts",
            "engine med ms",
            "engine p95 ms",
            "queries 1 d",
            "queries 31 d",
        ],
        rows,
    )
    return worst_p95, query_counts


def availability_url(offering: Offering, start_on: date, end_on: date) -> str:
    return f"/api/v1/availability/?offering={offering.id}&start={start_on}&end={end_on}"


def ask(client: APIClient, url: str) -> list[dict[str, object]]:
    response = client.get(url)
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} answered {response.status_code}: {response.content!r}")
    slots: list[dict[str, object]] = response.json()["slots"]
    return slots


def time_requests(client: APIClient, url: str, runs: int) -> list[float]:
    """Milliseconds per request, after two untimed ones that warm the caches."""
    for _ in range(2):
        ask(client, url)
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        ask(client, url)
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def count_queries(client: APIClient, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        ask(client, url)
    return len(queries)


# The naive baseline -------------------------------------------------------

# Is the therapist held at [start, blocked_until): an active appointment
# (buffer included) or time off, theirs or the whole studio's?
THERAPIST_BUSY = """
    SELECT EXISTS (
        SELECT 1 FROM booking_appointment
        WHERE therapist_id = %(therapist)s AND status <> 'cancelled'
          AND start_at < %(blocked_until)s AND blocked_until > %(start)s
    ) OR EXISTS (
        SELECT 1 FROM booking_timeoff
        WHERE (therapist_id = %(therapist)s OR therapist_id IS NULL)
          AND start_at < %(blocked_until)s AND end_at > %(start)s
    )
"""

# How many of the needed kinds have at least one active resource free then?
KINDS_FREE = """
    SELECT count(DISTINCT resource.kind_id) FROM booking_resource AS resource
    WHERE resource.kind_id = ANY(%(kinds)s) AND resource.is_active
      AND NOT EXISTS (
          SELECT 1 FROM booking_allocation AS allocation
          WHERE allocation.resource_id = resource.id AND allocation.is_active
            AND allocation.start_at < %(blocked_until)s AND allocation.blocked_until > %(start)s
      )
"""


def grid_starts(
    day: date, opens: clock, closes: clock, duration: timedelta, zone: ZoneInfo
) -> Iterator[datetime]:
    """Local starts on the step grid at which the massage ends by closing time."""
    step = settings.STUDIO_SLOT_STEP_MINUTES
    moment = datetime.combine(day, opens, tzinfo=zone)
    late = (moment.hour * 60 + moment.minute) % step
    if late:
        moment += timedelta(minutes=step - late)
    end = datetime.combine(day, closes, tzinfo=zone)
    while moment + duration <= end:
        yield moment
        moment += timedelta(minutes=step)


def naive_slots(offering: Offering, first_day: date, last_day: date) -> tuple[list[Slot], int]:
    """The free slots found by one query per candidate; also how many queries it took."""
    zone = ZoneInfo(settings.STUDIO_TIME_ZONE)
    now = timezone.now()
    earliest = now + timedelta(minutes=settings.STUDIO_MIN_NOTICE_MINUTES)
    latest = now + timedelta(days=settings.STUDIO_HORIZON_DAYS)
    duration = timedelta(minutes=offering.duration_minutes)
    held = duration + timedelta(minutes=offering.buffer_minutes)

    therapists = list(
        Therapist.objects.filter(is_active=True, massage_types=offering.massage_type_id).order_by(
            "id"
        )
    )
    hours = {
        therapist.id: list(
            WorkingHours.objects.filter(therapist=therapist).values_list(
                "weekday", "start_time", "end_time"
            )
        )
        for therapist in therapists
    }
    kinds = list(offering.resource_kinds.values_list("id", flat=True))
    queries = 2 + len(therapists)

    free_at: dict[datetime, list[int]] = defaultdict(list)
    resources_free: dict[datetime, bool] = {}
    with connection.cursor() as cursor:
        day = first_day
        while day <= last_day:
            for therapist in therapists:
                for weekday, opens, closes in hours[therapist.id]:
                    if weekday != day.weekday():
                        continue
                    for local_start in grid_starts(day, opens, closes, duration, zone):
                        start = local_start.astimezone(UTC)
                        if not earliest <= start <= latest:
                            continue
                        times = {"start": start, "blocked_until": start + held}
                        cursor.execute(THERAPIST_BUSY, {"therapist": therapist.id, **times})
                        queries += 1
                        if cursor.fetchone()[0]:
                            continue
                        if start not in resources_free:
                            cursor.execute(KINDS_FREE, {"kinds": kinds, **times})
                            queries += 1
                            resources_free[start] = cursor.fetchone()[0] == len(kinds)
                        if resources_free[start]:
                            free_at[start].append(therapist.id)
            day += timedelta(days=1)
    slots = [(start, tuple(sorted(ids))) for start, ids in sorted(free_at.items())]
    return slots, queries


def time_naive(
    offering: Offering, first_day: date, last_day: date, runs: int
) -> tuple[list[float], int]:
    """Milliseconds per naive month, after checking it finds exactly the engine's slots."""
    engine = [
        (slot.start_at, slot.therapist_ids)
        for slot in available_slots(offering=offering, start_on=first_day, end_on=last_day)
    ]
    timings = []
    queries = 0
    for _ in range(runs):
        started = time.perf_counter()
        found, queries = naive_slots(offering, first_day, last_day)
        timings.append((time.perf_counter() - started) * 1000)
        if found != engine:
            raise RuntimeError(
                f"{offering.slug}: the naive baseline found {len(found)} slots, "
                f"the engine {len(engine)}; they must agree."
            )
    return timings, queries


# The run ------------------------------------------------------------------


def measure(runs: int, naive_runs: int) -> None:
    started = time.perf_counter()
    build_studio()
    offerings = list(
        Offering.objects.filter(is_active=True, massage_type__is_active=True)
        .select_related("massage_type")
        .order_by("id")
    )
    # Two days ahead, so the minimum notice never cuts into the month.
    first_day = timezone.localdate() + timedelta(days=2)
    last_day = first_day + timedelta(days=DAYS - 1)
    Offering.objects.filter(slug=COUPLES_OFFERING).update(max_people=2)
    rng = random.Random(SEED)
    book_month(offerings, first_day, rng)
    book_visits(first_day, rng)
    print(
        f"Built in {time.perf_counter() - started:.1f} s: {Therapist.objects.count()} therapists, "
        f"{Resource.objects.filter(kind__slug='room').count()} rooms, 1 vacuum device, "
        f"1 set of Thai sticks; {Appointment.objects.count()} appointments in "
        f"{Visit.objects.count()} visits "
        f"({Allocation.objects.count()} resource allocations) from {first_day} to {last_day}."
    )
    print(
        f"Each of {len(offerings)} offerings: {runs} timed API requests for {DAYS} days "
        f"(in process: URL, view, serializers, engine), {naive_runs} naive runs.\n"
    )

    # The build's objects (the migrations' states, 600 bookings' worth of
    # rows) stay in this process but would not be in a web worker, whose
    # own start-up objects gunicorn.conf.py freezes. Frozen here too, the
    # collector's full walks cost a timed request what they cost a worker.
    gc.collect()
    gc.freeze()

    # A working day (not a Sunday) for the one-day query count.
    one_day = first_day if first_day.weekday() != 6 else first_day + timedelta(days=1)
    client = APIClient()
    rows = []
    every_request: list[float] = []
    worst_p95 = 0.0
    least_speedup = float("inf")
    query_counts: set[int] = set()
    for offering in offerings:
        month_url = availability_url(offering, first_day, last_day)
        slots = len(ask(client, month_url))
        timings = time_requests(client, month_url, runs)
        for_day = count_queries(client, availability_url(offering, one_day, one_day))
        for_month = count_queries(client, month_url)
        naive, naive_queries = time_naive(offering, first_day, last_day, naive_runs)
        speedup = common.median(naive) / common.median(timings)

        every_request += timings
        worst_p95 = max(worst_p95, common.p95(timings))
        least_speedup = min(least_speedup, speedup)
        query_counts |= {for_day, for_month}
        rows.append(
            [
                offering.slug,
                slots,
                f"{common.median(timings):.1f}",
                f"{common.p95(timings):.1f}",
                for_day,
                for_month,
                naive_queries,
                f"{common.median(naive):.0f}",
                f"{common.p95(naive):.0f}",
                f"{speedup:.0f}x",
            ]
        )
    common.print_table(
        [
            "offering (31 days)",
            "slots",
            "API med ms",
            "API p95 ms",
            "queries 1 d",
            "queries 31 d",
            "naive queries",
            "naive med ms",
            "naive p95 ms",
            "speed-up",
        ],
        rows,
    )
    print(
        f"\nAll {len(every_request)} API requests: median {common.median(every_request):.1f} ms, "
        f"p95 {common.p95(every_request):.1f} ms.\n"
    )
    print(f"\nVisits: {runs} timed months each of the visit engine (in process, no HTTP).\n")
    visits_p95, visit_queries = measure_visits(first_day, last_day, one_day, runs)
    print()
    is_constant = len(query_counts) == 1
    common.print_table(
        ["target", "figure", "verdict"],
        [
            [
                "p95 under 50 ms (worst offering)",
                f"{worst_p95:.1f} ms",
                common.verdict(worst_p95 < 50),
            ],
            [
                "at least 50x faster than naive (least offering, medians)",
                f"{least_speedup:.0f}x",
                common.verdict(least_speedup >= 50),
            ],
            [
                "constant query count (1 day = 31 days, every offering)",
                ", ".join(str(count) for count in sorted(query_counts)),
                common.verdict(is_constant),
            ],
            [
                "visits: p95 under 50 ms (single, couples, consecutive)",
                f"{visits_p95:.1f} ms",
                common.verdict(visits_p95 < 50),
            ],
            [
                "visits: constant query count (1 day = 31 days, every case)",
                ", ".join(str(count) for count in sorted(visit_queries)),
                common.verdict(len(visit_queries) == 1),
            ],
        ],
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20, help="timed API requests per offering")
    parser.add_argument("--naive-runs", type=int, default=3, help="naive months per offering")
    parser.add_argument(
        "--keep-database", action="store_true", help="leave the database for a closer look"
    )
    options = parser.parse_args()
    print(f"Availability benchmark on {DATABASE.rsplit('@', 1)[-1]}; {common.machine_load()}")
    common.create_database(DATABASE)
    try:
        common.migrate()
        measure(options.runs, options.naive_runs)
        print(f"\nDone; {common.machine_load()}.")
    finally:
        if not options.keep_database:
            common.drop_database(DATABASE)
    return 0


if __name__ == "__main__":
    sys.exit(main())
