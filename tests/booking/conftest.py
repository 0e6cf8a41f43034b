from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Permission

from booking.models import Resource, Therapist
from booking.services import Actor, ClientDetails
from catalog.models import Offering, ResourceKind
from tests.factories import ResourceFactory, TherapistFactory, give_hours, rooms

BERLIN = ZoneInfo("Europe/Berlin")
# A Monday morning in winter; every test passes it as `now`.
NOW = datetime(2027, 3, 1, 7, 0, tzinfo=UTC)
MONDAY = date(2027, 3, 1)
TUESDAY = date(2027, 3, 2)


def at(day: date, clock: str) -> datetime:
    """A studio-local wall-clock time on `day`, as an aware UTC datetime."""
    hour, minute = map(int, clock.split(":"))
    return datetime.combine(day, time(hour, minute), tzinfo=BERLIN).astimezone(UTC)


@pytest.fixture(autouse=True)
def studio_rules(settings):
    settings.STUDIO_TIME_ZONE = "Europe/Berlin"
    settings.STUDIO_MIN_NOTICE_MINUTES = 120
    settings.STUDIO_HORIZON_DAYS = 60
    settings.STUDIO_SLOT_STEP_MINUTES = 15
    settings.STUDIO_GUEST_CANCEL_HOURS = 24
    settings.STUDIO_AVAILABILITY_MAX_DAYS = 31


@pytest.fixture
def classical(db) -> Offering:
    """30 minutes on the foot, 10 minutes' buffer, needs a room."""
    return Offering.objects.select_related("massage_type").get(slug="classical-foot-30")


@pytest.fixture
def vacuum(db) -> Offering:
    """45 minutes on the hip, 15 minutes' buffer, needs a room and the vacuum device."""
    return Offering.objects.select_related("massage_type").get(slug="vacuum-hip-45")


@pytest.fixture
def back(db) -> Offering:
    """Classical whole leg: 60 minutes, 15 minutes' buffer, a room."""
    return Offering.objects.select_related("massage_type").get(slug="classical-whole-leg-60")


@pytest.fixture
def for_two(classical) -> Offering:
    """The classical foot massage, sold for two side by side."""
    classical.max_people = 2
    classical.save(update_fields=["max_people"])
    return classical


@pytest.fixture
def classical_for_two(db) -> Offering:
    """The catalog's massage for two: classical, whole leg, 60 minutes, 15 minutes' buffer."""
    return Offering.objects.select_related("massage_type").get(slug="classical-for-two-60")


@pytest.fixture
def two_rooms(db) -> list[Resource]:
    return rooms(2)


@pytest.fixture
def room_for_two(db) -> Resource:
    return ResourceFactory.create(
        name="Room for two", kind=ResourceKind.objects.get(slug="room"), capacity=2
    )


@pytest.fixture
def anna(db) -> Therapist:
    """Gives every massage; Monday to Saturday 9-13 and 14-18, lunch in between."""
    therapist = TherapistFactory.create(name="Anna", slug="anna")
    give_hours(therapist, (time(9), time(13)), (time(14), time(18)), weekdays=range(6))
    return therapist


@pytest.fixture
def ben(db) -> Therapist:
    """Gives classical and vacuum massage; Monday to Saturday 9-18 without a break."""
    therapist = TherapistFactory.create(name="Ben", slug="ben", skills=["classical", "vacuum"])
    give_hours(therapist, (time(9), time(18)), weekdays=range(6))
    return therapist


@pytest.fixture
def dora(db) -> Therapist:
    """Gives only classical massage; Monday to Saturday 9-18."""
    therapist = TherapistFactory.create(name="Dora", slug="dora", skills=["classical"])
    give_hours(therapist, (time(9), time(18)), weekdays=range(6))
    return therapist


@pytest.fixture
def guest_details() -> ClientDetails:
    return ClientDetails(name="Mira Example", email="mira@example.com", phone="+49 30 1234567")


@pytest.fixture
def staff(django_user_model) -> Actor:
    user = django_user_model.objects.create_user("desk", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="change_appointment"))
    # A fresh instance: the permission cache of the old one is empty.
    return Actor.for_user(django_user_model.objects.get(pk=user.pk))
