import re
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command
from django.db.models import Count
from django.http import HttpRequest
from django.test import RequestFactory
from django.utils import timezone

from booking.models import (
    Allocation,
    Appointment,
    AppointmentEvent,
    Client,
    Course,
    Resource,
    Therapist,
    TimeOff,
    Visit,
    WorkingHours,
)
from booking.services.notes import may_write_note, note_refusal
from tests.booking.conftest import BERLIN, NOW

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def debug_on(settings):
    settings.DEBUG = True


@pytest.fixture(autouse=True)
def default_horizon(settings):
    # The studio's default: the demo course's tenth weekly session lies
    # 67 days ahead, past the 60 the other booking tests use.
    settings.STUDIO_HORIZON_DAYS = 90


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def login_request() -> HttpRequest:
    """What the admin's log-in hands to authenticate: the lockout reads its address."""
    return RequestFactory().post("/admin/login/")


def password_in(output: str) -> str:
    found = re.search(r"user 'reception', password '([^']+)'", output)
    assert found, output
    return found.group(1)


def snapshot() -> dict[str, object]:
    return {
        "therapists": list(Therapist.objects.values_list("slug", "name", "is_active")),
        "skills": sorted(Therapist.massage_types.through.objects.values_list("pk", flat=True)),
        "hours": WorkingHours.objects.count(),
        "resources": list(Resource.objects.values_list("name", "kind__slug", "capacity")),
        "clients": Client.objects.count(),
        "visits": list(Visit.objects.values_list("id", "start_at", "status")),
        "courses": Course.objects.count(),
        "appointments": list(Appointment.objects.values_list("id", "start_at", "status")),
        "allocations": Allocation.objects.count(),
        "events": AppointmentEvent.objects.count(),
        "users": get_user_model().objects.count(),
    }


def skills_of(therapist: Therapist) -> frozenset[str]:
    return frozenset(therapist.massage_types.values_list("slug", flat=True))


