"""Outbox messages per second through Celery workers on Redis, against raw SQL claims.

    .venv/bin/python bench/outbox.py [--reminders 10000] [--workers 2] [--tasks N]

Builds a studio in its own database (4 therapists, a room each, and a
confirmed appointment per two reminders, at valid, non-overlapping times)
and the outbox of due reminders: two per appointment, the confirmation by
e-mail and the day-before e-mail or (one appointment in five) the
hours-before SMS, all pending and due now. E-mails are rendered for real (text, HTML and the
.ics) and handed to Django's locmem backend; SMS go to the FileBackend in
a temporary folder.

Two Celery worker processes (`--workers`; `--pool solo`, concurrency 1)
consume Redis database 13 (or BENCH_BROKER_URL's), which is flushed
before and after. The bench enqueues
`notifications.tasks.dispatch_messages` a few times through the broker, so
both workers claim batches side by side (SKIP LOCKED), and polls the
database until no reminder is pending or sending. Every reminder must
end sent with exactly one attempt (a row claimed twice could have gone
out twice), or the run fails: the figures would not be valid.

Then, with the workers stopped, `dispatch_due_messages` works off a
smaller fresh outbox in this one process (no broker, no second worker):
the cost of a reminder itself. `--profile` runs that under cProfile and
prints where the time goes.

The yardstick is the database alone: as many threads with their own
psycopg connections claim a fresh outbox of as many rows, 100 at a
time, with the same kind of SKIP LOCKED claim, and mark each batch sent
with one UPDATE.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import math
import os
import pstats
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg
import redis

from bench import common

DATABASE = common.database_url("studio_bench_outbox")
# A Redis database of the bench's own, flushed before and after the run:
# never the broker, cache or results of anything else.
BROKER = os.environ.get("BENCH_BROKER_URL") or "redis://127.0.0.1:6379/13"
common.setup_django(
    DATABASE,
    CELERY_BROKER_URL=BROKER,
    SMS_BACKEND="booking.sms.FileBackend",
    # The templates' optional lines, so every branch of an e-mail renders.
    STUDIO_ADDRESS="Hauptstraße 1, 10115 Berlin",
    STUDIO_PHONE="+49 30 1234567",
)

# The project's modules can be imported only now that Django is set up.
from django.conf import settings  # noqa: E402
from django.core import mail  # noqa: E402
from django.db.models import Count, Q  # noqa: E402
from django.utils import timezone  # noqa: E402

from booking.models import (  # noqa: E402
    Allocation,
    Appointment,
    Client,
    Resource,
    Therapist,
    Visit,
    WorkingHours,
)
from catalog.models import Offering, ResourceKind  # noqa: E402
from notifications.models import Message  # noqa: E402
from notifications.services import dispatch_due_messages  # noqa: E402
from notifications.tasks import dispatch_messages, send_message  # noqa: E402
from studio.celery import app  # noqa: E402

THERAPISTS = 4
CLIENTS = 1000
OFFERING = "classical-foot-30"
WORKDAYS = range(6)
# One appointment an hour, 9 to 17, for each therapist.
HOURS = range(9, 17)
# One appointment in five has the hours-before SMS instead of the day-before e-mail.
SMS_EVERY = 5
# Warm-up reminders per worker, sent one task each before the timed run.
WARM_UP_PER_WORKER = 10
# What one dispatch_messages call handles at most: dispatch_due_messages'
# defaults, 50 batches of 100.
BATCH = 100
PER_CALL = 50 * BATCH
POLL_SECONDS = 0.05

Status = Message.Status
UNFINISHED = [Status.PENDING, Status.SENDING]

# The same claim as claim_due_messages (pending and due, oldest first,
# under SKIP LOCKED), in one statement: the claim commits on its own.
RAW_CLAIM = """
    WITH due AS (
        SELECT id FROM notifications_message
        WHERE status = 'pending' AND due_at <= now()
        ORDER BY due_at, id
        LIMIT %(limit)s
        FOR UPDATE SKIP LOCKED
    )
    UPDATE notifications_message AS reminder
    SET status = 'sending',
        lease_until = now() + make_interval(secs => %(lease)s),
        attempts = reminder.attempts + 1
    FROM due
    WHERE reminder.id = due.id
    RETURNING reminder.id
