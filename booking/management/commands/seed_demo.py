"""Load the demo studio: safe to run again, it never duplicates anything.

The catalog, in English and Russian, comes from the catalog's data
migrations (catalog/migrations/0002, 0004 and 0006). This adds the
people and things that work in it (four therapists, their hours, two
rooms, the one vacuum device and the Thai sticks), a staff login, and a
few bookings over the coming days. Therapists and resources are matched
by slug and name and left as they are when they exist; the bookings are
made once, by demo client, through the booking service.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Permission
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from booking.availability import available_slots
from booking.errors import BookingError
from booking.models import Appointment, Resource, Therapist, WorkingHours
from booking.services import Actor, ClientDetails, book_appointment
from catalog.models import MassageType, Offering, ResourceKind

DEMO_STAFF_USERNAME = "reception"


@dataclass(frozen=True)
class DemoTherapist:
    slug: str
    name: str
    bio: str
    bio_ru: str
    skills: list[str]
    # Each working day's intervals, Monday to Saturday; the gap is lunch.
    hours: list[tuple[time, time]]


THERAPISTS = [
    DemoTherapist(
        slug="anna-weber",
        name="Anna Weber",
        bio="Physiotherapist; rehabilitation after sports injuries.",
        bio_ru="Физиотерапевт; реабилитация после спортивных травм.",
        skills=["therapeutic", "classical", "vacuum", "anti-cellulite"],
        hours=[(time(9), time(13)), (time(14), time(18))],
    ),
    DemoTherapist(
        slug="ben-hoffmann",
        name="Ben Hoffmann",
        bio="Classical and vacuum massage; evening appointments.",
        bio_ru="Классический и вакуумный массаж; принимает по вечерам.",
        skills=["classical", "vacuum"],
        hours=[(time(10), time(13)), (time(14), time(19))],
    ),
    DemoTherapist(
        slug="chai-srisuk",
        name="Chai Srisuk",
        bio="Trained Thai massage master.",
        bio_ru="Мастер тайского массажа с профессиональной подготовкой.",
        skills=["thai", "classical"],
        hours=[(time(9), time(12, 30)), (time(13, 30), time(17))],
    ),
    DemoTherapist(
        slug="dora-klein",
        name="Dora Klein",
        bio="Therapeutic and anti-cellulite courses.",
        bio_ru="Курсы лечебного и антицеллюлитного массажа.",
        skills=["therapeutic", "classical", "anti-cellulite"],
        hours=[(time(8), time(12)), (time(13), time(17))],
    ),
]

# (name, resource kind slug): one vacuum device, so vacuum massages
# queue for it even with two therapists free.
RESOURCES = [
    ("Room 1", "room"),
    ("Room 2", "room"),
    ("Vacuum device", "vacuum-device"),
    ("Thai sticks", "thai-sticks"),
]

WORKING_DAYS = range(WorkingHours.Weekday.MONDAY, WorkingHours.Weekday.SATURDAY + 1)


@dataclass(frozen=True)
class DemoBooking:
    offering: str
    client: ClientDetails
    # Roughly when: days from today and a local time; the first free
    # start from then on is booked, so the demo works whatever today is.
    days_ahead: int
    around: time
    therapist: str | None = None  # a slug; None lets the service take any free one
    notes: str = ""


# Demo clients have @example.com addresses, which no real client has.
BOOKINGS = [
    DemoBooking(
        offering="classical-foot-30",
        client=ClientDetails("Mira Example", "mira@example.com", "+49301234501"),
        days_ahead=1,
        around=time(10),
        therapist="dora-klein",
    ),
    DemoBooking(
        offering="vacuum-hip-45",
        client=ClientDetails("Jonas Example", "jonas@example.com", "+49301234502"),
        days_ahead=1,
        around=time(11),
        therapist="ben-hoffmann",
        notes="First vacuum session; check the skin first.",
    ),
    # Anna is free at 11 too, but the one vacuum device is not: this one
    # goes after Jonas's.
    DemoBooking(
        offering="vacuum-hip-shin-60",
        client=ClientDetails("Lena Example", "lena@example.com", "+49301234503"),
        days_ahead=1,
        around=time(11),
    ),
    DemoBooking(
        offering="thai-foot-45",
        client=ClientDetails("Paul Example", "paul@example.com", "+49301234504"),
        days_ahead=2,
        around=time(15),
    ),
    DemoBooking(
        offering="therapeutic-shin-foot-45",
        client=ClientDetails("Sara Example", "sara@example.com", "+49301234505"),
        days_ahead=3,
        around=time(9),
        therapist="dora-klein",
        notes="Recovering from a sprained ankle.",
    ),
]

# How far past `days_ahead` to look for a free start: past a Sunday and
# a closed holiday or two.
SEARCH_DAYS = 7


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
            staff, password = self._staff_login()
            therapists = self._therapists()
            resources = self._resources()
        self.stdout.write(
            f"Therapists: {therapists} added. Rooms and equipment: {resources} added."
        )
        # Outside the block above: each booking is one durable transaction
        # of the booking service, as it is for every other booking.
        self._bookings(Actor.for_user(staff))
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo studio ready. Staff login for /admin/: "
                f"user {DEMO_STAFF_USERNAME!r}, password {password!r}"
            )
        )

    def _staff_login(self) -> tuple[AbstractBaseUser, str]:
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
        # Reception asks the health questions on the phone and prepares the
        # therapists' day, so it may see the answers, also should it stop
        # being a superuser.
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label="booking", codename="view_health")
        )
        return user, password

    def _therapists(self) -> int:
        """Each demo therapist, with skills and hours only when first made.

        A therapist who exists is left as staff edited them.
        """
        added = 0
        for demo in THERAPISTS:
            therapist, created = Therapist.objects.get_or_create(
                slug=demo.slug,
                defaults={"name": demo.name, "bio_en": demo.bio, "bio_ru": demo.bio_ru},
            )
            if not created:
                continue
            added += 1
            therapist.massage_types.set(MassageType.objects.filter(slug__in=demo.skills))
            WorkingHours.objects.bulk_create(
                WorkingHours(therapist=therapist, weekday=day, start_time=start, end_time=end)
                for day in WORKING_DAYS
                for start, end in demo.hours
            )
        return added

    def _resources(self) -> int:
        added = 0
        for name, kind_slug in RESOURCES:
            _, created = Resource.objects.get_or_create(
                name=name, kind=ResourceKind.objects.get(slug=kind_slug)
            )
            added += created
        return added

    def _bookings(self, actor: Actor) -> None:
        """Book each demo client once, at a start the availability engine offers."""
        zone = ZoneInfo(settings.STUDIO_TIME_ZONE)
        today = timezone.localdate(timezone=zone)
        for demo in BOOKINGS:
            if Appointment.objects.filter(client__email__iexact=demo.client.email).exists():
                continue
            offering = Offering.objects.get(slug=demo.offering)
            therapist = (
                Therapist.objects.filter(slug=demo.therapist).first() if demo.therapist else None
            )
            first_day = today + timedelta(days=demo.days_ahead)
            wanted = datetime.combine(first_day, demo.around, tzinfo=zone)
            slots = available_slots(
                offering=offering,
                start_on=first_day,
                end_on=first_day + timedelta(days=SEARCH_DAYS),
                therapist_id=therapist.id if therapist else None,
            )
            slot = next((slot for slot in slots if slot.start_at >= wanted), None)
            if slot is None:
                self.stdout.write(f"No free time for {offering} in the coming days; skipped.")
                continue
            try:
                appointment = book_appointment(
                    offering=offering,
                    start_at=slot.start_at,
                    client=demo.client,
                    source=Appointment.Source.ADMIN,
                    actor=actor,
                    therapist=therapist,
                    notes=demo.notes,
                    # Asked on the phone by reception, like every demo booking.
                    has_consent=True,
                )
            except BookingError as refused:
                self.stdout.write(f"Could not book {offering}: {refused.message}")
                continue
            self.stdout.write(f"Booked {appointment} for {demo.client.name}.")
