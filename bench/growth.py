"""Growth: CPU per request for a fresh studio and the same studio after five years.

    .venv/bin/python bench/growth.py [--runs 50] [--appointments 100000]

Builds two databases from the same migrations. The fresh one holds the
studio (8 therapists, a room each and a room for two, the vacuum device,
the Thai sticks, the catalog), today's full calendar and a busy coming
month booked through the booking services. The grown one is a copy of
it (`CREATE DATABASE … TEMPLATE`, so every id is the same) with five
years of past history added in bulk (bench/history.py): 100,000 past
appointments in their visits with their allocations, 231,000 reminders,
20,000 clients, the appointments' events. Both are ANALYZEd.

Then one worker process per database (Django on that database, requests
through the in-process test client) runs each case, request by request,
alternating fresh and grown so that other work on the machine hits both
alike. A request's CPU is the worker's own (`time.process_time`) plus
its PostgreSQL backend's (utime + stime from /proc/<pid>/stat, in clock
ticks of 10 ms: summed over every request of a case, then divided).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common

FRESH_NAME, GROWN_NAME = "studio_bench_growth_fresh", "studio_bench_growth_grown"
FRESH, GROWN = common.database_url(FRESH_NAME), common.database_url(GROWN_NAME)
WORKER = "--worker" in sys.argv
SETTINGS = {
    "STUDIO_MIN_NOTICE_MINUTES": "120",
    "STUDIO_HORIZON_DAYS": "90",
    "STUDIO_SLOT_STEP_MINUTES": "15",
    "STUDIO_AVAILABILITY_MAX_DAYS": "31",
}
common.setup_django(sys.argv[sys.argv.index("--worker") + 1] if WORKER else FRESH, **SETTINGS)

# The project's modules can be imported only now that Django is set up.
from django.conf import settings  # noqa: E402
from django.contrib.auth.models import Permission, User  # noqa: E402
from django.core import mail  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.test import Client as TestClient  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402
from django.utils import timezone  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402

from bench import history  # noqa: E402
from booking.availability import available_slots  # noqa: E402
from booking.models import Client  # noqa: E402
from booking.visits import Part  # noqa: E402
from catalog.models import Offering  # noqa: E402
from notifications.models import Message  # noqa: E402
from notifications.services import dispatch_due_messages  # noqa: E402

THERAPISTS = 8
# The coming month: single massages, couples, and foot then whole leg.
MONTH_SINGLES, MONTH_COUPLES, MONTH_IN_TURN = 400, 30, 30
CLIENTS = 20_000
# Clients of today's calendar, in both databases; the grown one gets the rest.
TODAY_CLIENTS = 100
SEED = 20261130
TARGET_RATIO = 1.10
# Reminders made due again before each run of the dispatcher.
DUE_PER_DISPATCH = 5
BOOKED_OFFERING = "classical-foot-30"
THEN = "therapeutic-whole-leg-60"
COUPLES = "classical-for-two-60"
TICK = os.sysconf("SC_CLK_TCK")
# Each case and the requests per run relative to --runs (fast ones run more).
CASES = [
    ("availability, single, 31 days", 1),
    ("availability, couples, 31 days", 1),
    ("availability, foot then leg, 31 days", 1),
    ("booking POST (Idempotency-Key)", 1),
    ("admin day view, today", 2),
    ("admin appointment list", 2),
    ("admin visit list", 2),
    ("API appointment list (token)", 2),
    ("admin reminder list", 2),
    ("dispatcher, 5 due", 2),
]


# Building ------------------------------------------------------------------


def build_studio() -> None:
    """Therapists who give every massage, a room each, the room for two and the equipment."""
    common.add_therapists(THERAPISTS)
    history.add_resources(rooms=THERAPISTS)
    staff = User.objects.create_user("reception", is_staff=True)
    staff.user_permissions.set(
        Permission.objects.filter(content_type__app_label__in=["booking", "catalog"])
    )
    integration = User.objects.create_user("integration")
    integration.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="booking",
            codename__in=["view_appointment", "change_appointment"],
        )
    )
    Token.objects.create(user=integration)


def build_fresh(first_day: date, runs: int) -> list[str]:
    """The fresh studio; returns the free starts the booking case books, in order."""
    build_studio()
    studio = history.Studio.load()
    clients = history.create_clients(0, TODAY_CLIENTS)
    zone = timezone.get_current_timezone()
    history.write_day(studio=studio, clients=clients, day=timezone.localdate(), zone=zone)
    rng = random.Random(SEED)
    offerings = list(
        Offering.objects.filter(
            is_active=True, massage_type__is_active=True, max_people=1, course_sessions__isnull=True
        )
    )
    by_slug = {offering.slug: offering for offering in offerings}
    pair = Offering.objects.get(slug=COUPLES)
    in_turn = [Part(offering=by_slug["classical-foot-30"]), Part(offering=by_slug[THEN])]
    for choices, together, wanted in [
        ([[Part(offering=offering)] for offering in offerings], False, MONTH_SINGLES),
        ([[Part(offering=pair)] * 2], True, MONTH_COUPLES),
        ([in_turn], False, MONTH_IN_TURN),
    ]:
        common.book_random_visits(
            choices=choices, together=together, wanted=wanted, first_day=first_day, days=31, rng=rng
        )
    # The dispatcher case starts with nothing due.
    dispatch_due_messages()
    # Free starts at least 90 minutes apart: no booking takes another's time.
    starts: list[datetime] = []
    for slot in available_slots(
        offering=Offering.objects.get(slug=BOOKED_OFFERING),
        start_on=first_day,
        end_on=first_day + timedelta(days=30),
    ):
        if not starts or slot.start_at - starts[-1] >= timedelta(minutes=90):
            starts.append(slot.start_at)
    needed = runs + 2
    if len(starts) < needed:
        raise RuntimeError(f"Only {len(starts)} free starts for {needed} bookings.")
    return [start.isoformat() for start in rng.sample(starts, needed)]


def grow(appointments: int) -> history.Counts:
    """Five years before today: the grown database's history."""
    studio = history.Studio.load()
    clients = list(Client.objects.all())
    clients += history.create_clients(TODAY_CLIENTS, CLIENTS - TODAY_CLIENTS)
    counts = history.write_history(
        studio=studio,
        clients=clients,
        last_day=timezone.localdate() - timedelta(days=1),
        appointments=appointments,
        zone=timezone.get_current_timezone(),
        seed=SEED,
    )
    counts.clients = len(clients)
    return counts


