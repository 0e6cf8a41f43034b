"""Print everything the studio holds about a client, as JSON.

    python manage.py client_export --email mira@example.com [--output mira.json]

The client is found by e-mail in any letter case. The export holds
health answers: keep the file as safe as the database.
"""

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from booking import selectors
from booking.services import export_client


class Command(BaseCommand):
    help = "Print everything the studio holds about a client (found by e-mail) as JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--email", required=True, help="The client's e-mail, any letter case.")
        parser.add_argument(
            "--output", type=Path, help="Write the JSON to this file instead of the console."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        client = selectors.clients_with_email(email=options["email"]).first()
        if client is None:
            raise CommandError("No client has this e-mail.")
        text = json.dumps(export_client(client=client), indent=2, ensure_ascii=False)
        if options["output"] is None:
            self.stdout.write(text)
            return
        options["output"].write_text(text + "\n", encoding="utf-8")
        self.stderr.write(f"Wrote the data of client {client.pk} to {options['output']}.")
