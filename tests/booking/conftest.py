import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.utils.translation import trans_real
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from booking.models import Appointment, Client, Course, Resource, Therapist, Visit
from booking.services import (
    Actor,
    ClientDetails,
    WantedAppointment,
    book_appointment,
    book_course,
    book_visit,
)
from catalog.models import Offering
from notifications.models import Message
from tests.factories import (
    ResourceFactory,
    TherapistFactory,
    appointment_in,
    give_hours,
    rooms,
    visit_for,
)

BERLIN = ZoneInfo("Europe/Berlin")
MIRA = {"name": "Mira Example", "email": "mira@example.com", "phone": "+49 30 1234567"}
OLGA = {"name": "Olga Other", "email": "olga@example.com", "phone": "+49 30 7654321"}
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


def assert_error(response, status: int, code: str, *fields: str) -> None:
    """The API refused with `status`, the error `code`, naming at least `fields`."""
    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert error["code"] == code
    for field in fields:
        assert field in error["fields"], error["fields"]


@pytest.fixture
def frozen() -> Iterator[None]:
    """The clock stands at NOW, for the requests that read it."""
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def integration(django_user_model) -> APIClient:
    """An API client with the token of a user in the `integrations` group."""
    user = django_user_model.objects.create_user("crm")
    user.groups.add(Group.objects.get(name="integrations"))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


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


@pytest.fixture(scope="module")
def russian_catalogue() -> Iterator[None]:
    """The compiled catalogue, read anew: a test before may have cached none."""
    call_command("compile_translations", verbosity=0)
    setattr(trans_real, "_translations", {})  # noqa: B010 - private, and untyped
    yield
    setattr(trans_real, "_translations", {})  # noqa: B010 - private, and untyped


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
    """A room with two tables: the one room a couples massage fits in."""
    return ResourceFactory.create(name="Room for two", capacity=2)


@pytest.fixture
def whole_leg(db) -> Offering:
    """Classical: whole leg, 60 minutes, 15 minutes' buffer, needs a room."""
    return Offering.objects.select_related("massage_type").get(slug="classical-whole-leg-60")


@pytest.fixture
def course_of_four(classical) -> Offering:
    """Classical: foot, sold as a course of four sessions a week apart too."""
    classical.course_sessions = 4
    classical.course_interval_days = 7
    classical.save(update_fields=["course_sessions", "course_interval_days"])
    return classical


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
def booked(classical, anna, two_rooms, guest_details) -> Appointment:
    """Mira's classical massage with Anna on Tuesday at 10:00, booked online: a visit of one."""
    return book_appointment(
        offering=classical,
        start_at=at(TUESDAY, "10:00"),
        client=guest_details,
        source="web",
        actor=Actor.guest(),
        now=NOW,
    )


@pytest.fixture
def staff(django_user_model) -> Actor:
    user = django_user_model.objects.create_user("desk", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="change_appointment"))
    # A fresh instance: the permission cache of the old one is empty.
    return Actor.for_user(django_user_model.objects.get(pk=user.pk))


# Visits written straight with the ORM, for the messages about them --------


@pytest.fixture
def mira(db) -> Client:
    return Client.objects.create(
        name="Mira Example", email="mira@example.com", phone="+49 30 1234567"
    )


def visit_of(client: Client, start_at: datetime, end_at: datetime, **fields: Any) -> Visit:
    return visit_for(client, start_at, end_at, contact_phone=client.phone, **fields)


def reminder_on(visit: Visit, kind: str, channel: str = "email") -> Message:
    """An unsaved reminder of `kind` on the visit's lead: the first by start, then id."""
    lead = Appointment.objects.filter(visit=visit).order_by("start_at", "id").first()
    return Message(appointment=lead, kind=kind, channel=channel)


@pytest.fixture
def couples_visit(mira, classical, anna, ben) -> Visit:
    """Mira and her guest Olga side by side, Tuesday 10:00 to 10:30, with Anna and Ben."""
    start_at = at(TUESDAY, "10:00")
    visit = visit_of(mira, start_at, start_at + timedelta(minutes=30))
    appointment_in(visit, classical, anna, start_at, id=uuid.UUID(int=1))
    appointment_in(visit, classical, ben, start_at, id=uuid.UUID(int=2), guest_name="Olga Guest")
    return visit


@pytest.fixture
def consecutive_visit(mira, classical, vacuum, anna, ben) -> Visit:
    """Mira's foot with Anna at 10:00, then her hip with Ben at 10:30, on Tuesday."""
    start_at = at(TUESDAY, "10:00")
    visit = visit_of(mira, start_at, at(TUESDAY, "11:15"))
    appointment_in(visit, classical, anna, start_at, id=uuid.UUID(int=3))
    appointment_in(visit, vacuum, ben, at(TUESDAY, "10:30"), id=uuid.UUID(int=4))
    return visit


@pytest.fixture
def course_of_three(mira, vacuum, anna) -> Course:
    """Three weekly sessions of vacuum massage with Anna, Tuesdays 2, 9 and 16 March at 10:00."""
    course = Course.objects.create(client=mira, offering=vacuum, interval_days=7, session_count=3)
    for week in range(3):
        start_at = at(TUESDAY + timedelta(days=7 * week), "10:00")
        visit = visit_of(mira, start_at, start_at + timedelta(minutes=45), course=course)
        appointment_in(visit, vacuum, anna, start_at, id=uuid.UUID(int=11 + week))
    return course


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
def booked_couples_visit(for_two, anna, ben, room_for_two, guest_details) -> Visit:
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
