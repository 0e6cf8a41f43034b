"""Hot reads stay bounded by time or served by an index, however long the history.

Each admin list, the day view, the staff API list, the availability
engine and the reminder dispatcher: a fixed number of queries, and on
PostgreSQL, with five years of appointments and reminders written in
bulk, no plan that reads a whole history table (`tests.plans`).
"""

import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from booking.admin.common import CappedPaginator
from booking.availability import load_schedules
from booking.models import Allocation, Appointment, Client, Visit
from booking.selectors import day_schedule
from notifications.models import Message
from notifications.services import claim_due_messages
from tests.booking.conftest import BERLIN, MONDAY, NOW, assert_error, at
from tests.factories import (
    TherapistFactory,
    appointment_in,
    give_hours,
    rooms,
    unsaved_appointment_in,
    visit_for,
)
from tests.plans import analyze, indexes_read, reads, scans_of_history

pytestmark = pytest.mark.django_db

YEARS = 5
APPOINTMENTS = reverse("admin:booking_appointment_changelist")
VISITS = reverse("admin:booking_visit_changelist")
COURSES = reverse("admin:booking_course_changelist")
REMINDERS = reverse("admin:notifications_message_changelist")
TIME_OFF = reverse("admin:booking_timeoff_changelist")
CLIENTS = reverse("admin:booking_client_changelist")
DAY_VIEW = reverse("admin:booking_appointment_day")


@pytest.fixture
def history(classical) -> list[Appointment]:
    """One appointment a day for five years before NOW, each with its room and two reminders sent.

    Written in bulk, as `bench/growth` writes its history; the three
    therapists take turns, so no two overlap.
    """
    therapists = [TherapistFactory.create(skills=["classical"]) for _ in range(3)]
    for therapist in therapists:
        give_hours(therapist, *[(at(MONDAY, "9:00").time(), at(MONDAY, "19:00").time())])
    (room,) = rooms(1)
    client = Client.objects.create(name="Mira", email="mira@example.com", phone="+4930123")
    starts = [NOW - timedelta(days=day, hours=-3) for day in range(1, YEARS * 365)]
    visits = Visit.objects.bulk_create(
        Visit(
            client=client,
            contact_name=client.name,
            contact_email=client.email,
            start_at=start,
            end_at=start + timedelta(minutes=classical.duration_minutes),
            source="web",
        )
        for start in starts
    )
    appointments = Appointment.objects.bulk_create(
        unsaved_appointment_in(visit, classical, therapists[number % 3], visit.start_at)
        for number, visit in enumerate(visits)
    )
    Allocation.objects.bulk_create(
        Allocation(
            visit_id=appointment.visit_id,
            appointment=appointment,
            resource=room,
            start_at=appointment.start_at,
            blocked_until=appointment.blocked_until,
        )
        for appointment in appointments
    )
    Message.objects.bulk_create(
        Message(
            appointment=appointment,
            kind=kind,
            channel=Message.Channel.EMAIL,
            status=Message.Status.SENT,
            due_at=appointment.start_at - before,
            sent_at=appointment.start_at - before,
        )
        for appointment in appointments
        for kind, before in [
            (Message.Kind.CONFIRMATION, timedelta(days=7)),
            (Message.Kind.DAY_BEFORE, timedelta(days=1)),
        ]
    )
    # Today's bookings, with reminders still to send.
    today = visit_for(client, at(MONDAY, "10:00"), at(MONDAY, "10:30"))
    lead = appointment_in(today, classical, therapists[0], at(MONDAY, "10:00"))
    Message.objects.create(
        appointment=lead, kind=Message.Kind.HOURS_BEFORE, channel="email", due_at=NOW
    )
    analyze()
    return appointments