"""
RAW_SENT = """
    UPDATE notifications_message
    SET status = 'sent', sent_at = now(), lease_until = NULL, last_error = ''
    WHERE id = ANY(%(ids)s) AND status = 'sending'
"""

# Celery's line for a finished task: "Task notifications.tasks.dispatch_messages[<id>] succeeded in 1.2s: 100"
DISPATCH_DONE = re.compile(
    r"Task notifications\.tasks\.dispatch_messages\[[^\]]+\] succeeded in ([0-9.]+)s: (\d+)"
)
WORKER_COMPLAINT = re.compile(r"(WARNING|ERROR|CRITICAL)/|Traceback")


@dataclass(frozen=True)
class Outbox:
    """A run of reminders made together: their ids are first to last."""

    first: int
    last: int
    sms: int

    @property
    def count(self) -> int:
        return self.last - self.first + 1

    def rows(self) -> Q:
        return Q(pk__range=(self.first, self.last))


@dataclass(frozen=True)
class Worker:
    """What one worker's log says: dispatch tasks run, reminders handled, seconds busy."""

    name: str
    tasks: int
    handled: int
    busy_seconds: float
    complaints: list[str]


# The studio and its outbox ----------------------------------------------


def build_studio(appointments: int) -> list[Appointment]:
    """Therapists with a room each, clients, and confirmed appointments one an hour.

    Each therapist's appointments follow one another on the hour in the
    studio's local time, Monday to Saturday, so none overlap (the
    database's exclusion constraints check) and each room is taken by
    its therapist only.
    """
    offering = Offering.objects.select_related("massage_type").get(slug=OFFERING)
    room = ResourceKind.objects.get(slug="room")
    if list(offering.resource_kinds.all()) != [room]:
        raise RuntimeError(f"{OFFERING} must need a room and nothing else.")
    therapists = Therapist.objects.bulk_create(
        Therapist(name=f"Therapist {number}", slug=f"therapist-{number}")
        for number in range(1, THERAPISTS + 1)
    )
    for therapist in therapists:
        therapist.massage_types.add(offering.massage_type)
    WorkingHours.objects.bulk_create(
        WorkingHours(therapist=therapist, weekday=day, start_time=clock(9), end_time=clock(17))
        for therapist in therapists
        for day in WORKDAYS
    )
    rooms = Resource.objects.bulk_create(
        Resource(name=f"Room {number}", kind=room) for number in range(1, THERAPISTS + 1)
    )
    clients = Client.objects.bulk_create(
        Client(name=f"Client {number}", email=f"client{number}@example.com", phone="+4930123456")
        for number in range(CLIENTS)
    )

    zone = ZoneInfo(settings.STUDIO_TIME_ZONE)
    duration = timedelta(minutes=offering.duration_minutes)
    held = duration + timedelta(minutes=offering.buffer_minutes)
    booked: list[Appointment] = []
    allocations: list[Allocation] = []
    visits: list[Visit] = []
    day = timezone.localdate() + timedelta(days=1)
    while len(booked) < appointments:
        if day.weekday() in WORKDAYS:
            for hour in HOURS:
                start = datetime.combine(day, clock(hour), tzinfo=zone).astimezone(UTC)
                for therapist, therapist_room in zip(therapists, rooms, strict=True):
                    client = clients[len(booked) % CLIENTS]
                    visit = Visit(
                        client=client,
                        contact_name=client.name,
                        contact_email=client.email,
                        start_at=start,
                        end_at=start + duration,
                        source=Appointment.Source.ADMIN,
                    )
                    visits.append(visit)
                    appointment = Appointment(
                        visit=visit,
                        client=client,
                        contact_name=client.name,
                        contact_email=client.email,
                        contact_phone=client.phone,
                        offering=offering,
                        therapist=therapist,
                        start_at=start,
                        end_at=start + duration,
                        blocked_until=start + held,
                        source=Appointment.Source.ADMIN,
                        price=offering.price,
                        currency=offering.currency,
                    )
                    booked.append(appointment)
                    allocations.append(
                        Allocation(
                            visit=visit,
                            appointment=appointment,
                            resource=therapist_room,
                            start_at=appointment.start_at,
                            blocked_until=appointment.blocked_until,
                        )
                    )
        day += timedelta(days=1)
    Visit.objects.bulk_create(visits[:appointments], batch_size=1000)
    Appointment.objects.bulk_create(booked[:appointments], batch_size=1000)
    Allocation.objects.bulk_create(allocations[:appointments], batch_size=1000)
    return booked[:appointments]


