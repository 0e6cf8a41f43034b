"""What the benchmarks share: a throwaway PostgreSQL database, Django on it, figures.

Each benchmark makes its own database on the server that DATABASE_URL
names (by default the local one, postgres://postgres@127.0.0.1:5432),
sets the environment the studio's settings read, and drops the database
again at the end, whatever happened in between.
"""

from __future__ import annotations

import atexit
import math
import os
import random
import secrets
import shutil
import statistics
import tempfile
import threading
import time
import warnings
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from datetime import time as clock
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

import django
import psycopg
from django.core.management import call_command
from psycopg import sql

if TYPE_CHECKING:
    from booking.visits import Part

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432/postgres"
# High enough that DRF's throttling never answers 429 in a benchmark.
NO_THROTTLE = "1000000/minute"
# WhiteNoise warns that staticfiles/ was never collected; the API serves no static files.
NO_STATIC_WARNING = "ignore:No directory at:UserWarning"


def database_url(name: str) -> str:
    """The URL of the benchmark's database: DATABASE_URL's server with this name."""
    server = urlsplit(os.environ.get("DATABASE_URL") or DEFAULT_SERVER)
    if server.scheme not in {"postgres", "postgresql", "pgsql"}:
        raise SystemExit(
            f"The benchmarks need PostgreSQL; DATABASE_URL has the scheme {server.scheme!r}."
        )
    return urlunsplit(server._replace(path=f"/{name}"))


def settings_environment(url: str, var_dir: str, **extra: str) -> dict[str, str]:
    """The variables the studio's settings read, for a production-like run on `url`.

    Whatever the studio writes besides the database (the embedded Celery
    broker's messages, e-mail and SMS files) goes to `var_dir`, never to a
    broker, cache or mailbox that the environment may name.
    """
    return {
        "DJANGO_SETTINGS_MODULE": "studio.settings",
        "DATABASE_URL": url,
        "STUDIO_VAR_DIR": var_dir,
        "CELERY_BROKER_URL": "filesystem://",
        "REDIS_URL": "",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        # `testserver` is the host name of Django's in-process test client.
        "ALLOWED_HOSTS": "127.0.0.1,testserver",
        "SECURE_SSL_REDIRECT": "0",
        "API_THROTTLE_ANON": NO_THROTTLE,
        "API_THROTTLE_USER": NO_THROTTLE,
        # One client books everything in a benchmark: the studio's limits
        # on one source (booking/services/limits.py) are off.
        "STUDIO_LIMIT_BOOKINGS_PER_HOUR_PER_IP": "0",
        "STUDIO_LIMIT_BOOKINGS_PER_HOUR_PER_EMAIL": "0",
        "STUDIO_LIMIT_BOOKINGS_PER_HOUR_PER_PHONE": "0",
        "STUDIO_LIMIT_ACTIVE_BOOKINGS": "0",
        "STUDIO_LIMIT_ACTIVE_BOOKINGS_PER_IP": "0",
        "STUDIO_LIMIT_CHANGES_PER_BOOKING": "0",
        # Refusals (4xx) would otherwise log a line each.
        "LOG_LEVEL": "ERROR",
        # Read by the processes this one starts, such as gunicorn.
        "PYTHONWARNINGS": NO_STATIC_WARNING,
        **extra,
    }


def setup_django(url: str, **extra: str) -> None:
    """Point this process's settings at `url` and set Django up; no query runs yet."""
    var_dir = tempfile.mkdtemp(prefix="studio-bench-")
    atexit.register(shutil.rmtree, var_dir, ignore_errors=True)
    os.environ.update(settings_environment(url, var_dir, **extra))
    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
    django.setup()


def _maintenance_url(url: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path="/postgres"))


def _name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def create_database(url: str) -> None:
    """Make the database empty: drop what an interrupted run left, then create it."""
    name = sql.Identifier(_name(url))
    with psycopg.connect(_maintenance_url(url), autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(name))


def drop_database(url: str) -> None:
    # Django's own connections must be closed first; FORCE ends any other.
    from django.db import connections  # noqa: PLC0415 - loaded only once Django is set up

    connections.close_all()
    name = sql.Identifier(_name(url))
    with psycopg.connect(_maintenance_url(url), autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))


