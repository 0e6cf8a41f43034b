"""Bookings per second through the HTTP API under gunicorn, against raw inserts.

    .venv/bin/python bench/booking.py [--bookings 600] [--workers 3] [--threads 8]
        [--cpu-bookings 200]

Builds a studio in its own database (8 therapists who give every massage,
Monday to Saturday with a lunch break, and a room for each, so rooms never
run out) and precomputes, from the availability engine, distinct free
(therapist, start) pairs that never overlap: no booking can take another's
time. Then gunicorn serves the studio (DEBUG=0) and the client threads,
each with its own HTTP connection (gunicorn's sync workers close it
after every answer, so each request connects anew), book those pairs
with `POST /api/v1/appointments/`, each for a new client and with an
`Idempotency-Key`. Every answer other than 201 is counted and reported,
and makes the run fail: the figures would not be valid.

Before that, in process (Django's test client: URL, middleware, view,
service; no socket), one booking's round trips to PostgreSQL are counted
with libpq's trace (tests/roundtrips.py: BEGIN, COMMIT and savepoints
count), and `--cpu-bookings` more are booked one after the other to
measure the CPU each takes: this process's CPU time plus that of its
PostgreSQL backend (utime + stime of /proc/<pg_backend_pid()>/stat, so
the server must run on this machine).

The yardstick is the database alone: as many threads with their own psycopg
connections insert non-overlapping rows, one transaction each, into a
scratch table with the same kind of exclusion constraint.
"""

from __future__ import annotations

import argparse
import hashlib
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

# BENCH_BOOKING_DATABASE names another database, for two runs side by side.
DATABASE = common.database_url(os.environ.get("BENCH_BOOKING_DATABASE", "studio_bench_booking"))
common.setup_django(
    DATABASE,
    STUDIO_MIN_NOTICE_MINUTES="120",
    STUDIO_HORIZON_DAYS="90",
    STUDIO_SLOT_STEP_MINUTES="15",
)

# The project's modules can be imported only now that Django is set up.
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

from booking.availability import available_slots  # noqa: E402
from booking.models import Appointment, Resource  # noqa: E402
from catalog.models import Offering, ResourceKind  # noqa: E402
from tests.roundtrips import round_trips  # noqa: E402

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


def idempotency_key(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()[:32]


def book_in_process(client: APIClient, body: bytes) -> None:
    response = client.post(
        "/api/v1/appointments/",
        body,
        content_type="application/json",
        headers={"Idempotency-Key": idempotency_key(body)},
    )
    if response.status_code != 201:
        raise RuntimeError(f"The in-process booking answered {response.status_code}.")


def backend_cpu_seconds(pid: int) -> float | None:
    """The CPU time (user + system) a local PostgreSQL backend has used; None if not readable."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # After the command in parentheses: state is the 3rd field, utime the 14th, stime the 15th.
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def in_process(bodies: list[bytes]) -> tuple[int, int, float, float | None]:
    """Bookings one after the other in process, each a new client with an Idempotency-Key.

    Returns the first one's round trips and statements (more statements
    than round trips where several go in one message: booking.statements),
    then the CPU milliseconds per booking over the others: this
    process's, and its PostgreSQL backend's (None when that is not
    readable).
    """
    client = APIClient()
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        [backend] = cursor.fetchone()
    with round_trips(connection) as seen:
        book_in_process(client, bodies[0])
    rest = bodies[1:]
    backend_before = backend_cpu_seconds(backend)
    process_before = time.process_time()
    for body in rest:
        book_in_process(client, body)
    process_ms = (time.process_time() - process_before) * 1000 / len(rest)
    backend_after = backend_cpu_seconds(backend)
    backend_ms = None
    if backend_before is not None and backend_after is not None:
        backend_ms = (backend_after - backend_before) * 1000 / len(rest)
    return seen.count, len(seen.statements), process_ms, backend_ms


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
    try:
        for body in bodies:
            headers = {
                "Content-Type": "application/json",
                "Idempotency-Key": idempotency_key(body),
            }
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
    in_process_count = 1 + options.cpu_bookings
    pairs = free_pairs(offering, first_day, in_process_count + warm_ups + options.bookings)
    random.Random(SEED).shuffle(pairs)
    bodies = [booking_body(offering, pair, number) for number, pair in enumerate(pairs)]
    days = (max(start for _, start in pairs).date() - first_day).days + 1
    print(
        f"Studio: {THERAPISTS} therapists, {THERAPISTS} rooms; offering {OFFERING} "
        f"({offering.duration_minutes} min + {offering.buffer_minutes} min buffer); "
        f"{len(pairs)} distinct, non-overlapping free (therapist, start) pairs over {days} days."
    )
    trips, queries, process_ms, backend_ms = in_process(bodies[:in_process_count])
    print(
        f"Round trips to PostgreSQL per booking (in process, a new client, Idempotency-Key; "
        f"libpq trace): {trips}, carrying {queries} statements"
    )
    backend = (
        "n/a (PostgreSQL is not on this machine)" if backend_ms is None else f"{backend_ms:.1f}"
    )
    total = "" if backend_ms is None else f" = {process_ms + backend_ms:.1f} ms"
    print(
        f"CPU per booking (in process, {options.cpu_bookings} one after the other): "
        f"{process_ms:.1f} ms this process + {backend} ms its PostgreSQL backend{total}"
    )

    with tempfile.TemporaryFile() as log, gunicorn(options.workers, log) as port:
        http_bodies = bodies[in_process_count:]
        warm, _ = book_over_http(port, http_bodies[:warm_ups], options.threads)
        api, api_seconds = book_over_http(port, http_bodies[warm_ups:], options.threads)
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
        f" (expected {in_process_count + statuses['201']})."
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
    if others or booked != in_process_count + statuses["201"]:
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
        "--cpu-bookings", type=int, default=200, help="in-process bookings timed for CPU"
    )
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