def add_outbox(appointments: list[Appointment], count: int) -> Outbox:
    """`count` reminders due a minute ago: per appointment a confirmation and one more.

    The second is the day-before e-mail, or for one appointment in
    SMS_EVERY the hours-before SMS.
    """
    due_at = timezone.now() - timedelta(minutes=1)
    reminders = []
    for number in range(count):
        index = number // 2
        appointment = appointments[index % len(appointments)]
        if number % 2 == 0:
            kind, channel = Message.Kind.CONFIRMATION, Message.Channel.EMAIL
        elif index % SMS_EVERY == 0:
            kind, channel = Message.Kind.HOURS_BEFORE, Message.Channel.SMS
        else:
            kind, channel = Message.Kind.DAY_BEFORE, Message.Channel.EMAIL
        reminders.append(
            Message(appointment=appointment, kind=kind, channel=channel, due_at=due_at)
        )
    created = Message.objects.bulk_create(reminders, batch_size=2000)
    ids = [reminder.pk for reminder in created]
    if ids != list(range(ids[0], ids[0] + count)):
        raise RuntimeError("The reminders' ids are not consecutive.")
    return Outbox(
        first=ids[0],
        last=ids[-1],
        sms=sum(reminder.channel == Message.Channel.SMS for reminder in reminders),
    )


def unfinished(outbox: Outbox) -> int:
    return Message.objects.filter(outbox.rows(), status__in=UNFINISHED).count()


def wait_until_sent(outbox: Outbox, deadline: float) -> bool:
    """Poll the database until no reminder of the outbox is pending or sending."""
    while Message.objects.filter(outbox.rows(), status__in=UNFINISHED).exists():
        if time.perf_counter() > deadline:
            return False
        time.sleep(POLL_SECONDS)
    return True


def outcome(outbox: Outbox) -> dict[str, int]:
    """How the outbox ended: by status, and how many rows were claimed more than once."""
    rows = Message.objects.filter(outbox.rows())
    counts: dict[str, int] = dict(
        rows.values_list("status").annotate(rows=Count("id")).values_list("status", "rows")
    )
    return {
        **{status: counts.get(status, 0) for status in Status.values},
        "once": rows.filter(attempts=1).count(),
        "more than once": rows.filter(attempts__gt=1).count(),
        "never": rows.filter(attempts=0).count(),
    }


def is_exactly_once(counts: dict[str, int], outbox: Outbox) -> bool:
    return counts[Status.SENT] == counts["once"] == outbox.count


# Celery workers ----------------------------------------------------------


def flush_broker() -> None:
    redis.Redis.from_url(BROKER).flushdb()


