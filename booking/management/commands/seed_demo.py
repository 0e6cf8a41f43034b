"""Load the demo studio: safe to run again, it never duplicates anything."""

import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

DEMO_STAFF_USERNAME = "reception"


class Command(BaseCommand):
    help = "Load an idempotent demo studio and print a staff login for the admin."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even with DEBUG off (the demo staff login is printed in clear).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError("seed_demo is for development: set DEBUG=1, or pass --force.")
        with transaction.atomic():
            password = self._staff_login()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo studio ready. Staff login for /admin/: "
                f"user {DEMO_STAFF_USERNAME!r}, password {password!r}"
            )
        )

    def _staff_login(self) -> str:
        """The demo's reception login, with a fresh password on every run.

        A new random password each time means no password lives in the
        repository, and the one printed last is always the one that works.
        """
        password = secrets.token_urlsafe(12)
        user, _ = get_user_model().objects.get_or_create(
            username=DEMO_STAFF_USERNAME,
            defaults={"email": "reception@localhost", "first_name": "Reception"},
        )
        user.is_staff = True
        user.is_superuser = True
        user.set_password(password)
        user.save()
        return password
