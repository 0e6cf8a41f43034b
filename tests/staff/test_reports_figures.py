"""The owner's reports: known bookings give known figures, on the page and in CSV."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group

from booking.models import Allocation, Client, Therapist, TimeOff
from catalog.models import Offering
from staff.reports.figures import report
from tests.factories import TherapistFactory, appointment_in, give_hours, rooms, visit_for

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY = date(2031, 3, 3)
SUNDAY = date(2031, 3, 9)
PERIOD = {"start": "2031-03-03", "end": "2031-03-09"}
URL = "/staff/reports/"


def local(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), BERLIN)


@pytest.fixture
def studio(settings) -> dict[str, object]:
    """Anna and Ben's week, Room 1's allocations, and what became of Anna's five massages.

    Anna works Monday to Saturday 9-13 and 14-18 (48 hours) and is off
    Wednesday morning (4 hours): 44 hours. Ben works Monday to Friday
    9-17 (40 hours) and gives nothing. The studio is open when either
    works: 9-18 on weekdays, 9-13 and 14-18 on Saturday, 53 hours.
    """
    settings.STUDIO_TIME_ZONE = "Europe/Berlin"
    anna = TherapistFactory.create(name="Anna")
    ben = TherapistFactory.create(name="Ben")
    give_hours(anna, (time(9), time(13)), (time(14), time(18)), weekdays=range(6))
    give_hours(ben, (time(9), time(17)), weekdays=range(5))
    TimeOff.objects.create(
        therapist=anna,
        start_at=local(MONDAY + timedelta(days=2), 9),
        end_at=local(MONDAY + timedelta(days=2), 13),
    )
    room, _ = rooms(2)
    offering = Offering.objects.get(slug="classical-foot-30")
    client = Client.objects.create(name="Mira", email="mira@example.com", phone="+4930123456")
    statuses = ["completed", "completed", "confirmed", "no_show", "cancelled", "confirmed"]
    for day, status in enumerate(statuses):
        start = local(MONDAY + timedelta(days=day), 10)
        visit = visit_for(client, start, start + timedelta(minutes=30), status=status)
        appointment = appointment_in(visit, offering, anna, start)
        if day == 0:
            Allocation.objects.create(
                visit=visit,
                appointment=appointment,
                resource=room,
                start_at=start,
                blocked_until=start + timedelta(minutes=40),
            )
    # Next Monday: outside the period.
    start = local(MONDAY + timedelta(days=7), 10)
    visit = visit_for(client, start, start + timedelta(minutes=30), status="completed")
    appointment_in(visit, offering, anna, start)
    return {"anna": anna, "ben": ben}


def test_a_therapists_utilisation_is_booked_over_working_minutes_less_time_off(studio):
    figures = report(MONDAY, SUNDAY)

    [anna, ben] = figures.therapists
    # Five massages of 30 minutes took her time (the cancelled one did not).
    assert (anna.name, anna.used_minutes, anna.available_minutes) == ("Anna", 150, 44 * 60)
    assert anna.percent == 5.7
    assert (ben.used_minutes, ben.available_minutes, ben.percent) == (0, 40 * 60, 0.0)


def test_a_rooms_utilisation_is_allocated_over_opening_minutes(studio):
    figures = report(MONDAY, SUNDAY)

    [room_1, room_2] = figures.rooms
    assert (room_1.name, room_1.used_minutes, room_1.available_minutes) == ("Room 1", 40, 53 * 60)
    assert room_1.percent == 1.3
    assert room_2.used_minutes == 0


def test_bookings_cancellations_and_no_shows_are_counted_by_week(studio):
    figures = report(MONDAY, SUNDAY + timedelta(days=7))

    assert [
        (week.monday, week.booked, week.cancelled, week.no_shows) for week in figures.weeks
    ] == [
        (MONDAY, 6, 1, 1),
        (MONDAY + timedelta(days=7), 1, 0, 0),
    ]


def test_revenue_counts_only_completed_massages_by_type(studio):
    figures = report(MONDAY, SUNDAY)

    [classical] = figures.revenue
    assert (classical.count, classical.amount, classical.currency) == (2, Decimal("70.00"), "EUR")


def test_the_owner_sees_each_chart_with_its_figures_beside_it(admin_client, studio):
    response = admin_client.get(URL, PERIOD)

    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('<svg class="chart" role="img"') == 5  # with the money's
    assert "<title" in html
    assert '<th scope="row">Anna</th><td>2.5</td><td>44.0</td><td>5.7</td>' in html


def test_the_default_period_is_the_last_eight_weeks(admin_client, studio):
    response = admin_client.get(URL)

    assert response.status_code == 200
    assert len(response.context["report"].weeks) in (8, 9)
    assert (response.context["report"].end_on - response.context["report"].start_on).days == 55


@pytest.mark.parametrize(
    ("period", "message"),
    [
        ({"start": "2031-01-01", "end": "2032-02-01"}, "Choose a period of at most 366 days."),
        ({"start": "2031-03-09", "end": "2031-03-03"}, "The period ends before it starts."),
        ({"start": "someday", "end": "2031-03-03"}, "Enter a valid date."),
    ],
)
def test_a_period_too_long_reversed_or_unreadable_is_a_400_saying_why(
    admin_client, period, message
):
    response = admin_client.get(URL, period)

    assert response.status_code == 400
    assert message in response.content.decode()


def test_reception_and_therapists_may_not_see_the_reports(client, django_user_model, studio):
    desk = django_user_model.objects.create_user("desk", password="x", is_staff=True)
    desk.groups.add(Group.objects.get(name="reception"))
    anna_login = django_user_model.objects.create_user("anna", password="x")
    anna_login.groups.add(Group.objects.get(name="therapist"))
    Therapist.objects.filter(pk=studio["anna"].pk).update(user=anna_login)

    for user in (desk, anna_login):
        client.force_login(user)
        assert client.get(URL, PERIOD).status_code == 403


def test_a_stranger_is_sent_to_log_in(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith("/staff/login/")


def test_each_table_downloads_as_csv(admin_client, studio):
    response = admin_client.get(URL, {**PERIOD, "format": "csv", "table": "revenue"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        response["Content-Disposition"]
        == 'attachment; filename="revenue-2031-03-03-2031-03-09.csv"'
    )
    assert response.content.decode().splitlines() == [
        "Massage type,Completed,Revenue,Currency",
        "Classical massage,2,70.00,EUR",
    ]


def test_a_csv_cell_that_starts_like_a_formula_is_written_as_text(admin_client, studio):
    Therapist.objects.filter(pk=studio["ben"].pk).update(name='=HYPERLINK("http://evil")')

    response = admin_client.get(URL, {**PERIOD, "format": "csv", "table": "therapists"})

    assert '\'=HYPERLINK(""http://evil"")' in response.content.decode()


def test_an_unknown_csv_table_is_a_400(admin_client, studio):
    response = admin_client.get(URL, {**PERIOD, "format": "csv", "table": "salaries"})

    assert response.status_code == 400
    assert "Unknown table" in response.content.decode()


def test_the_report_takes_the_same_queries_for_a_busier_period(
    admin_client, studio, django_assert_num_queries
):
    # The session, the user, the login's therapist (Scope), then the
    # report's seven: appointments, therapists, working hours, time off,
    # rooms, allocations, massage types; then the money's two: the
    # ledger rows of the period, the deposits held for visits to come;
    # the paused webhooks (the header's banner).
    with django_assert_num_queries(13):
        admin_client.get(URL, PERIOD)
    with django_assert_num_queries(13):
        admin_client.get(URL, {"start": "2031-03-03", "end": "2031-06-30"})
