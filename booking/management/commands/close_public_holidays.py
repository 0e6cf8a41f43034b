"""Close the studio on the public holidays to come (STUDIO_HOLIDAYS)."""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import formats, timezone

from booking.services.holidays import close_on_public_holidays


class Command(BaseCommand):
    help = (
        "Close the whole studio on each public holiday from today to the booking horizon "
        "(or --days), as whole-studio time off. Safe to run again; lists what is already "
        "booked on a holiday, which stays booked."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--region",
            default=settings.STUDIO_HOLIDAYS,
            help="A country or country-subdivision code: DE, DE-BE (default STUDIO_HOLIDAYS).",
        )
        parser.add_argument(
            "--days",
            type=int,
            default=settings.STUDIO_HORIZON_DAYS,
            help="How many days ahead (default the booking horizon, STUDIO_HORIZON_DAYS).",
        )

    def handle(self, *args: Any, region: str, days: int, **options: Any) -> None:
        if not region:
            raise CommandError("Name the region: --region DE-BE, or set STUDIO_HOLIDAYS.")
        if days < 1:
            raise CommandError("--days must be at least 1.")
        start = timezone.localdate()
        try:
            closures = close_on_public_holidays(
                region=region, start=start, end=start + timedelta(days=days)
            )
        except ValueError as unknown:
            raise CommandError(str(unknown)) from unknown
        for closure in closures:
            self.stdout.write(f"Closed {formats.date_format(closure.day)}: {closure.name}.")
            for appointment in closure.booked:
                self.stdout.write(
                    self.style.WARNING(
                        f"  Still booked, to move or cancel: {appointment.offering} with "
                        f"{appointment.therapist} at "
                        f"{formats.time_format(timezone.localtime(appointment.start_at))}"
                        f" ({appointment.pk})."
                    )
                )
        self.stdout.write(
            self.style.SUCCESS(f"Public holidays closed in {region.upper()}: {len(closures)}.")
        )
