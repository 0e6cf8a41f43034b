"""Load the demo studio: safe to run again, it never duplicates anything.

The catalog, in English and Russian, comes from the catalog's data
migrations (catalog/migrations/0002, 0004, 0006 and 0009, which adds
the classical massage for two and the courses). This adds the people
and things that work in it (four therapists, their hours, two rooms of
which one is set up for two, the one vacuum device and the Thai
sticks), the closures on Berlin's public holidays, three logins (the owner, reception and one therapist, each
with only their role's rights), a few bookings over the coming days: single
massages, a couples massage, a visit of two massages one after the
other, and a course of weekly sessions; and one massage the therapist
gave a week ago, completed, whose treatment note her login may write. Therapists and resources are
matched by slug and name and left as they are when they exist; the
bookings are made once, by demo client, through the booking services.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from booking.errors import BookingError
from booking.models import Appointment, Course, Resource, Therapist, Visit, WorkingHours
from booking.services import (
    Actor,
    ClientDetails,
    WantedAppointment,
    book_appointment,
    book_course,
    book_visit,
    mark_appointment,
)
from booking.services.holidays import close_on_public_holidays
from booking.visits import Part, place_visit, plan_course, visit_slots
from catalog.models import MassageType, Offering, ResourceKind
from studio.identity import save_profile
from studio.models import StudioProfile

DEMO_OWNER_USERNAME = "owner"
# The demo studio is in Berlin: it closes on the state's public holidays.
DEMO_HOLIDAYS = "DE-BE"
DEMO_STAFF_USERNAME = "reception"
# The therapist whose login the demo makes, and its username.
DEMO_THERAPIST_SLUG = "anna-weber"
DEMO_THERAPIST_USERNAME = "anna"


@dataclass(frozen=True)
class DemoTherapist:
    slug: str
    name: str
    bio: str
    bio_ru: str
    gender: str
    skills: list[str]
    # Each working day's intervals, Monday to Saturday; the gap is lunch.
    hours: list[tuple[time, time]]


THERAPISTS = [
    DemoTherapist(
        slug="anna-weber",
        name="Anna Weber",
        bio="Physiotherapist; rehabilitation after sports injuries.",
        bio_ru="Физиотерапевт; реабилитация после спортивных травм.",
        gender="female",
        skills=["therapeutic", "classical", "vacuum", "anti-cellulite"],
        hours=[(time(9), time(13)), (time(14), time(18))],
    ),
    DemoTherapist(
        slug="ben-hoffmann",
        name="Ben Hoffmann",
        bio="Classical and vacuum massage; evening appointments.",
        bio_ru="Классический и вакуумный массаж; принимает по вечерам.",
        gender="male",
        skills=["classical", "vacuum"],
        hours=[(time(10), time(13)), (time(14), time(19))],
    ),
    DemoTherapist(
        slug="chai-srisuk",
        name="Chai Srisuk",
        bio="Trained Thai massage master.",
        bio_ru="Мастер тайского массажа с профессиональной подготовкой.",
        gender="male",
        skills=["thai", "classical"],
        hours=[(time(9), time(12, 30)), (time(13, 30), time(17))],
    ),
    DemoTherapist(
        slug="dora-klein",
        name="Dora Klein",
        bio="Therapeutic and anti-cellulite courses.",
        bio_ru="Курсы лечебного и антицеллюлитного массажа.",
        gender="female",
        skills=["therapeutic", "classical", "anti-cellulite"],
        hours=[(time(8), time(12)), (time(13), time(17))],
    ),
]

# (name, resource kind slug, capacity): one vacuum device, so vacuum
# massages queue for it even with two therapists free; the room for two
# has two tables, for a couples massage (and takes one person when free).
RESOURCES = [
    ("Room 1", "room", 1),
    ("Room for two", "room", 2),
    ("Vacuum device", "vacuum-device", 1),
    ("Thai sticks", "thai-sticks", 1),
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


@dataclass(frozen=True)
class DemoVisit:
    """A visit of several massages: side by side (`together`) or one after the other."""

    offerings: list[str]
    client: ClientDetails
    days_ahead: int
    around: time
    together: bool
    # Who has each massage when it is not the client (a couples massage).
    guest_names: list[str]


VISITS = [
    DemoVisit(
        offerings=["classical-for-two-60", "classical-for-two-60"],
        client=ClientDetails("Nina Example", "nina@example.com", "+49301234506"),
        days_ahead=2,
        around=time(11),
        together=True,
        guest_names=["", "Olga Example"],
    ),
    # Foot, then hip: the same therapist goes on when one gives both.
    DemoVisit(
        offerings=["classical-foot-30", "anti-cellulite-hip-45"],
        client=ClientDetails("Rita Example", "rita@example.com", "+49301234507"),
        days_ahead=3,
        around=time(14),
        together=False,
        guest_names=["", ""],
    ),
]


@dataclass(frozen=True)
class DemoCourse:
    offering: str
    client: ClientDetails
    days_ahead: int
    around: time
    therapist: str


# Ten weekly anti-cellulite sessions, the offering's course.
COURSES = [
    DemoCourse(
        offering="anti-cellulite-hip-shin-60",
        client=ClientDetails("Tanja Example", "tanja@example.com", "+49301234508"),
        days_ahead=4,
        around=time(16),
        therapist="dora-klein",
    ),
]

# A classical foot massage Anna gave a week ago, marked completed, so her
# login has a treatment note to write (a note is written from the
# massage's start on, and every other demo booking lies ahead).
GIVEN = DemoBooking(
    offering="classical-foot-30",
    client=ClientDetails("Hanna Example", "hanna@example.com", "+49301234509"),
    days_ahead=-7,
    around=time(10),
    therapist=DEMO_THERAPIST_SLUG,
)

# How far past `days_ahead` to look for a free start: past a Sunday and
# a closed holiday or two.
SEARCH_DAYS = 7


# The demo studio's identity, as its owner would type it in the admin.
DEMO_STUDIO = {
    "name_en": "Lindenhof Massage Studio",
    "name_ru": "Массажная студия «Линденхоф»",
    "address_en": "Lindenstraße 12, 10969 Berlin",
    "address_ru": "Линденштрассе 12, 10969 Берлин",
    "hours_note_en": "Mon–Sat 8:00–19:00, lunch around 13:00",
    "hours_note_ru": "Пн–Сб 8:00–19:00, обед около 13:00",
    "phone": "+49 30 1234567",
    "email": "hello@lindenhof.example",
    "map_url": "https://www.openstreetmap.org/search?query=Lindenstra%C3%9Fe%2012%2C%2010969%20Berlin",
}


# (offering, name, Russian name, sessions, price): ten at 52 would be 520, five at 55 would be 275.
DEMO_PACKAGES = [
    (
        "anti-cellulite-hip-45",
        "10 anti-cellulite sessions (hip)",
        "10 антицеллюлитных сеансов (бедро)",
        10,
        "450.00",
    ),
    (
        "therapeutic-shin-foot-45",
        "5 therapeutic sessions (shin and foot)",
        "5 лечебных сеансов (голень и стопа)",
        5,
        "250.00",
    ),
]


class Command(BaseCommand):
    help = "Load an idempotent demo studio and print a staff login for the admin."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even with DEBUG off (the demo staff login is printed in clear).",
        )

    def _studio_profile(self) -> None:
        """The demo studio's name, address and hours, once: an owner's edits stay."""
        if StudioProfile.objects.exists():
            return
        save_profile(StudioProfile(**DEMO_STUDIO))
        self.stdout.write(f"Studio profile: {DEMO_STUDIO['name_en']}, {DEMO_STUDIO['address_en']}.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError("seed_demo is for development: set DEBUG=1, or pass --force.")
        with transaction.atomic():
            therapists = self._therapists()
            resources = self._resources()
            logins = self._logins()
            holidays = self._holidays()
            self._studio_profile()
            self._packages()
        self.stdout.write(
            f"Therapists: {therapists} added. Rooms and equipment: {resources} added. "
            f"Public holidays closed: {holidays}."
        )
        # Outside the block above: each booking is one durable transaction
        # of the booking services, as it is for every other booking.
        actor = Actor.for_user(logins[DEMO_STAFF_USERNAME][0])
        self._bookings(actor)
        self._given(actor)
        self._visits(actor)
        self._courses(actor)
        self.stdout.write(self.style.SUCCESS("Demo studio ready. Logins (new passwords each run):"))
        where = {
            DEMO_OWNER_USERNAME: "the owner: /admin/ to configure, /staff/ and its reports",
            DEMO_STAFF_USERNAME: "reception: /staff/ to run the day, and the admin",
            DEMO_THERAPIST_USERNAME: "a therapist (Anna Weber): her own day at /staff/",
        }
        for username, (_, password) in logins.items():
            self.stdout.write(f"  {where[username]}: user {username!r}, password {password!r}")

    def _packages(self) -> None:
        """Two packages for sale, each session a little under the single price.

        Packages belong to payments, which builds on booking: booking never
        imports it, so the model is looked up by name, and only when the
        app is installed.
        """
        if not apps.is_installed("payments"):
            return
        package_model = apps.get_model("payments", "Package")
        for slug, name_en, name_ru, sessions, price in DEMO_PACKAGES:
            package_model.objects.update_or_create(
                name_en=name_en,
                defaults={
                    "name_ru": name_ru,
                    "offering": Offering.objects.get(slug=slug),
                    "sessions": sessions,
                    "price": Decimal(price),
                    "valid_days": 365,
                    "is_active": True,
                },
            )

    def _logins(self) -> dict[str, tuple[User, str]]:
        """The owner's, reception's and one therapist's login, each with a fresh password.

        A new random password each time means no password lives in the
        repository, and the one printed last is always the one that works.
        Reception and the therapist have only their group's permissions
        (migration booking 0023): neither is a superuser.
        """
        owner = self._login(DEMO_OWNER_USERNAME, first_name="Owner", is_staff=True)
        owner.is_superuser = True
        reception = self._login(DEMO_STAFF_USERNAME, first_name="Reception", is_staff=True)
        reception.is_superuser = False
        reception.groups.add(Group.objects.get(name="reception"))
        anna = Therapist.objects.get(slug=DEMO_THERAPIST_SLUG)
        therapist = self._login(DEMO_THERAPIST_USERNAME, first_name=anna.name, is_staff=False)
        therapist.is_superuser = False
        therapist.groups.add(Group.objects.get(name="therapist"))
        if anna.user_id is None:
            anna.user = therapist
            anna.save(update_fields=["user"])
        logins = {}
        for user in (owner, reception, therapist):
            password = secrets.token_urlsafe(12)
            user.set_password(password)
            user.save()
            logins[user.get_username()] = (user, password)
        return logins

    def _login(self, username: str, *, first_name: str, is_staff: bool) -> User:
        user, _ = get_user_model().objects.get_or_create(
            username=username,
            defaults={"email": f"{username}@localhost", "first_name": first_name},
        )
        user.is_staff = is_staff
        return user

    def _holidays(self) -> int:
        """Close the studio on the public holidays within the horizon (Berlin's by default)."""
        today = timezone.localdate()
        return len(
            close_on_public_holidays(
                region=settings.STUDIO_HOLIDAYS or DEMO_HOLIDAYS,
                start=today,
                end=today + timedelta(days=settings.STUDIO_HORIZON_DAYS),
            )
        )

    def _therapists(self) -> int:
        """Each demo therapist, with skills and hours only when first made.

        A therapist who exists is left as staff edited them.
        """
        added = 0
        for demo in THERAPISTS:
            therapist, created = Therapist.objects.get_or_create(
                slug=demo.slug,
                defaults={
                    "name": demo.name,
                    "bio_en": demo.bio,
                    "bio_ru": demo.bio_ru,
                    "gender": demo.gender,
                },
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
        for name, kind_slug, capacity in RESOURCES:
            _, created = Resource.objects.get_or_create(
                name=name,
                kind=ResourceKind.objects.get(slug=kind_slug),
                defaults={"capacity": capacity},
            )
            added += created
        return added

    def _bookings(self, actor: Actor) -> None:
        """Book each demo client once, at a start the availability engine offers."""
        for demo in BOOKINGS:
            if Appointment.objects.filter(client__email__iexact=demo.client.email).exists():
                continue
            appointment = self._book(demo, actor)
            if appointment is not None:
                self.stdout.write(f"Booked {appointment} for {demo.client.name}.")

    def _given(self, actor: Actor) -> None:
        """Book GIVEN once, as it was booked before its day, and mark it completed.

        Booked through the service with the clock of its day's start, so
        the same rules hold; marking it completed cancels its reminders,
        none of which is sent for a massage already given.
        """
        demo = GIVEN
        if Appointment.objects.filter(client__email__iexact=demo.client.email).exists():
            return
        zone = ZoneInfo(settings.STUDIO_TIME_ZONE)
        day = timezone.localdate(timezone=zone) + timedelta(days=demo.days_ahead)
        now = timezone.now()
        appointment = self._book(
            demo, actor, then=datetime.combine(day, time(0), tzinfo=zone), ends_by=now
        )
        if appointment is None:
            return
        mark_appointment(
            appointment=appointment, status=Appointment.Status.COMPLETED, actor=actor, now=now
        )
        self.stdout.write(f"Booked {appointment} for {demo.client.name}, given and completed.")

    def _book(
        self,
        demo: DemoBooking,
        actor: Actor,
        *,
        then: datetime | None = None,
        ends_by: datetime | None = None,
    ) -> Appointment | None:
        """Book `demo` at the first free start the engine offers, as if it were `then`."""
        offering = Offering.objects.get(slug=demo.offering)
        therapist = (
            Therapist.objects.filter(slug=demo.therapist).first() if demo.therapist else None
        )
        part = Part(offering=offering, therapist_id=therapist.id if therapist else None)
        start_at = _first_free(
            [part],
            together=False,
            days_ahead=demo.days_ahead,
            around=demo.around,
            now=then,
            ends_by=ends_by,
        )
        if start_at is None:
            self.stdout.write(f"No free time for {offering} in the days asked; skipped.")
            return None
        try:
            return book_appointment(
                offering=offering,
                start_at=start_at,
                client=demo.client,
                source=Appointment.Source.ADMIN,
                actor=actor,
                therapist=therapist,
                notes=demo.notes,
                # Asked on the phone by reception, like every demo booking.
                has_consent=True,
                now=then,
            )
        except BookingError as refused:
            self.stdout.write(f"Could not book {offering}: {refused.message}")
            return None

    def _visits(self, actor: Actor) -> None:
        """Book each demo visit once, at the first start the visit engine offers."""
        for demo in VISITS:
            if Visit.objects.filter(client__email__iexact=demo.client.email).exists():
                continue
            offerings = [Offering.objects.get(slug=slug) for slug in demo.offerings]
            parts = [
                Part(offering=offering, guest_name=guest)
                for offering, guest in zip(offerings, demo.guest_names, strict=True)
            ]
            start_at = _first_free(
                parts, together=demo.together, days_ahead=demo.days_ahead, around=demo.around
            )
            if start_at is None:
                self.stdout.write(f"No free time for {demo.client.name}'s visit; skipped.")
                continue
            try:
                # Where each massage starts: at once, or each where the one
                # before ends, as the engine places them.
                plan = place_visit(parts=parts, together=demo.together, start_at=start_at)
                visit = book_visit(
                    appointments=[
                        WantedAppointment(
                            offering=offering, start_at=placed.start_at, guest_name=guest
                        )
                        for offering, placed, guest in zip(
                            offerings, plan.appointments, demo.guest_names, strict=True
                        )
                    ],
                    client=demo.client,
                    source=Appointment.Source.ADMIN,
                    actor=actor,
                    has_consent=True,
                )
            except BookingError as refused:
                self.stdout.write(f"Could not book {demo.client.name}'s visit: {refused.message}")
                continue
            self.stdout.write(f"Booked a visit for {demo.client.name}: {visit}.")

    def _courses(self, actor: Actor) -> None:
        """Book each demo course once, from its first free start, sessions replaced as needed."""
        for demo in COURSES:
            if Course.objects.filter(client__email__iexact=demo.client.email).exists():
                continue
            offering = Offering.objects.get(slug=demo.offering)
            therapist = Therapist.objects.filter(slug=demo.therapist).first()
            if offering.course_sessions is None or therapist is None:
                self.stdout.write(f"{offering} is not sold as a course here; skipped.")
                continue
            part = Part(offering=offering, therapist_id=therapist.id)
            first = _first_free(
                [part], together=False, days_ahead=demo.days_ahead, around=demo.around
            )
            sessions = (
                plan_course(
                    offering=offering,
                    first_start=first,
                    sessions=offering.course_sessions,
                    interval_days=offering.course_interval_days,
                    therapist_id=therapist.id,
                )
                if first is not None
                else []
            )
            # A session that does not fit takes the nearest free time instead.
            starts = [
                session.start_at if session.fits else session.alternatives[0]
                for session in sessions
                if session.fits or session.alternatives
            ]
            if not sessions or len(starts) < len(sessions):
                self.stdout.write(f"No free time for every session of {offering}; skipped.")
                continue
            try:
                course = book_course(
                    offering=offering,
                    starts=starts,
                    client=demo.client,
                    source=Appointment.Source.ADMIN,
                    actor=actor,
                    therapist=therapist,
                    has_consent=True,
                )
            except BookingError as refused:
                self.stdout.write(f"Could not book {offering}: {refused.message}")
                continue
            self.stdout.write(f"Booked {course}.")


def _first_free(
    parts: list[Part],
    *,
    together: bool,
    days_ahead: int,
    around: time,
    now: datetime | None = None,
    ends_by: datetime | None = None,
) -> datetime | None:
    """The first start the visit engine offers from `around` local time, `days_ahead` on.

    So the demo works whatever today is: a Sunday or a full day moves it on.
    `now` is the clock the engine books by (a massage already given was
    booked before its day), and a start is taken only if it ends by
    `ends_by` when that is given.
    """
    zone = ZoneInfo(settings.STUDIO_TIME_ZONE)
    first_day = timezone.localdate(timezone=zone) + timedelta(days=days_ahead)
    wanted = datetime.combine(first_day, around, tzinfo=zone)
    slots = visit_slots(
        parts=parts,
        together=together,
        start_on=first_day,
        end_on=first_day + timedelta(days=SEARCH_DAYS),
        now=now,
    )
    return next(
        (
            slot.start_at
            for slot in slots
            if slot.start_at >= wanted and (ends_by is None or slot.end_at <= ends_by)
        ),
        None,
    )
