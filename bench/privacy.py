"""The retention sweep and a client's export and erasure on five years of history.

    .venv/bin/python bench/privacy.py [--years 5] [--per-day 48] [--client-visits 200]

Builds, in its own database, `--years` of appointments for one therapist,
one every 30 minutes around the clock (`--per-day` 48: 87,600 rows over
five years), each holding health answers and a note; `--client-visits`
of them, spread over the years, belong to one client, the rest to
another. Then it times:

- the first retention sweep, which clears every visit older than the
  retention period (the day the studio turns the setting on);
- after a VACUUM, the next day's sweep, which clears one day's visits,
  with the plan and buffers of its query: it should read the partial
  index `booking_appt_health_kept`, not the table;
- the export and the erasure of the one client, which find their
  appointments through the client's id and the lower(contact_email)
  index.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common

DATABASE = common.database_url("studio_bench_privacy")
common.setup_django(DATABASE, STUDIO_HEALTH_RETENTION_DAYS="365")

# The project's modules can be imported only now that Django is set up.
from django.db import connection  # noqa: E402
from django.db.models import Q  # noqa: E402

from booking.models import Appointment, Client, Therapist, Visit  # noqa: E402
from booking.services import Actor, erase_client, export_client  # noqa: E402
from booking.services.privacy import purge_old_health_answers  # noqa: E402
from catalog.models import Offering  # noqa: E402

NOW = datetime(2027, 3, 1, tzinfo=UTC)
SLOT = timedelta(minutes=30)
T = TypeVar("T")


def build(options: argparse.Namespace) -> Client:
    offering = Offering.objects.get(slug="classical-foot-30")
    therapist = Therapist.objects.create(slug="bench", name="Bench")
    mira = Client.objects.create(name="Mira", email="mira@example.com", phone="+4930123")
    otto = Client.objects.create(name="Otto", email="otto@example.com", phone="+4930456")
    count = options.years * 365 * options.per_day
    step = timedelta(days=1) / options.per_day
    every = max(count // options.client_visits, 1)
    rows = []
    visits: list[Visit] = []
    for n in range(count):
        start = NOW - step * (count - n)
        client = mira if n % every == 0 else otto
        visit = Visit(
            client=client,
            contact_name=client.name,
            contact_email=client.email,
            contact_phone=client.phone,
            start_at=start,
            end_at=start + SLOT,
            status=Visit.Status.COMPLETED,
            source=Appointment.Source.WEB,
            notes="Knee",
        )
        visits.append(visit)
        rows.append(
            Appointment(
                visit=visit,
                client=client,
                contact_name=client.name,
                contact_email=client.email,
                contact_phone=client.phone,
                offering=offering,
                therapist=therapist,
                start_at=start,
                end_at=start + SLOT,
                blocked_until=start + SLOT,
                status=Appointment.Status.COMPLETED,
                source=Appointment.Source.WEB,
                price=offering.price,
                currency=offering.currency,
                health={"vein_problems": False, "pregnancy": False},
                notes="Knee",
            )
        )
    Visit.objects.bulk_create(visits, batch_size=5000)
    Appointment.objects.bulk_create(rows, batch_size=5000)
    print(f"{count} appointments over {options.years} years, {options.client_visits} of Mira's.")
    return mira


def timed(work: Callable[[], T]) -> tuple[T, float]:
    """What `work` returns, and how many milliseconds it took."""
    started = time.perf_counter()
    result = work()
    return result, (time.perf_counter() - started) * 1000


def measure(options: argparse.Namespace) -> int:
    mira = build(options)
    first, first_ms = timed(lambda: purge_old_health_answers(now=NOW))
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE booking_appointment")
    tomorrow = NOW + timedelta(days=1)
    daily, daily_ms = timed(lambda: purge_old_health_answers(now=tomorrow))
    cutoff = tomorrow + timedelta(days=1) - timedelta(days=365)
    plan = (
        Appointment.objects.filter(
            ~Q(health={}) | ~Q(notes=""), start_at__lt=cutoff, end_at__lt=cutoff
        )
        .order_by("start_at")
        .values_list("pk", flat=True)[:500]
        .explain(analyze=True, buffers=True)
    )
    exported, export_ms = timed(lambda: export_client(client=mira))
    erased, erase_ms = timed(lambda: erase_client(client=mira, by=Actor(label="bench"), now=NOW))
    uses_index = "booking_appt_health_kept" in plan
    common.print_table(
        ["what", "rows", "ms"],
        [
            ["first sweep (all past the period)", first, f"{first_ms:.0f}"],
            ["next day's sweep", daily, f"{daily_ms:.1f}"],
            ["export of one client", len(exported["appointments"]), f"{export_ms:.0f}"],
            ["erasure of one client", erased.appointments, f"{erase_ms:.0f}"],
        ],
    )
    print(f"\nThe daily sweep's query:\n{plan}\n")
    common.print_table(
        ["target", "verdict"],
        [
            ["the daily sweep reads the partial index", common.verdict(uses_index)],
            ["the daily sweep takes under 50 ms", common.verdict(daily_ms < 50)],
        ],
    )
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--years", type=int, default=5, help="years of history")
    parser.add_argument("--per-day", type=int, default=48, help="appointments a day")
    parser.add_argument("--client-visits", type=int, default=200, help="the one client's")
    parser.add_argument(
        "--keep-database", action="store_true", help="leave the database for a closer look"
    )
    options = parser.parse_args()
    print(f"Privacy benchmark on {DATABASE.rsplit('@', 1)[-1]}; {common.machine_load()}")
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
