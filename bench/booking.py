"""Bookings per second through the HTTP API under gunicorn, against raw inserts.

    .venv/bin/python bench/booking.py [--bookings 600] [--workers 3] [--threads 8]

Builds a studio in its own database (8 therapists who give every massage,
Monday to Saturday with a lunch break, and a room for each, so rooms never
run out) and precomputes, from the availability engine, distinct free
(therapist, start) pairs that never overlap: no booking can take another's
time. Then gunicorn serves the studio (DEBUG=0) and the client threads,
each with its own HTTP connection (gunicorn's sync workers close it
after every answer, so each request connects anew), book those pairs
with `POST /api/v1/appointments/`. Every answer other than 201 is counted
and reported, and makes the run fail: the figures would not be valid.

The yardstick is the database alone: as many threads with their own psycopg
connections insert non-overlapping rows, one transaction each, into a
scratch table with the same kind of exclusion constraint.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import IO

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg

from bench import common

DATABASE = common.database_url("studio_bench_booking")
common.setup_django(
    DATABASE,
    STUDIO_MIN_NOTICE_MINUTES="120",
    STUDIO_HORIZON_DAYS="90",
    STUDIO_SLOT_STEP_MINUTES="15",
)

# The project's modules can be imported only now that Django is set up.
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

from booking.availability import available_slots  # noqa: E402
from booking.models import Appointment, Resource  # noqa: E402
from catalog.models import Offering, ResourceKind  # noqa: E402

THERAPISTS = 8
OFFERING = "classical-foot-30"
WARM_UP_PER_THREAD = 2
SEED = 20270301

RAW_TABLE = """
    CREATE TABLE bench_raw_booking (
        id bigserial PRIMARY KEY,
        therapist_id bigint NOT NULL,
        start_at timestamptz NOT NULL,
        blocked_until timestamptz NOT NULL,
        CONSTRAINT bench_raw_booking_no_overlap EXCLUDE USING gist (
            therapist_id WITH =,
            tstzrange(start_at, blocked_until, '[)') WITH &&
        )
    )