def test_seed_demo_refuses_to_run_with_debug_off(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG=1"):
        seed()

    assert not Therapist.objects.exists()


def test_seed_demo_runs_with_debug_off_when_forced(settings):
    settings.DEBUG = False

    seed("--force")

    assert Therapist.objects.count() == 4


def test_seed_demo_prints_a_staff_login_that_works():
    password = password_in(seed())

    user = authenticate(login_request(), username="reception", password=password)
    assert user is not None
    assert user.is_staff


def test_seed_demo_makes_four_therapists_with_different_skills():
    seed()

    therapists = list(Therapist.objects.filter(is_active=True))
    assert len(therapists) == 4
    assert len({skills_of(therapist) for therapist in therapists}) == 4


def test_only_some_demo_therapists_give_vacuum_or_thai_massage():
    seed()

    skills = [skills_of(therapist) for therapist in Therapist.objects.all()]
    assert 0 < sum("thai" in given for given in skills) < 4
    assert 0 < sum("vacuum" in given for given in skills) < 4


def test_the_one_vacuum_device_is_what_limits_the_vacuum_therapists():
    seed()

    assert Therapist.objects.filter(massage_types__slug="vacuum").count() >= 2
    assert Resource.objects.filter(kind__slug="vacuum-device").count() == 1


def test_seed_demo_makes_two_rooms_a_vacuum_device_and_thai_sticks():
    seed()

    kinds = sorted(Resource.objects.values_list("kind__slug", flat=True))
    assert kinds == ["room", "room", "thai-sticks", "vacuum-device"]


def test_one_demo_room_is_set_up_for_two():
    seed()

    capacities = sorted(
        Resource.objects.filter(kind__slug="room").values_list("capacity", flat=True)
    )
    assert capacities == [1, 2]


def test_demo_therapists_work_monday_to_saturday_with_a_lunch_break():
    seed()

    for therapist in Therapist.objects.all():
        days: dict[int, list[WorkingHours]] = {}
        for interval in therapist.working_hours.order_by("start_time"):
            days.setdefault(interval.weekday, []).append(interval)
        assert sorted(days) == [0, 1, 2, 3, 4, 5], therapist
        for morning, afternoon in days.values():
            assert morning.end_time < afternoon.start_time, therapist


def single_appointments():
    """The demo's bookings of one massage to come: visits of one appointment, in no course."""
    return Appointment.objects.filter(
        visit__course=None,
        visit__in=Visit.objects.annotate(size=Count("appointments")).filter(size=1),
        start_at__gt=timezone.now(),
    )


def test_seed_demo_books_a_few_appointments_through_the_service():
    seed()

    appointments = list(single_appointments().select_related("client"))
    assert len(appointments) == 5
    for appointment in appointments:
        assert (appointment.source, appointment.status) == ("admin", "confirmed")
        assert appointment.start_at > NOW
        assert appointment.client.email.endswith("@example.com")
        assert appointment.allocations.filter(resource__kind__slug="room").exists()
        event = appointment.events.get()
        assert (event.action, event.actor) == ("booked", "reception")


def test_seed_demo_gives_anna_a_massage_last_week_whose_note_she_may_write():
    seed()

    given = Appointment.objects.select_related("therapist__user").get(start_at__lt=NOW)
    anna = given.therapist.user
    assert anna is not None
    assert anna.username == "anna"
    assert (given.status, given.visit.status) == ("completed", "completed")
    assert NOW - timedelta(days=8) < given.start_at
    assert note_refusal(appointment=given, now=NOW) is None
    assert may_write_note(appointment=given, user=anna)
    # Nothing is left to send about a massage already given.
    assert not given.messages.filter(status="pending").exists()


def test_demo_vacuum_bookings_take_turns_with_the_one_device():
    seed()

    vacuum = sorted(
        Appointment.objects.filter(offering__massage_type__slug="vacuum"),
        key=lambda appointment: appointment.start_at,
    )
    assert len(vacuum) == 2
    assert vacuum[0].therapist != vacuum[1].therapist
    assert vacuum[0].blocked_until <= vacuum[1].start_at


@pytest.mark.parametrize(
    "today",
    [
        datetime(2027, 3, 6, 20, 0, tzinfo=UTC),  # a Saturday evening
        datetime(2027, 3, 7, 10, 0, tzinfo=UTC),  # a Sunday
        datetime(2027, 3, 26, 17, 0, tzinfo=UTC),  # before the clocks go forward
        datetime(2027, 10, 29, 9, 0, tzinfo=UTC),  # before the clocks go back
        datetime(2027, 12, 31, 12, 0, tzinfo=UTC),  # New Year's Eve
    ],
)
def test_seed_demo_books_every_demo_appointment_whatever_today_is(today, time_machine):
    time_machine.move_to(today, tick=False)

    seed()

    assert single_appointments().count() == 5
    # Five singles to come, one given last week, and two of two.
    assert Visit.objects.filter(course=None).count() == 8
    assert Course.objects.get().visits.count() == 10


def test_seed_demo_books_a_couples_massage_side_by_side_in_the_room_for_two():
    seed()

    visit = Visit.objects.get(client__email="nina@example.com")
    first, second = visit.appointments.order_by("guest_name")
    assert first.offering.max_people == 2
    assert first.start_at == second.start_at > NOW
    assert first.therapist != second.therapist
    assert (first.guest_name, second.guest_name) == ("", "Olga Example")
    room = visit.allocations.get(appointment=None, is_active=True).resource
    assert room.capacity == 2


def test_seed_demo_books_two_massages_one_after_the_other_as_one_visit():
    seed()

    visit = Visit.objects.get(client__email="rita@example.com")
    first, second = visit.appointments.order_by("start_at")
    assert (first.offering.slug, second.offering.slug) == (
        "classical-foot-30",
        "anti-cellulite-hip-45",
    )
    assert second.start_at == first.end_at
    assert (visit.start_at, visit.end_at) == (first.start_at, second.end_at)


def test_seed_demo_books_a_course_of_ten_weekly_sessions_at_one_local_time():
    seed()

    course = Course.objects.get(client__email="tanja@example.com")
    starts = [visit.start_at.astimezone(BERLIN) for visit in course.visits.order_by("start_at")]
    assert (course.offering.slug, len(starts)) == ("anti-cellulite-hip-shin-60", 10)
    assert all(start > NOW for start in starts)
    # Nothing else in the demo is in its way: every week, one wall-clock
    # time, but for a week whose day the studio is closed for a public
    # holiday, when the session takes the nearest free time instead.
    closed = {
        closure.start_at.astimezone(BERLIN).date()
        for closure in TimeOff.objects.filter(therapist=None)
    }
    weekly = [starts[0].date() + timedelta(days=7 * week) for week in range(10)]
    on_the_hour = [
        start
        for start in starts
        if start.date() in weekly
        and (start.hour, start.minute) == (starts[0].hour, starts[0].minute)
    ]
    assert len(on_the_hour) == len([day for day in weekly if day not in closed])
    assert set(course.visits.values_list("source", "status")) == {("admin", "confirmed")}


def test_running_seed_demo_again_changes_nothing_but_the_password():
    first = seed()
    before = snapshot()

    second = seed()

    assert snapshot() == before
    assert password_in(second) != password_in(first)
    assert authenticate(login_request(), username="reception", password=password_in(second))


def test_running_seed_demo_days_later_books_nothing_new(time_machine):
    seed()
    before = snapshot()
    time_machine.move_to(NOW + timedelta(days=10), tick=False)

    seed()

    assert snapshot() == before


def test_seed_demo_leaves_a_therapist_as_staff_edited_them():
    seed()
    anna = Therapist.objects.get(slug="anna-weber")
    anna.working_hours.filter(weekday=5).delete()
    anna.massage_types.remove(*anna.massage_types.filter(slug="vacuum"))

    seed()

    assert not anna.working_hours.filter(weekday=5).exists()
    assert "vacuum" not in skills_of(anna)


def test_the_demo_reception_may_see_health_answers_even_without_superuser():
    seed()

    user = get_user_model().objects.get(username="reception")
    user.is_superuser = False
    user.save()

    assert get_user_model().objects.get(pk=user.pk).has_perm("booking.view_health")


def test_demo_bookings_with_notes_record_the_consent_and_who_asked():
    seed()

    with_notes = Appointment.objects.exclude(notes="")
    assert with_notes.exists()
    assert not with_notes.filter(consented_at=None).exists()
    recorded_by = with_notes.values_list("consent_recorded_by__username", flat=True)
    assert set(recorded_by) == {"reception"}


def test_demo_phone_numbers_are_stored_in_e164_like_every_booking():
    # The SMS reminders and the limits per phone take numbers as the
    # phone check stores them; the demo's must look like real bookings'.
    seed()

    stored = [*Client.objects.values_list("phone", flat=True)]
    stored += Appointment.objects.values_list("contact_phone", flat=True)
    assert stored
    assert all(re.fullmatch(r"\+[1-9]\d{6,14}", phone) for phone in stored), stored


def test_seed_demo_prints_the_owner_reception_and_a_therapist_login_each_with_its_role():
    output = seed()

    logins = dict(re.findall(r"user '([^']+)', password '([^']+)'", output))
    assert set(logins) == {"owner", "reception", "anna"}
    owner, reception, anna = (
        get_user_model().objects.get(username=name) for name in ("owner", "reception", "anna")
    )
    for name, password in logins.items():
        assert authenticate(login_request(), username=name, password=password)
    assert owner.is_superuser
    assert reception.is_staff and not reception.is_superuser
    assert reception.has_perm("booking.run_front_desk")
    assert not anna.is_staff and not anna.is_superuser
    assert not anna.has_perm("booking.run_front_desk")
    assert Therapist.objects.get(user=anna).slug == "anna-weber"