@contextmanager
def celery_workers(count: int, log_dir: Path) -> Iterator[list[Path]]:
    """Start `count` worker processes on the bench's broker and database; yield their logs.

    Each is stopped by its PID at the end (SIGTERM: a warm shutdown that
    lets a running task finish), killed if it does not stop in time.
    """
    logs = [log_dir / f"worker-{number}.log" for number in range(1, count + 1)]
    with ExitStack() as stack:
        processes: list[subprocess.Popen[bytes]] = []
        try:
            for number, log_path in enumerate(logs, start=1):
                log = stack.enter_context(log_path.open("wb"))
                # The environment already holds the bench database, broker and settings.
                processes.append(
                    subprocess.Popen(
                        [
                            sys.executable,
                            "-m",
                            "celery",
                            "--app",
                            "studio",
                            "worker",
                            "--pool",
                            "solo",
                            "--concurrency",
                            "1",
                            "--hostname",
                            f"bench-{number}@%h",
                            "--loglevel",
                            "INFO",
                            "--without-gossip",
                            "--without-mingle",
                            "--without-heartbeat",
                        ],
                        cwd=common.ROOT,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                    )
                )
            wait_for_workers(processes, logs)
            yield logs
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


def wait_for_workers(processes: list[subprocess.Popen[bytes]], logs: list[Path]) -> None:
    """Until every worker answers a ping through the broker."""
    deadline = time.monotonic() + 60
    while len(app.control.ping(timeout=0.5) or []) < len(processes):
        died = [
            log for process, log in zip(processes, logs, strict=True) if process.poll() is not None
        ]
        if died or time.monotonic() > deadline:
            said = "\n".join(log.read_text(errors="replace") for log in died or logs)
            raise RuntimeError(f"The Celery workers did not start:\n{said}")


def read_worker_log(log_path: Path) -> Worker:
    text = log_path.read_text(errors="replace")
    finished = [(float(seconds), int(handled)) for seconds, handled in DISPATCH_DONE.findall(text)]
    return Worker(
        name=log_path.stem,
        tasks=len(finished),
        handled=sum(handled for _, handled in finished),
        busy_seconds=sum(seconds for seconds, _ in finished),
        complaints=[line for line in text.splitlines() if WORKER_COMPLAINT.search(line)],
    )


def warm_up(appointments: list[Appointment], workers: int, deadline: float) -> None:
    """A few reminders, one send_message task each, so each worker has rendered both kinds."""
    outbox = add_outbox(appointments, WARM_UP_PER_WORKER * workers)
    for reminder_id in range(outbox.first, outbox.last + 1):
        send_message.delay(message_id=reminder_id)
    if not wait_until_sent(outbox, deadline):
        raise RuntimeError("The warm-up reminders were not sent in time.")


def dispatch(outbox: Outbox, tasks: int, timeout: float) -> tuple[float, bool]:
    """Enqueue the dispatch task `tasks` times; the seconds until the outbox is worked off."""
    started = time.perf_counter()
    for _ in range(tasks):
        dispatch_messages.delay()
    is_done = wait_until_sent(outbox, started + timeout)
    return time.perf_counter() - started, is_done


def dispatch_in_process(outbox: Outbox, profile: cProfile.Profile | None) -> float:
    """Work the outbox off in this process, call after call; the seconds it took."""
    started = time.perf_counter()
    if profile:
        profile.enable()
    while dispatch_due_messages():
        pass
    if profile:
        profile.disable()
    seconds = time.perf_counter() - started
    # locmem keeps every message in this process's memory.
    mail.outbox.clear()
    return seconds


def print_profile(profile: cProfile.Profile, reminders: int) -> None:
    report = io.StringIO()
    stats = pstats.Stats(profile, stream=report)
    stats.sort_stats(pstats.SortKey.CUMULATIVE).print_stats(30)
    print(f"\nWhere the in-process time goes ({reminders} reminders, under cProfile):")
    print(report.getvalue().strip())


# Raw claims --------------------------------------------------------------


