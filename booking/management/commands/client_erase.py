"""Erase a client's personal data, keeping what the studio's books need.

    python manage.py client_erase --email mira@example.com [--yes]

The client is found by e-mail in any letter case; see
`booking.services.privacy.erase_client` for what is erased and what
stays. Asks to confirm unless `--yes` (or `--noinput`) is given.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from booking import selectors
from booking.errors import BookingError
from booking.services import Actor, erase_client


class Command(BaseCommand):
    help = "Erase the personal data of a client (found by e-mail) and of their appointments."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--email", required=True, help="The client's e-mail, any letter case.")
        parser.add_argument(
            "--yes",
            "--noinput",
            "--no-input",
            action="store_true",
            dest="yes",
            help="Do not ask to confirm.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        client = selectors.clients_with_email(email=options["email"]).first()
        if client is None:
            raise CommandError("No client has this e-mail.")
        if not options["yes"]:
            answer = input(
                f"Erase the personal data of {client.name} <{client.email}> "
                "and of their appointments? This cannot be undone. [y/N] "
            )
            if answer.strip().lower() not in {"y", "yes"}:
                raise CommandError("Nothing erased.")
        try:
            erased = erase_client(client=client, by=Actor(label="manage.py client_erase"))
        except BookingError as refused:
            raise CommandError(refused.message) from refused
        self.stdout.write(
            self.style.SUCCESS(
                f"Erased client {erased.client_id}: name, e-mail and phone; "
                f"{erased.appointments} appointment(s) anonymised, with their health answers, "
                f"notes and typed reasons; {erased.reminders_cancelled} pending reminder(s) "
                f"cancelled; {erased.idempotency_keys} stored answer(s) deleted."
            )
        )
