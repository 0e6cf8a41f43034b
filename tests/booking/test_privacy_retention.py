"""Health answers and notes of past visits are dropped after the retention period."""

from datetime import timedelta

import pytest
from django.conf import settings as django_settings

from booking import tasks
from booking.models import Appointment
from booking.services import Actor, book_appointment, purge_old_health_answers
from tests.booking.conftest import NOW, TUESDAY, at

pytestmark = pytest.mark.django_db

# Anna's Tuesday appointments end at 10:30 and 11:30.
FIRST_END = at(TUESDAY, "10:30")


@pytest.fixture(autouse=True)
def a_year(settings):
    settings.STUDIO_HEALTH_RETENTION_DAYS = 365


@pytest.fixture
def two_visits(classical, anna, two_rooms, guest_details) -> list[Appointment]:
    return [
        book_appointment(
            offering=classical,
            start_at=at(TUESDAY, clock),
            client=guest_details,
            source="web",
            actor=Actor.guest(),
            health={"vein_problems": True, "note": "Veins"},
            notes="Knee",
            has_consent=True,
            now=NOW,
        )
        for clock in ["10:00", "11:00"]
    ]


def kept(appointment: Appointment) -> tuple:
    appointment.refresh_from_db()
    return appointment.health, appointment.notes


def test_health_answers_stay_until_the_retention_period_has_passed(two_visits):
    cleared = purge_old_health_answers(now=FIRST_END + timedelta(days=365))

    assert cleared == 0
    assert kept(two_visits[0]) == ({"vein_problems": True, "note": "Veins"}, "Knee")


def test_health_answers_of_a_visit_past_the_retention_period_are_dropped(two_visits):
    cleared = purge_old_health_answers(now=FIRST_END + timedelta(days=365, minutes=1))

    assert cleared == 1
    assert kept(two_visits[0]) == ({}, "")
    assert kept(two_visits[1]) == ({"vein_problems": True, "note": "Veins"}, "Knee")


def test_dropping_health_answers_keeps_the_visits_facts(two_visits):
    before = Appointment.objects.values("start_at", "end_at", "status", "price", "offering")

    purge_old_health_answers(now=FIRST_END + timedelta(days=400))

    after = Appointment.objects.values("start_at", "end_at", "status", "price", "offering")
    assert list(after.order_by("start_at")) == list(before.order_by("start_at"))


def test_the_retention_period_is_the_setting(two_visits, settings):
    settings.STUDIO_HEALTH_RETENTION_DAYS = 30

    assert purge_old_health_answers(now=FIRST_END + timedelta(days=30, minutes=1)) == 1


def test_the_daily_task_drops_what_is_past_the_retention_period(two_visits, time_machine):
    time_machine.move_to(FIRST_END + timedelta(days=366), tick=False)

    assert tasks.purge_old_health_answers.delay().get() == 2
    assert kept(two_visits[1]) == ({}, "")


def test_beat_runs_the_purge_every_day():
    entry = django_settings.CELERY_BEAT_SCHEDULE["purge-old-health-answers"]

    assert entry == {"task": "booking.tasks.purge_old_health_answers", "schedule": 86400.0}


def test_the_purge_clears_more_than_one_batch(two_visits, monkeypatch):
    monkeypatch.setattr("booking.services.privacy._PURGE_BATCH", 1)

    cleared = purge_old_health_answers(now=FIRST_END + timedelta(days=400))

    assert cleared == 2
    assert [kept(visit) for visit in two_visits] == [({}, "")] * 2