def analyze(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as pg:
        pg.execute("ANALYZE")


def build(options: argparse.Namespace, first_day: date) -> list[str]:
    started = time.perf_counter()
    common.migrate()
    starts = build_fresh(first_day, options.runs)
    print(f"Fresh studio built in {time.perf_counter() - started:.0f} s.")
    connections.close_all()
    common.drop_database(GROWN)
    with psycopg.connect(common.database_url("postgres"), autocommit=True) as pg:
        pg.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(GROWN_NAME), sql.Identifier(FRESH_NAME)
            )
        )
    # The same process writes the history: its connection now goes to the copy.
    connection.settings_dict["NAME"] = GROWN_NAME
    started = time.perf_counter()
    counts = grow(options.appointments)
    connections.close_all()
    for url in (FRESH, GROWN):
        analyze(url)
    print(
        f"History written in {time.perf_counter() - started:.0f} s (and ANALYZE): "
        f"{counts.appointments} appointments in {counts.visits} visits, "
        f"{counts.allocations} allocations, {counts.reminders} reminders, "
        f"{counts.clients} clients, {counts.events} events."
    )
    return starts


# The worker: one per database -------------------------------------------------


class Worker:
    """Runs the cases on this process's database, one request per `run` call."""

    def __init__(self, first_day: date, starts: list[str]) -> None:
        # The admin's pages name static files: production collects them
        # (a manifest); the bench serves them by name instead.
        storage = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
        override_settings(STORAGES={**settings.STORAGES, "staticfiles": storage}).enable()
        self.staff = TestClient()
        self.staff.force_login(User.objects.get(username="reception"))
        self.anonymous = TestClient()
        token = Token.objects.get(user__username="integration").key
        self.integration = TestClient(headers={"Authorization": f"Token {token}"})
        self.starts = iter(starts)
        self.booked = 0
        by_slug = {offering.slug: offering.id for offering in Offering.objects.all()}
        month = f"start={first_day}&end={first_day + timedelta(days=30)}"
        leg = by_slug["classical-whole-leg-60"]
        self.gets = {
            "availability, single, 31 days": (self.anonymous, f"{AVAIL}?offering={leg}&{month}"),
            "availability, couples, 31 days": (
                self.anonymous,
                f"{AVAIL}?offering={by_slug[COUPLES]}&people=2&{month}",
            ),
            "availability, foot then leg, 31 days": (
                self.anonymous,
                f"{AVAIL}?offering={by_slug['classical-foot-30']}"
                f"&then={by_slug['therapeutic-whole-leg-60']}&{month}",
            ),
            "admin day view, today": (self.staff, "/admin/booking/appointment/day/"),
            "admin appointment list": (self.staff, "/admin/booking/appointment/"),
            "admin visit list": (self.staff, "/admin/booking/visit/"),
            "API appointment list (token)": (self.integration, "/api/v1/appointments/"),
            "admin reminder list": (self.staff, "/admin/notifications/message/"),
        }
        self.booked_offering = by_slug[BOOKED_OFFERING]
        # Day-before reminders of bookings to come: made due again for each dispatch.
        self.due_again = list(
            Message.objects.filter(kind=Message.Kind.DAY_BEFORE, status=Message.Status.PENDING)
            .order_by("appointment__start_at", "id")
            .values_list("id", flat=True)[:DUE_PER_DISPATCH]
        )
        connection.ensure_connection()
        with connection.cursor() as cursor:
            # Parallel workers are processes of their own, whose CPU the
            # backend's /proc entry leaves out: the backend does it all.
            cursor.execute("SET max_parallel_workers_per_gather = 0")
        self.backend = connection.connection.info.backend_pid

    def backend_ticks(self) -> int:
        # /proc/<pid>/stat: utime and stime are the 14th and 15th fields,
        # counted after the command name in parentheses (which may hold spaces).
        fields = Path(f"/proc/{self.backend}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])

    def prepare(self, case: str) -> None:
        """Untimed: what a run of the case needs before it starts."""
        if case.startswith("dispatcher"):
            # The confirmations of the booking case are due too: sent first.
            dispatch_due_messages()
            Message.objects.filter(id__in=self.due_again).update(
                status=Message.Status.PENDING,
                due_at=timezone.now() - timedelta(minutes=1),
                attempts=0,
                sent_at=None,
            )
            mail.outbox = []

    def request(self, case: str) -> None:
        if case.startswith("dispatcher"):
            handled = dispatch_due_messages()
            if handled != len(self.due_again):
                raise RuntimeError(f"The dispatcher claimed {handled} reminders.")
            return
        if case.startswith("booking"):
            self.booked += 1
            response = self.anonymous.post(
                "/api/v1/appointments/",
                {
                    "offering": self.booked_offering,
                    "start": next(self.starts),
                    "client": {
                        "name": f"New client {self.booked}",
                        "email": f"new{self.booked}@example.com",
                        "phone": "+4930123456",
                    },
                },
                content_type="application/json",
                headers={"Idempotency-Key": f"growth-{self.booked}"},
            )
            expected = 201
        else:
            client, url = self.gets[case]
            response = client.get(url)
            expected = 200
        if response.status_code != expected:
            raise RuntimeError(f"{case}: {response.status_code} {response.content[:300]!r}")

    def run(self, case: str, *, count_queries: bool) -> dict[str, Any]:
        self.prepare(case)
        if count_queries:
            with CaptureQueriesContext(connection) as queries:
                self.request(case)
            slowest = sorted(queries.captured_queries, key=lambda q: -float(q["time"]))[:3]
            return {"queries": len(queries), "slowest": slowest}
        ticks, cpu, wall = self.backend_ticks(), time.process_time(), time.perf_counter()
        self.request(case)
        if connection.connection is None or connection.connection.info.backend_pid != self.backend:
            raise RuntimeError(f"{case}: the request left its database connection.")
        return {
            "wall": time.perf_counter() - wall,
            "cpu": time.process_time() - cpu,
            "ticks": self.backend_ticks() - ticks,
        }


AVAIL = "/api/v1/availability/"


def serve(first_day: date, starts: list[str]) -> None:
    """Answer the driver's requests on stdin, one JSON line each, until it closes."""
    worker = Worker(first_day, starts)
    for line in sys.stdin:
        asked = json.loads(line)
        print(json.dumps(worker.run(asked["case"], count_queries=asked["count"])), flush=True)


# The driver -------------------------------------------------------------------


class Remote:
    def __init__(self, url: str, first_day: date, starts: list[str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--worker", url, first_day.isoformat(), json.dumps(starts)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=common.ROOT,
        )

    def ask(self, case: str, *, count: bool = False) -> dict[str, Any]:
        if self.process.stdin is None or self.process.stdout is None:
            raise RuntimeError("The worker has no pipes.")
        self.process.stdin.write(json.dumps({"case": case, "count": count}) + "\n")
        self.process.stdin.flush()
        answer = self.process.stdout.readline()
        if not answer:
            raise RuntimeError(f"The worker stopped (exit code {self.process.wait()}).")
        result: dict[str, Any] = json.loads(answer)
        return result

    def stop(self) -> None:
        if self.process.stdin:
            self.process.stdin.close()
        self.process.wait(timeout=30)


def measure(options: argparse.Namespace, first_day: date, starts: list[str]) -> None:
    workers = {"fresh": Remote(FRESH, first_day, starts), "grown": Remote(GROWN, first_day, starts)}
    rows, slow = [], []
    try:
        for case, scale in CASES:
            queries = {name: w.ask(case, count=True) for name, w in workers.items()}
            runs = options.runs * scale
            samples: dict[str, list[dict[str, float]]] = {"fresh": [], "grown": []}
            for _ in range(runs):
                for name, w in workers.items():
                    samples[name].append(w.ask(case))
            cpu = {name: cpu_ms(samples[name]) for name in workers}
            ratio = cpu["grown"][0] / cpu["fresh"][0]
            walls = {name: [s["wall"] * 1000 for s in samples[name]] for name in workers}
            rows.append(
                [
                    case,
                    runs,
                    *(f"{cpu[name][0]:.1f} ({cpu[name][1]:.1f})" for name in workers),
                    f"{ratio:.2f}",
                    *(f"{common.median(walls[n]):.1f}/{common.p95(walls[n]):.1f}" for n in workers),
                    "/".join(str(queries[name]["queries"]) for name in workers),
                    common.verdict(ratio <= TARGET_RATIO),
                ]
            )
            if ratio > TARGET_RATIO:
                slow.append((case, queries["grown"]["slowest"]))
    finally:
        for w in workers.values():
            w.stop()
    print(
        "\nCPU ms per request: the worker's and its PostgreSQL backend's (the backend's share "
        "in brackets);\nwall ms median/p95; queries of one request fresh/grown; "
        f"target: grown/fresh CPU <= {TARGET_RATIO:.2f}.\n"
    )
    common.print_table(
        ["case", "runs", "fresh CPU", "grown CPU", "ratio", "fresh wall", "grown wall",
         "queries", "target"],
        rows,
    )  # fmt: skip
    for case, queries in slow:
        print(f"\n{case}: the grown database's slowest queries of one request")
        for query in queries:
            print(f"  {float(query['time']) * 1000:.1f} ms  {query['sql'][:400]}")


def cpu_ms(samples: list[dict[str, float]]) -> tuple[float, float]:
    """Mean CPU ms per request, in all and the backend's share."""
    backend = sum(s["ticks"] for s in samples) / TICK
    total = sum(s["cpu"] for s in samples) + backend
    return total / len(samples) * 1000, backend / len(samples) * 1000


def main() -> int:
    if WORKER:
        serve(date.fromisoformat(sys.argv[3]), json.loads(sys.argv[4]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=50, help="requests per case and database")
    parser.add_argument("--appointments", type=int, default=100_000, help="past appointments")
    parser.add_argument(
        "--keep-database", action="store_true", help="leave both databases for a closer look"
    )
    options = parser.parse_args()
    print(f"Growth benchmark on {FRESH.rsplit('@', 1)[-1]} and …_grown; {common.machine_load()}")
    first_day = timezone.localdate() + timedelta(days=2)
    common.create_database(FRESH)
    try:
        starts = build(options, first_day)
        measure(options, first_day, starts)
        print(f"\nDone; {common.machine_load()}.")
        return 0
    finally:
        if not options.keep_database:
            for url in (GROWN, FRESH):
                common.drop_database(url)


if __name__ == "__main__":
    sys.exit(main())