def _captured(call) -> list[dict[str, str]]:
    with CaptureQueriesContext(connection) as captured:
        call()
    return captured.captured_queries


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("changelist", "query"),
    [
        (APPOINTMENTS, {}),
        (APPOINTMENTS, {"start_at__year": "2025"}),
        (APPOINTMENTS, {"start_at__year": "2025", "start_at__month": "6"}),
        (APPOINTMENTS, {"status": "confirmed"}),
        (APPOINTMENTS, {"q": "Olga@Example.com"}),
        (VISITS, {}),
        (VISITS, {"q": "olga@example.com"}),
        (COURSES, {}),
        (REMINDERS, {}),
        (REMINDERS, {"status": "sent"}),
        (REMINDERS, {"q": "olga@example.com"}),
        (TIME_OFF, {}),
        (CLIENTS, {}),
    ],
)
def test_no_admin_list_reads_a_history_table_whole(admin_client, history, changelist, query):
    # Logged in first, so the captured queries are the list's own.
    admin_client.get(reverse("admin:index"))

    captured = _captured(lambda: admin_client.get(changelist, query))

    # The count reads at most the cap's rows, however it reads them
    # (test_an_admin_list_counts_no_further_than_its_cap).
    capped = f"LIMIT {CappedPaginator.CAP + 1}) subquery"
    assert {sql: t for sql, t in scans_of_history(captured).items() if capped not in sql} == {}


@pytest.mark.postgres
def test_the_day_view_reads_no_history_table_whole(admin_client, history):
    admin_client.get(reverse("admin:index"))

    captured = _captured(lambda: admin_client.get(DAY_VIEW, {"date": MONDAY.isoformat()}))

    assert scans_of_history(captured) == {}


@pytest.mark.postgres
def test_the_day_schedule_reads_no_history_table_whole(history):
    captured = _captured(lambda: day_schedule(day=MONDAY, zone=BERLIN, with_health=True))

    assert scans_of_history(captured) == {}


@pytest.mark.postgres
def test_the_availability_engine_reads_no_history_table_whole(history, classical):
    captured = _captured(
        lambda: load_schedules(
            offerings=[classical],
            window_start=at(MONDAY, "0:00"),
            window_end=at(MONDAY, "0:00") + timedelta(days=31),
        )
    )

    assert scans_of_history(captured) == {}


@pytest.mark.postgres
def test_the_staff_api_list_reads_no_history_table_whole(integration, history):
    with timezone.override(BERLIN):
        captured = _captured(lambda: integration.get("/api/v1/appointments/"))

    assert scans_of_history(captured) == {}


@pytest.mark.postgres
def test_the_dispatchers_claim_reads_no_history_table_whole(history):
    captured = _captured(lambda: claim_due_messages(token=uuid.uuid4(), now=NOW))

    assert scans_of_history(captured) == {}


# Each admin page's queries, the first two (the session, its user) aside.
ADMIN_PAGES = [
    # The therapists for the filter, the count (capped), the page with
    # client, offering and therapist joined, the first and last start
    # for the date navigation.
    (APPOINTMENTS, 6),
    # The count (capped), the page with each visit's appointments counted.
    (VISITS, 4),
    # The count (capped), the page with each course's next session.
    (COURSES, 4),
    # The outbox's oldest due reminder and the failed ones counted, the
    # count (capped), the page with appointment and client joined.
    (REMINDERS, 6),
    # The therapists for the filter, the count (capped), the page, the
    # first and last start for the date navigation.
    (TIME_OFF, 6),
    # The count (capped), the page.
    (CLIENTS, 4),
    # The day's appointments (client, offering, therapist joined), the
    # therapists, their hours that weekday, the time off that day.
    (f"{DAY_VIEW}?date={MONDAY.isoformat()}", 6),
]


@pytest.mark.parametrize(("page", "queries"), ADMIN_PAGES)
def test_an_admin_page_takes_a_fixed_number_of_queries_over_years(
    admin_client, history, django_assert_num_queries, page, queries
):
    with django_assert_num_queries(queries):
        response = admin_client.get(page)

    assert response.status_code == 200


def test_the_staff_api_list_takes_a_fixed_number_of_queries_over_years(
    integration, history, frozen, django_assert_num_queries
):
    # 1. the token and its user, 2. the user's permissions, 3. the user's
    # groups' permissions, 4. the count from today on, 5. the page with
    # client, offering and therapist joined.
    with django_assert_num_queries(5):
        response = integration.get("/api/v1/appointments/")

    assert response.status_code == 200


def test_an_admin_list_counts_no_further_than_its_cap(admin_client, history, monkeypatch):
    monkeypatch.setattr(CappedPaginator, "CAP", 100)

    with CaptureQueriesContext(connection) as captured:
        response = admin_client.get(APPOINTMENTS)

    counts = [query["sql"] for query in captured.captured_queries if "COUNT(" in query["sql"]]
    assert len(counts) == 1
    assert "LIMIT 101" in counts[0]
    assert "Appointments: more than 100" in response.content.decode()


