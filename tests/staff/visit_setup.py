"""What the visit page's tests share: the logins, the studio, a booked visit, the clock.

Imported by each test_visit_*.py (tests/staff/conftest.py is the
workspace's, shared with the other parts).
"""

from collections.abc import Iterator
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.test import Client as WebClient

from booking.models import Appointment, Therapist
from booking.services import Actor, ClientDetails, book_appointment
from catalog.models import Offering
from tests.factories import TherapistFactory, give_hours, rooms

BERLIN = ZoneInfo("Europe/Berlin")
# Monday 1 March 2027, 08:00 in the studio.
NOW = datetime(2027, 3, 1, 7, 0, tzinfo=UTC)
TUESDAY = date(2027, 3, 2)


def at(day: date, clock: str) -> datetime:
    hour, minute = map(int, clock.split(":"))
    return datetime.combine(day, time(hour, minute), tzinfo=BERLIN).astimezone(UTC)


@pytest.fixture(autouse=True)
def studio_rules(settings) -> None:
    settings.STUDIO_TIME_ZONE = "Europe/Berlin"
    settings.STUDIO_MIN_NOTICE_MINUTES = 120
    settings.STUDIO_HORIZON_DAYS = 60
    settings.STUDIO_SLOT_STEP_MINUTES = 15
    settings.STUDIO_GUEST_CANCEL_HOURS = 24


@pytest.fixture
def frozen() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def anna(db) -> Therapist:
    therapist = TherapistFactory.create(name="Anna Weber", slug="anna")
    give_hours(therapist, (time(9), time(18)), weekdays=range(6))
    return therapist


@pytest.fixture
def ben(db) -> Therapist:
    therapist = TherapistFactory.create(name="Ben Hoffmann", slug="ben", skills=["classical"])
    give_hours(therapist, (time(9), time(18)), weekdays=range(6))
    return therapist


@pytest.fixture
def two_rooms(db) -> None:
    rooms(2)


def book(therapist: Therapist, clock: str = "10:00", **details: object) -> Appointment:
    """A classical foot massage on Tuesday, booked at the desk, with health answers."""
    return book_appointment(
        offering=Offering.objects.get(slug="classical-foot-30"),
        start_at=at(TUESDAY, clock),
        therapist=therapist,
        client=ClientDetails(
            name=str(details.get("name", "Mira Example")),
            email=str(details.get("email", "mira@example.com")),
            phone="+49 30 1234567",
        ),
        health={"recent_injury": True},
        notes="Left knee sore",
        has_consent=True,
        source="desk",
        actor=Actor(label="desk", is_staff=True),
        now=NOW,
    )


@pytest.fixture
def booked(anna, ben, two_rooms) -> Appointment:
    """Mira with Anna on Tuesday at 10:00."""
    return book(anna)


def logged_in(user) -> WebClient:
    web = WebClient()
    web.force_login(user)
    return web


@pytest.fixture
def reception(django_user_model, frozen) -> WebClient:
    user = django_user_model.objects.create_user("desk", password="desk-pass-1", is_staff=True)
    user.groups.add(Group.objects.get(name="reception"))
    return logged_in(user)


def therapist_login(django_user_model, therapist: Therapist) -> WebClient:
    """The therapist's own login (group "therapist"), logged in."""
    user = django_user_model.objects.create_user(therapist.slug, password="pass-1-word")
    user.groups.add(Group.objects.get(name="therapist"))
    therapist.user = user
    therapist.save(update_fields=["user"])
    return logged_in(user)


@pytest.fixture
def anna_web(django_user_model, anna, frozen) -> WebClient:
    return therapist_login(django_user_model, anna)


@pytest.fixture
def ben_web(django_user_model, ben, frozen) -> WebClient:
    return therapist_login(django_user_model, ben)
