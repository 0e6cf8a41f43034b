"""The benchmarks' history builder (bench/history.py) keeps the database's rules.

`bench/growth.py` writes five years with it; here a few days, so that a
change of the models that the builder does not follow shows here rather
than as a benchmark that fails or measures the wrong thing.
"""

from datetime import date
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.db.models import Count, F

from bench import common, history
from booking.models import LONGEST_HOLD, Allocation, Appointment, AppointmentEvent, Visit
from notifications.models import Message

pytestmark = pytest.mark.django_db

ZONE = ZoneInfo("Europe/Berlin")
# A Friday: the days written go back from it, Sundays left out.
LAST_DAY = date(2026, 6, 5)
APPOINTMENTS = 300


@pytest.fixture
def counts() -> history.Counts:
    common.add_therapists(4)
    history.add_resources(rooms=4)
    clients = history.create_clients(0, 40)
    return history.write_history(
        studio=history.Studio.load(),
        clients=clients,
        last_day=LAST_DAY,
        appointments=APPOINTMENTS,
        zone=ZONE,
        seed=1,
    )


def test_the_history_stores_what_it_counts(counts: history.Counts) -> None:
    assert counts.appointments >= APPOINTMENTS
    assert Appointment.objects.count() == counts.appointments
    assert Visit.objects.count() == counts.visits
    assert Allocation.objects.count() == counts.allocations
    assert Message.objects.count() == counts.reminders
    assert AppointmentEvent.objects.count() == counts.events


def test_every_appointment_has_two_or_three_reminders(counts: history.Counts) -> None:
    per_appointment = set(
        Appointment.objects.annotate(n=Count("messages")).values_list("n", flat=True)
    )

    assert per_appointment <= {2, 3}
    assert 2.2 * counts.appointments < counts.reminders < 2.45 * counts.appointments


def test_the_history_holds_couples_and_visits_of_two_massages_in_turn(
    counts: history.Counts,
) -> None:
    visits = Visit.objects.annotate(
        n=Count("appointments"), starts=Count("appointments__start_at", distinct=True)
    ).filter(n=2)

    assert visits.filter(starts=1).exists()  # a couple, side by side
    assert visits.filter(starts=2).exists()  # foot, then whole leg
    shared = Allocation.objects.filter(appointment__isnull=True, resource__capacity=2)
    assert shared.count() == visits.filter(starts=1).count()


def test_every_past_status_and_reminder_status_occurs(counts: history.Counts) -> None:
    statuses = set(Appointment.objects.values_list("status", flat=True))
    reminder_statuses = set(Message.objects.values_list("status", flat=True))

    assert statuses == {"completed", "no_show", "cancelled"}
    assert reminder_statuses == {"sent", "failed", "cancelled"}


def test_no_appointment_or_allocation_holds_longer_than_the_longest_hold(
    counts: history.Counts,
) -> None:
    for model in (Appointment, Allocation):
        too_long = model.objects.filter(blocked_until__gt=F("start_at") + LONGEST_HOLD)
        assert not too_long.exists()


@pytest.mark.postgres
def test_no_two_active_rows_of_one_therapist_or_resource_overlap(counts: history.Counts) -> None:
    # What the exclusion constraints refuse, asked of the rows written.
    overlaps = """
        SELECT count(*) FROM {table} AS a JOIN {table} AS b
          ON a.{owner} = b.{owner} AND a.id < b.id
         AND tstzrange(a.start_at, a.blocked_until) && tstzrange(b.start_at, b.blocked_until)
        WHERE {active}
    """
    cases = [
        (
            "booking_appointment",
            "therapist_id",
            "a.status <> 'cancelled' AND b.status <> 'cancelled'",
        ),
        ("booking_allocation", "resource_id", "a.is_active AND b.is_active"),
    ]
    with connection.cursor() as cursor:
        for table, owner, active in cases:
            cursor.execute(overlaps.format(table=table, owner=owner, active=active))
            assert cursor.fetchone() == (0,), table