def test_the_date_navigation_offers_each_year_from_the_first_start_to_the_last(
    admin_client, history
):
    page = admin_client.get(APPOINTMENTS).content.decode()

    offered = [year for year in range(2020, 2030) if f"?start_at__year={year}" in page]
    assert offered == [2022, 2023, 2024, 2025, 2026, 2027]


def test_the_date_navigation_offers_the_months_of_a_year(admin_client, history):
    page = admin_client.get(APPOINTMENTS, {"start_at__year": "2025"}).content.decode()

    offered = [month for month in range(1, 13) if f"start_at__month={month}&" in page]
    assert offered == list(range(1, 13))


@pytest.mark.parametrize(
    "query",
    [{}, {"start_at__year": "2025"}, {"start_at__year": "2025", "start_at__month": "6"}],
)
def test_the_date_navigation_reads_no_list_of_distinct_dates(admin_client, history, query):
    admin_client.get(reverse("admin:index"))

    captured = _captured(lambda: admin_client.get(APPOINTMENTS, query))

    assert [sql["sql"] for sql in captured if "DISTINCT" in sql["sql"]] == []


def test_the_staff_api_list_without_days_holds_a_month_from_today(integration, history, frozen):
    listed = integration.get("/api/v1/appointments/").json()

    assert listed["count"] == 1
    assert [a["start"] for a in listed["results"]] == ["2027-03-01T10:00:00+01:00"]


def test_the_staff_api_list_keeps_the_days_asked_for(integration, history, frozen):
    listed = integration.get(
        "/api/v1/appointments/", {"start": "2025-01-01", "end": "2025-01-31"}
    ).json()

    assert listed["count"] == 31
    assert listed["results"][0]["start"].startswith("2025-01-01T")


@pytest.mark.parametrize("term", ["mira@example.com", "MIRA@Example.com"])
def test_an_email_search_finds_the_appointments_booked_with_it(admin_client, booked, term):
    response = admin_client.get(APPOINTMENTS, {"q": term})

    assert list(response.context["cl"].result_list) == [booked]


def test_an_email_search_finds_the_appointments_of_the_record_with_it(admin_client, booked):
    Appointment.objects.filter(pk=booked.pk).update(contact_email="other@example.com")

    response = admin_client.get(APPOINTMENTS, {"q": booked.client.email})

    assert list(response.context["cl"].result_list) == [booked]


def test_an_email_search_finds_no_appointment_of_someone_else(admin_client, booked):
    response = admin_client.get(APPOINTMENTS, {"q": "olga@example.com"})

    assert list(response.context["cl"].result_list) == []


def test_an_email_search_finds_the_visit_booked_with_it(admin_client, booked):
    response = admin_client.get(VISITS, {"q": "MIRA@example.com"})

    assert [visit.pk for visit in response.context["cl"].result_list] == [booked.visit_id]


def test_an_email_search_finds_the_reminders_of_the_appointments_booked_with_it(
    admin_client, booked
):
    response = admin_client.get(REMINDERS, {"q": "MIRA@example.com"})

    found = {reminder.pk for reminder in response.context["cl"].result_list}
    assert found == set(Message.objects.filter(appointment=booked).values_list("pk", flat=True))
    assert found


@pytest.mark.postgres
def test_the_dispatchers_claim_reads_only_the_indexes_of_the_reminders_to_send(history):
    captured = _captured(lambda: claim_due_messages(token=uuid.uuid4(), now=NOW))

    claims = [sql for sql in reads(captured) if "FOR UPDATE" in sql]
    assert len(claims) == 2
    # Indexes whose range holds only pending or sending rows; never the one
    # on (due_at, id) that orders every reminder ever sent.
    assert set().union(*(indexes_read(sql) for sql in claims)) <= {
        "notifications_msg_pending_due",
        "notifications_msg_lease_out",
        "notifications_msg_due",
    }


def test_the_staff_api_list_refuses_more_than_a_month_at_a_time(integration, history, frozen):
    response = integration.get(
        "/api/v1/appointments/", {"start": "2020-01-01", "end": "2026-12-31"}
    )

    assert_error(response, 400, "invalid", "end")