"""
RAW_INSERT = (
    "INSERT INTO bench_raw_booking (therapist_id, start_at, blocked_until) VALUES (%s, %s, %s)"
)

# Pair = (therapist id, start in UTC)
Pair = tuple[int, datetime]


@dataclass
class Outcome:
    """What one thread saw: the status of each request (or the error) and its time."""

    statuses: Counter[str] = field(default_factory=Counter)
    milliseconds: list[float] = field(default_factory=list)


def merge(outcomes: list[Outcome]) -> Outcome:
    total = Outcome()
    for outcome in outcomes:
        total.statuses += outcome.statuses
        total.milliseconds += outcome.milliseconds
    return total


def build_studio() -> Offering:
    common.add_therapists(THERAPISTS)
    room = ResourceKind.objects.get(slug="room")
    # As many rooms as therapists: at any moment a free therapist finds a free room.
    Resource.objects.bulk_create(
        Resource(name=f"Room {number}", kind=room) for number in range(1, THERAPISTS + 1)
    )
    return Offering.objects.select_related("massage_type").get(slug=OFFERING)


def free_pairs(offering: Offering, first_day: date, count: int) -> list[Pair]:
    """`count` (therapist, start) pairs the engine offers, none overlapping another."""
    held = timedelta(minutes=offering.duration_minutes + offering.buffer_minutes)
    free_from: dict[int, datetime] = {}
    pairs: list[Pair] = []
    day = first_day
    while len(pairs) < count:
        if day > first_day + timedelta(days=80):
            raise RuntimeError(f"Only {len(pairs)} free pairs within the horizon.")
        for slot in available_slots(offering=offering, start_on=day, end_on=day):
            for therapist_id in slot.therapist_ids:
                if slot.start_at >= free_from.get(therapist_id, slot.start_at):
                    pairs.append((therapist_id, slot.start_at))
                    free_from[therapist_id] = slot.start_at + held
        day += timedelta(days=1)
    return pairs[:count]


def booking_body(offering: Offering, pair: Pair, number: int) -> bytes:
    therapist_id, start = pair
    return json.dumps(
        {
            "offering": offering.id,
            "start": timezone.localtime(start).isoformat(),
            "therapist": therapist_id,
            "client": {
                "name": f"Client {number}",
                "email": f"client{number}@example.com",
                "phone": "+49 30 1234567",
            },
        }
    ).encode()


def queries_per_booking(body: bytes) -> int:
    """One booking in process, through the same view and service, with its queries counted."""
    with CaptureQueriesContext(connection) as queries:
        response = APIClient().post("/api/v1/appointments/", body, content_type="application/json")
    if response.status_code != 201:
        raise RuntimeError(f"The in-process booking answered {response.status_code}.")
    return len(queries)


# gunicorn and its clients ---------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def answers(port: int) -> bool:
    client = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        client.request("GET", "/api/v1/offerings/")
        return client.getresponse().status == 200
    except OSError:
        return False
    finally:
        client.close()


@contextmanager
def gunicorn(workers: int, log: IO[bytes]) -> Iterator[int]:
    """Serve the studio on a free local port until the block ends; yield the port."""
    port = free_port()
    # The environment already holds the bench database and the settings.
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "studio.wsgi:application",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--error-logfile",
            "-",
            "--log-level",
            "warning",
        ],
        cwd=common.ROOT,
        env=dict(os.environ),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while not answers(port):
            if server.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                raise RuntimeError(f"gunicorn did not start:\n{log.read().decode()}")
            time.sleep(0.1)
        yield port
    finally:
        server.terminate()  # SIGTERM to gunicorn's PID: a graceful stop of every worker
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def post_bookings(port: int, bodies: list[bytes], outcome: Outcome) -> None:
    client = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Content-Type": "application/json"}
    try:
        for body in bodies:
            started = time.perf_counter()
            try:
                client.request("POST", "/api/v1/appointments/", body=body, headers=headers)
                response = client.getresponse()
                response.read()
                outcome.statuses[str(response.status)] += 1
            except (OSError, http.client.HTTPException) as error:
                outcome.statuses[type(error).__name__] += 1
                client.close()  # the next request opens a fresh connection
            outcome.milliseconds.append((time.perf_counter() - started) * 1000)
    finally:
        client.close()


def book_over_http(port: int, bodies: list[bytes], threads: int) -> tuple[Outcome, float]:
    """Deal the bodies round-robin to the threads and book them; the outcomes and seconds."""
    outcomes = [Outcome() for _ in range(threads)]
    seconds = common.run_threads(
        [
            partial(post_bookings, port, bodies[index::threads], outcomes[index])
            for index in range(threads)
        ]
    )
    return merge(outcomes), seconds


# Raw inserts ----------------------------------------------------------------


def insert_raw(therapist_id: int, rows: int, outcome: Outcome) -> None:
    """`rows` back-to-back ranges of one therapist, each INSERT its own transaction."""
    base = datetime(2030, 1, 1, tzinfo=UTC)
    with psycopg.connect(DATABASE, autocommit=True) as raw:
        for row in range(rows):
            start = base + timedelta(minutes=45 * row)
            started = time.perf_counter()
            raw.execute(RAW_INSERT, (therapist_id, start, start + timedelta(minutes=40)))
            outcome.milliseconds.append((time.perf_counter() - started) * 1000)
            outcome.statuses["inserted"] += 1


def insert_raw_rows(threads: int, rows: int) -> tuple[Outcome, float]:
    with psycopg.connect(DATABASE, autocommit=True) as raw:
        raw.execute(RAW_TABLE)
    outcomes = [Outcome() for _ in range(threads)]
    # Thread n inserts for therapist n, so no two threads' ranges can meet.
    seconds = common.run_threads(
        [partial(insert_raw, index, rows, outcomes[index]) for index in range(threads)]
    )
    return merge(outcomes), seconds


# The run ------------------------------------------------------------------


def measure(options: argparse.Namespace) -> int:
    offering = build_studio()
    first_day = timezone.localdate() + timedelta(days=2)
    warm_ups = WARM_UP_PER_THREAD * options.threads
    pairs = free_pairs(offering, first_day, 1 + warm_ups + options.bookings)
    random.Random(SEED).shuffle(pairs)
    bodies = [booking_body(offering, pair, number) for number, pair in enumerate(pairs)]
    days = (max(start for _, start in pairs).date() - first_day).days + 1
    print(
        f"Studio: {THERAPISTS} therapists, {THERAPISTS} rooms; offering {OFFERING} "
        f"({offering.duration_minutes} min + {offering.buffer_minutes} min buffer); "
        f"{len(pairs)} distinct, non-overlapping free (therapist, start) pairs over {days} days."
    )
    print(f"Queries per booking (one request in process): {queries_per_booking(bodies[0])}")

    with tempfile.TemporaryFile() as log, gunicorn(options.workers, log) as port:
        warm, _ = book_over_http(port, bodies[1 : 1 + warm_ups], options.threads)
        api, api_seconds = book_over_http(port, bodies[1 + warm_ups :], options.threads)
        log.seek(0)
        server_log = log.read().decode(errors="replace").strip()
    statuses = warm.statuses + api.statuses
    booked = Appointment.objects.count()
    raw, raw_seconds = insert_raw_rows(options.threads, options.raw_rows)

    api_rate = api.statuses["201"] / api_seconds
    raw_rate = raw.statuses["inserted"] / raw_seconds
    print()
    common.print_table(
        ["measure", "done", "seconds", "per second", "median ms", "p95 ms"],
        [
            [
                f"API bookings (gunicorn {options.workers} workers, {options.threads} threads)",
                api.statuses["201"],
                f"{api_seconds:.2f}",
                f"{api_rate:.0f}",
                f"{common.median(api.milliseconds):.1f}",
                f"{common.p95(api.milliseconds):.1f}",
            ],
            [
                f"raw INSERTs (psycopg, {options.threads} threads, autocommit)",
                raw.statuses["inserted"],
                f"{raw_seconds:.2f}",
                f"{raw_rate:.0f}",
                f"{common.median(raw.milliseconds):.2f}",
                f"{common.p95(raw.milliseconds):.2f}",
            ],
        ],
    )
    others = {status: count for status, count in statuses.items() if status != "201"}
    print(
        f"\nAnswers (with {warm_ups} warm-up bookings): "
        + ", ".join(f"{status} x {count}" for status, count in sorted(statuses.items()))
        + f"; appointments in the database: {booked}"
        f" (expected {1 + statuses['201']})."
    )
    if server_log:
        print(f"gunicorn said:\n{server_log}")
    ratio = api_rate / raw_rate
    print()
    common.print_table(
        ["target", "figure", "verdict"],
        [
            [
                "API throughput at least 10 % of the raw insert rate",
                f"{ratio:.1%}",
                common.verdict(ratio >= 0.10),
            ]
        ],
    )
    if others or booked != 1 + statuses["201"]:
        print("\nError: some bookings were not made; the figures above are not valid.")
        return 1
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bookings", type=int, default=600, help="timed API bookings")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=8, help="concurrent clients")
    parser.add_argument("--raw-rows", type=int, default=2000, help="raw INSERTs per thread")
    parser.add_argument(
        "--keep-database", action="store_true", help="leave the database for a closer look"
    )
    options = parser.parse_args()
    print(f"Booking benchmark on {DATABASE.rsplit('@', 1)[-1]}; {common.machine_load()}")
    common.create_database(DATABASE)
    try:
        common.migrate()
        failed = measure(options)
        print(f"\nDone; {common.machine_load()}.")
        return failed
    finally:
        if not options.keep_database:
            common.drop_database(DATABASE)


if __name__ == "__main__":
    sys.exit(main())
