"""Reminders sent twice when the mail provider is slower than the lease.

    .venv/bin/python bench/slow_provider.py [--reminders 150] [--workers 2]
        [--seconds-per-message 1] [--lease 30]

Builds an outbox of due confirmations in its own database, one per
appointment and each to an address of its own, and lets `--workers`
dispatchers (threads of this process, each with its own database
connection) run `dispatch_due_messages` side by side until nothing is
pending or sending. The e-mail backend is a provider that takes
`--seconds-per-message` for each message and notes the address it went
to. With the defaults a batch takes far longer than the lease, so rows
at the end of a batch run out of lease before their worker reaches
them, and the other worker claims them.

It prints how many addresses got their message once, twice or more,
or never. Target: no message sent twice and none left unsent.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from email.utils import parseaddr
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common

DATABASE = common.database_url("studio_bench_slow_provider")
common.setup_django(DATABASE, EMAIL_BACKEND=f"{__name__}.SlowEmailBackend")

# The project's modules can be imported only now that Django is set up.
from django.conf import settings  # noqa: E402
from django.core.mail import EmailMessage  # noqa: E402
from django.core.mail.backends.base import BaseEmailBackend  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from booking.models import Appointment, Client, Therapist, Visit  # noqa: E402
from catalog.models import Offering  # noqa: E402
from notifications.models import Message  # noqa: E402
from notifications.services import dispatch_due_messages  # noqa: E402

OFFERING = "classical-foot-30"
UNFINISHED = [Message.Status.PENDING, Message.Status.SENDING]


class SlowEmailBackend(BaseEmailBackend):
    """A provider that takes its time with each message, and notes where each went."""

    seconds_per_message = 1.0
    addresses: Counter[str] = Counter()
    lock = threading.Lock()

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        for message in email_messages:
            time.sleep(self.seconds_per_message)
            with self.lock:
                self.addresses[parseaddr(message.to[0])[1]] += 1
        return len(email_messages)


def build_outbox(count: int) -> list[str]:
    """One due confirmation per appointment, an hour apart; returns the addresses."""
    offering = Offering.objects.get(slug=OFFERING)
    therapist = Therapist.objects.create(name="Anna", slug="anna")
    zone = ZoneInfo(settings.STUDIO_TIME_ZONE)
    first = datetime.combine(timezone.localdate() + timedelta(days=1), clock(0), tzinfo=zone)
    due_at = timezone.now() - timedelta(minutes=1)
    addresses = []
    for number in range(count):
        address = f"client{number}@example.com"
        client = Client.objects.create(name=f"Client {number}", email=address, phone="+4930123")
        start = first.astimezone(UTC) + timedelta(hours=number)
        end = start + timedelta(minutes=offering.duration_minutes)
        appointment = Appointment.objects.create(
            visit=Visit.objects.create(
                client=client,
                contact_name=client.name,
                contact_email=address,
                start_at=start,
                end_at=end,
                source=Appointment.Source.ADMIN,
            ),
            client=client,
            contact_name=client.name,
            contact_email=address,
            contact_phone=client.phone,
            offering=offering,
            therapist=therapist,
            start_at=start,
            end_at=start + timedelta(minutes=offering.duration_minutes),
            blocked_until=start + timedelta(minutes=offering.duration_minutes + 10),
            source=Appointment.Source.ADMIN,
            price=offering.price,
            currency=offering.currency,
        )
        Message.objects.create(
            appointment=appointment,
            kind=Message.Kind.CONFIRMATION,
            channel=Message.Channel.EMAIL,
            due_at=due_at,
        )
        addresses.append(address)
    return addresses


def dispatcher(deadline: float) -> None:
    """One worker: dispatch what is due until nothing is left to send."""
    try:
        while Message.objects.filter(status__in=UNFINISHED).exists():
            if time.monotonic() > deadline:
                return
            dispatch_due_messages()
            time.sleep(0.05)
    finally:
        connection.close()


def measure(options: argparse.Namespace) -> int:
    settings.STUDIO_REMINDER_LEASE_SECONDS = options.lease
    SlowEmailBackend.seconds_per_message = options.seconds_per_message
    addresses = build_outbox(options.reminders)
    deadline = time.monotonic() + options.timeout
    seconds = common.run_threads([lambda: dispatcher(deadline)] * options.workers)

    sent = SlowEmailBackend.addresses
    once = sum(sent[address] == 1 for address in addresses)
    twice = sum(sent[address] == 2 for address in addresses)
    more = sum(sent[address] > 2 for address in addresses)
    never = sum(sent[address] == 0 for address in addresses)
    common.print_table(
        [
            "reminders",
            "workers",
            "s/message",
            "lease s",
            "wall s",
            "once",
            "twice",
            "more",
            "never",
        ],
        [
            [
                options.reminders,
                options.workers,
                options.seconds_per_message,
                options.lease,
                f"{seconds:.1f}",
                once,
                twice,
                more,
                never,
            ]
        ],
    )
    print(f"\nsent twice: {twice + more}")
    print(f"Target: no message twice, none unsent: {common.verdict(twice + more + never == 0)}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reminders", type=int, default=150, help="due reminders to send")
    parser.add_argument("--workers", type=int, default=2, help="dispatcher threads")
    parser.add_argument(
        "--seconds-per-message", type=float, default=1.0, help="the provider's time per message"
    )
    parser.add_argument(
        "--lease", type=int, default=30, help="STUDIO_REMINDER_LEASE_SECONDS for the run"
    )
    parser.add_argument(
        "--timeout", type=float, default=600, help="seconds to wait for the outbox to empty"
    )
    parser.add_argument(
        "--keep-database", action="store_true", help="leave the database for a closer look"
    )
    options = parser.parse_args()
    if min(options.reminders, options.workers, options.lease) < 1:
        parser.error("--reminders, --workers and --lease must be at least 1")
    print(f"Slow provider benchmark on {DATABASE.rsplit('@', 1)[-1]}; {common.machine_load()}")
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
