from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import Permission

from booking.models import Course, Resource, Therapist, Visit
from booking.services import Actor, ClientDetails, WantedAppointment, book_course, book_visit
from catalog.models import Offering, ResourceKind
from tests.factories import ResourceFactory, TherapistFactory, give_hours, rooms

BERLIN = ZoneInfo("Europe/Berlin")
# A Monday morning in winter; every test passes it as `now`.
NOW = datetime(2027, 3, 1, 7, 0, tzinfo=UTC)
MONDAY = date(2027, 3, 1)
TUESDAY = date(2027, 3, 2)
# The Tuesdays of a four-week course from 16 March: the clocks go forward
# on 28 March, between the second and the third session.
COURSE_DAYS = [date(2027, 3, 16), date(2027, 3, 23), date(2027, 3, 30), date(2027, 4, 6)]


def at(day: date, clock: str) -> datetime:
    """A studio-local wall-clock time on `day`, as an aware UTC datetime."""
    hour, minute = map(int, clock.split(":"))
    return datetime.combine(day, time(hour, minute), tzinfo=BERLIN).astimezone(UTC)


@pytest.fixture
def frozen_on_monday():
    """Monday 1 March 2027, 08:00 in the studio; tests move on with `.move_to`."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


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


@pytest.fixture
def anti_cellulite(db) -> Offering:
    """Anti-cellulite: hip, 45 minutes, €52; not given in pregnancy; Anna gives it, Ben not."""
    return Offering.objects.select_related("massage_type").get(slug="anti-cellulite-hip-45")


@pytest.fixture
def course_offering(anti_cellulite) -> Offering:
    """Anti-cellulite: hip, sold also as four sessions a week apart."""
    anti_cellulite.course_sessions = 4
    anti_cellulite.course_interval_days = 7
    anti_cellulite.save(update_fields=["course_sessions", "course_interval_days"])
    return anti_cellulite


@pytest.fixture
def couples_visit(for_two, anna, ben, room_for_two, guest_details) -> Visit:
    """Classical: foot for Mira (with Anna) and Alex (with Ben), side by side on Tuesday at 10."""
    classical = for_two
    return book_visit(
        appointments=[
            WantedAppointment(
                offering=classical,
                start_at=at(TUESDAY, "10:00"),
                therapist=anna,
                health={"vein_problems": True},
            ),
            WantedAppointment(
                offering=classical,
                start_at=at(TUESDAY, "10:00"),
                therapist=ben,
                guest_name="Alex Example",
                health={"vein_problems": False},
            ),
        ],
        client=guest_details,
        source="web",
        actor=Actor.guest(),
        has_consent=True,
        now=NOW,
    )


@pytest.fixture
def booked_course(course_offering, anna, two_rooms, guest_details) -> Course:
    """Mira's four weekly sessions on Tuesdays at 10:00 from 16 March, with Anna."""
    return book_course(
        offering=course_offering,
        starts=[at(day, "10:00") for day in COURSE_DAYS],
        client=guest_details,
        source="web",
        actor=Actor.guest(),
        now=NOW,
    )