# The studio's week in the benchmarks: Monday to Saturday, 9 to 19 with
# an hour for lunch.
WORKDAYS = range(6)
HOURS = ((clock(9), clock(13)), (clock(14), clock(19)))


def add_therapists(count: int) -> None:
    """Therapists `therapist-1` … `therapist-<count>`: every massage, HOURS on WORKDAYS."""
    # Loaded only once Django is set up.
    from booking.models import Therapist, WorkingHours  # noqa: PLC0415
    from catalog.models import MassageType  # noqa: PLC0415

    every_massage = list(MassageType.objects.all())
    for number in range(1, count + 1):
        therapist = Therapist.objects.create(name=f"Therapist {number}", slug=f"therapist-{number}")
        therapist.massage_types.set(every_massage)
        WorkingHours.objects.bulk_create(
            WorkingHours(therapist=therapist, weekday=day, start_time=opens, end_time=closes)
            for day in WORKDAYS
            for opens, closes in HOURS
        )


def book_random_visits(
    *,
    choices: Sequence[Sequence[Part]],
    together: bool,
    wanted: int,
    first_day: date,
    days: int,
    rng: random.Random,
) -> int:
    """Book `wanted` visits through `book_visit` at random free starts; returns how many fit.

    Each visit is one of `choices` (its parts side by side when
    `together`, else one after the other) on a random day of the `days`
    from `first_day`, at a random start the visit engine offers.
    """
    # Loaded only once Django is set up.
    from booking.models import Appointment  # noqa: PLC0415
    from booking.services import (  # noqa: PLC0415
        Actor,
        ClientDetails,
        WantedAppointment,
        book_visit,
    )
    from booking.visits import visit_slots  # noqa: PLC0415

    booked = attempts = 0
    while booked < wanted and attempts < 20 * wanted:
        attempts += 1
        parts = rng.choice(choices)
        day = first_day + timedelta(days=rng.randrange(days))
        slots = visit_slots(parts=parts, together=together, start_on=day, end_on=day)
        if not slots:
            continue
        starts = [rng.choice(slots).start_at]
        for part in parts[:-1]:
            after = 0 if together else part.offering.duration_minutes
            starts.append(starts[-1] + timedelta(minutes=after))
        book_visit(
            appointments=[
                WantedAppointment(offering=part.offering, start_at=start)
                for part, start in zip(parts, starts, strict=True)
            ],
            client=ClientDetails(
                name=f"Visitor {booked}",
                email=f"visitor{booked}@example.com",
                phone="+4930123456",
            ),
            source=Appointment.Source.ADMIN,
            actor=Actor(label="bench"),
        )
        booked += 1
    return booked


def migrate() -> None:
    call_command("migrate", interactive=False, verbosity=0)


def machine_load() -> str:
    """The load averages, since other work on the machine skews every figure."""
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} CPUs"


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def p95(values: Sequence[float]) -> float:
    """The 95th percentile by nearest rank: the value 95 % of the samples do not exceed."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def verdict(is_met: bool) -> str:
    return "met" if is_met else "NOT met"


def print_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """Columns padded to their widest cell: the first left-aligned, the figures right."""
    cells = [[str(header) for header in headers], *[[str(cell) for cell in row] for row in rows]]
    widths = [max(len(row[column]) for row in cells) for column in range(len(headers))]

    def line(row: Sequence[str]) -> str:
        first, *figures = zip(row, widths, strict=True)
        return "  ".join(
            [first[0].ljust(first[1]), *(cell.rjust(width) for cell, width in figures)]
        ).rstrip()

    print(line(cells[0]))
    print("  ".join("-" * width for width in widths))
    for row in cells[1:]:
        print(line(row))


def run_threads(jobs: list[Callable[[], None]]) -> float:
    """Start every job in its own thread at once; the seconds until the last ends."""
    start_line = threading.Barrier(len(jobs) + 1)

    def on_start(job: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            start_line.wait()
            job()

        return run

    threads = [threading.Thread(target=on_start(job)) for job in jobs]
    for thread in threads:
        thread.start()
    start_line.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started