def claim_raw(marked: list[int]) -> None:
    """Claim batches and mark them sent, each statement its own transaction, until none is due."""
    lease = settings.STUDIO_REMINDER_LEASE_SECONDS
    with psycopg.connect(DATABASE, autocommit=True) as raw:
        while True:
            claimed = raw.execute(RAW_CLAIM, {"limit": BATCH, "lease": lease}).fetchall()
            if not claimed:
                return
            sent = raw.execute(RAW_SENT, {"ids": [row[0] for row in claimed]})
            marked.append(sent.rowcount)


def claim_raw_rows(threads: int) -> tuple[int, float]:
    """Every due row claimed and marked by `threads` connections; rows marked and seconds."""
    marked: list[list[int]] = [[] for _ in range(threads)]
    seconds = common.run_threads([partial(claim_raw, batches) for batches in marked])
    return sum(sum(batches) for batches in marked), seconds


# The run ------------------------------------------------------------------


def measure(options: argparse.Namespace) -> int:
    started = time.perf_counter()
    appointments = build_studio(math.ceil(options.reminders / 2))
    print(
        f"Built in {time.perf_counter() - started:.1f} s: {THERAPISTS} therapists, "
        f"{THERAPISTS} rooms, {CLIENTS} clients, {len(appointments)} confirmed appointments "
        f"of {OFFERING} from {timezone.localtime(appointments[0].start_at):%Y-%m-%d} "
        f"to {timezone.localtime(appointments[-1].start_at):%Y-%m-%d}."
    )
    tasks = options.tasks or options.workers + math.ceil(options.reminders / PER_CALL)
    sms_dir = Path(settings.SMS_FILE_PATH)

    with tempfile.TemporaryDirectory(prefix="studio-bench-workers-") as log_dir:
        with celery_workers(options.workers, Path(log_dir)) as logs:
            warm_up(appointments, options.workers, time.perf_counter() + 60)
            outbox = add_outbox(appointments, options.reminders)
            print(
                f"Outbox: {outbox.count} reminders due now, {outbox.count - outbox.sms} by e-mail "
                f"(locmem, with the .ics), {outbox.sms} by SMS (files); "
                f"{options.workers} Celery workers (solo pool) on {BROKER}, "
                f"dispatch_messages enqueued {tasks} times."
            )
            dispatch_seconds, is_done = dispatch(outbox, tasks, options.timeout)
            # The SMS of the warm-up and of the timed run: one file each.
            sms_sent = Message.objects.filter(
                channel=Message.Channel.SMS, status=Status.SENT
            ).count()
            sms_files = sum(1 for _ in sms_dir.iterdir()) if sms_dir.exists() else 0
        workers = [read_worker_log(log) for log in logs]
    counts = outcome(outbox)

    profile = cProfile.Profile() if options.profile else None
    # Untimed, so this process has loaded the templates and URLs first.
    dispatch_in_process(add_outbox(appointments, WARM_UP_PER_WORKER), None)
    local_outbox = add_outbox(appointments, options.in_process)
    local_seconds = dispatch_in_process(local_outbox, profile)
    local_counts = outcome(local_outbox)

    raw_outbox = add_outbox(appointments, options.reminders)
    raw_marked, raw_seconds = claim_raw_rows(options.workers)
    raw_counts = outcome(raw_outbox)

    dispatch_rate = counts[Status.SENT] / dispatch_seconds
    local_rate = local_counts[Status.SENT] / local_seconds
    raw_rate = raw_marked / raw_seconds
    print()
    common.print_table(
        ["measure", "rows", "seconds", "per second"],
        [
            [
                f"Celery dispatch ({options.workers} workers, Redis, PostgreSQL)",
                counts[Status.SENT],
                f"{dispatch_seconds:.2f}",
                f"{dispatch_rate:.0f}",
            ],
            [
                "in process (dispatch_due_messages, 1 process, no Celery)"
                + (", under cProfile" if profile else ""),
                local_counts[Status.SENT],
                f"{local_seconds:.2f}",
                f"{local_rate:.0f}",
            ],
            [
                f"raw SQL claim + mark sent (psycopg, {options.workers} connections)",
                raw_marked,
                f"{raw_seconds:.2f}",
                f"{raw_rate:.0f}",
            ],
        ],
    )
    print(
        f"\nDispatched / raw: {dispatch_rate / raw_rate:.1%}; "
        f"{options.workers} workers / 1 process in process: {dispatch_rate / local_rate:.2f}x"
    )
    if not is_done:
        print(
            f"Timed out after {options.timeout:.0f} s with {unfinished(outbox)} reminders unsent."
        )

    print()
    common.print_table(
        ["worker", "dispatch tasks", "reminders", "busy seconds", "per busy second"],
        [
            [
                worker.name,
                worker.tasks,
                worker.handled,
                f"{worker.busy_seconds:.2f}",
                f"{worker.handled / worker.busy_seconds:.0f}" if worker.busy_seconds else "-",
            ]
            for worker in workers
        ],
    )
    complaints = [f"{worker.name}: {line}" for worker in workers for line in worker.complaints]
    if complaints:
        print("\nThe workers said:\n" + "\n".join(complaints))

    print()
    common.print_table(
        ["outbox", *Status.values, "claimed once", "more than once", "never"],
        [
            ["Celery dispatch", *counts.values()],
            ["in process", *local_counts.values()],
            ["raw SQL", *raw_counts.values()],
        ],
    )
    print()
    is_valid = is_exactly_once(counts, outbox) and sms_files == sms_sent
    common.print_table(
        ["check", "figure", "verdict"],
        [
            [
                "every reminder sent, each claimed exactly once",
                f"{counts['once']} of {outbox.count}",
                common.verdict(is_exactly_once(counts, outbox)),
            ],
            [
                "one SMS file per SMS sent (warm-up included)",
                f"{sms_files} files, {sms_sent} sent",
                common.verdict(sms_files == sms_sent),
            ],
            [
                "in process: every reminder sent, each claimed exactly once",
                f"{local_counts['once']} of {local_outbox.count}",
                common.verdict(is_exactly_once(local_counts, local_outbox)),
            ],
            [
                "raw: every row marked sent, each claimed exactly once",
                f"{raw_counts['once']} of {raw_outbox.count}",
                common.verdict(is_exactly_once(raw_counts, raw_outbox)),
            ],
        ],
    )
    if profile:
        print_profile(profile, local_outbox.count)
    is_valid = (
        is_valid
        and is_exactly_once(local_counts, local_outbox)
        and is_exactly_once(raw_counts, raw_outbox)
    )
    if not is_valid:
        print("\nError: not every reminder was sent exactly once; the figures are not valid.")
        return 1
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reminders", type=int, default=10_000, help="due reminders to send")
    parser.add_argument("--workers", type=int, default=2, help="Celery worker processes")
    parser.add_argument(
        "--tasks",
        type=int,
        default=0,
        help=f"dispatch_messages calls to enqueue (default: workers + reminders / {PER_CALL})",
    )
    parser.add_argument(
        "--in-process",
        type=int,
        default=2000,
        help="due reminders to send in this process, without Celery",
    )
    parser.add_argument(
        "--profile", action="store_true", help="profile the in-process run and print the top"
    )
    parser.add_argument(
        "--timeout", type=float, default=150, help="seconds to wait for the outbox to empty"
    )
    parser.add_argument(
        "--keep-database", action="store_true", help="leave the database for a closer look"
    )
    options = parser.parse_args()
    if min(options.reminders, options.workers, options.in_process) < 1:
        parser.error("--reminders, --workers and --in-process must be at least 1")
    print(f"Message benchmark on {DATABASE.rsplit('@', 1)[-1]}; {common.machine_load()}")
    common.create_database(DATABASE)
    flush_broker()
    try:
        common.migrate()
        failed = measure(options)
        print(f"\nDone; {common.machine_load()}.")
        return failed
    finally:
        flush_broker()
        if not options.keep_database:
            common.drop_database(DATABASE)


if __name__ == "__main__":
    sys.exit(main())
