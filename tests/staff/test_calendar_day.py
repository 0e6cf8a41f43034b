"""The staff calendar: a day per therapist with its cards and free gaps, a week, the rooms."""

from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from booking.models import Allocation, Client
from catalog.models import Contraindication, Offering
from tests.factories import TherapistFactory, appointment_in, give_hours, rooms, visit_for
from tests.staff.conftest import DAY, at

pytestmark = pytest.mark.django_db

# A Tuesday; the studio's zone is Europe/Berlin (UTC+1 in March).
NOW = datetime(2031, 3, 4, 7, tzinfo=UTC)  # 08:00 in Berlin


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


def working(name: str, **fields):
    therapist = TherapistFactory.create(name=name, **fields)
    therapist.massage_types.set(list(Offering.objects.values_list("massage_type", flat=True)))
    give_hours(therapist, (time(9), time(13)), (time(14), time(18)))
    return therapist


def booked(therapist, offering, clock: str, *, name="Clara Client", phone="+4930123456", **fields):
    client = Client.objects.create(name=name, email=f"{name.split()[0].lower()}@example.com")
    visit = visit_for(client, at(clock), at(clock) + timedelta(hours=1), contact_phone=phone)
    return appointment_in(visit, offering, therapist, at(clock), **fields)


def test_the_home_page_is_todays_calendar(client, reception):
    working("Anna Weber")
    client.force_login(reception)

    response = client.get("/staff/")

    assert response.status_code == 200
    assert "Anna Weber" in response.content.decode()


def test_a_card_shows_the_client_phone_massage_and_status(client, reception, classical):
    anna = working("Anna Weber")
    booked(anna, classical, "10:00", arrived_at=NOW)
    client.force_login(reception)

    page = client.get(f"/staff/calendar/?date={DAY}").content.decode()

    assert "Clara Client" in page
    # Dialled from its E.164 form, read out as the desk says it.
    assert '<a href="tel:+4930123456">030 123456</a>' in page
    assert str(classical) in page
    assert "Confirmed" in page
    assert "Arrived" in page


def test_a_yes_that_asks_for_a_word_first_is_flagged_in_words(client, reception, classical):
    anna = working("Anna Weber")
    Contraindication.objects.update_or_create(
        massage_type=classical.massage_type,
        question="recent_injury",
        defaults={"severity": "ask_first", "explanation": "Talk to us first."},
    )
    booked(anna, classical, "10:00", health={"recent_injury": True, "pregnancy": None})
    client.force_login(reception)

    page = client.get(f"/staff/calendar/?date={DAY}").content.decode()

    assert "Health: ask first" in page
    assert "injury or surgery" in page


def test_a_therapist_sees_only_their_own_column_and_no_booking(client, anna_login, classical):
    anna = working("Anna Weber", user=anna_login)
    ben = working("Ben Bauer")
    booked(anna, classical, "10:00", name="Own Client")
    booked(ben, classical, "11:00", name="Other Client")
    client.force_login(anna_login)

    page = client.get(f"/staff/calendar/?date={DAY}").content.decode()

    assert "Own Client" in page
    assert "Other Client" not in page
    assert "Ben Bauer" not in page
    assert "My day" in page
    assert client.get("/staff/book/").status_code == 403
    assert client.get(f"/staff/calendar/?date={DAY}&view=rooms").status_code == 403


def test_a_free_gap_links_to_the_desk_booking_with_therapist_date_and_time(
    client, reception, classical
):
    anna = working("Anna Weber")
    booked(anna, classical, "09:00")
    client.force_login(reception)

    page = client.get(f"/staff/calendar/?date={DAY}").content.decode()

    # 09:00 for 30 minutes and its buffer: free from the next start on the grid.
    assert classical.duration_minutes + classical.buffer_minutes == 40
    assert f"/staff/book/?therapist={anna.pk}&amp;date={DAY}&amp;time=09:45" in page


def test_the_gap_leads_to_a_form_with_that_time_chosen(client, reception, classical):
    anna = working("Anna Weber")
    rooms()
    client.force_login(reception)

    response = client.get(
        f"/staff/book/?therapist={anna.pk}&date={DAY}&time=10:15&offering={classical.pk}"
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert f'value="{at("10:15").isoformat()}" checked' in page
    assert f'<option value="{anna.pk}" selected>' in page


def test_a_bad_date_is_a_400(client, reception):
    client.force_login(reception)

    assert client.get("/staff/calendar/?date=2031-02-30").status_code == 400


def queries_for_a_day(client, count: int, classical, prefix: str) -> int:
    therapists = [working(f"{prefix} Therapist {n}") for n in range(4)]
    for n in range(count):
        therapist = therapists[n % 4]
        minutes = 9 * 60 + n // 4 * 45
        clock = f"{minutes // 60}:{minutes % 60:02d}"
        booked(therapist, classical, clock, name=f"{prefix}{n} Person", health={"pregnancy": False})
    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"/staff/calendar/?date={DAY}").status_code == 200
    return len(queries)


def test_a_busy_day_costs_the_same_queries_as_a_quiet_one(client, reception, classical):
    client.force_login(reception)
    # The session and the login's permissions, the therapist of the login
    # (Scope), the offerings, the schedule (therapists with their hours,
    # resource kinds, busy spans), the appointments, the time off and
    # the contraindications: the same for 4 appointments as for 40.
    # A first page fills the process's one-time caches (on SQLite one
    # of them is read on the first request only), so both counts are warm.
    assert client.get(f"/staff/calendar/?date={DAY}").status_code == 200
    quiet = queries_for_a_day(client, 4, classical, "quiet")

    busy = queries_for_a_day(client, 40, classical, "busy")

    assert busy == quiet


def test_the_week_counts_each_therapists_appointments(client, reception, classical):
    anna = working("Anna Weber")
    booked(anna, classical, "10:00")
    booked(anna, classical, "11:00", name="Second Client")
    client.force_login(reception)

    page = client.get(f"/staff/calendar/?date={DAY}&view=week").content.decode()

    assert "2 appointments" in page


def test_the_rooms_view_shows_who_holds_each_room(client, reception, classical):
    anna = working("Anna Weber")
    room, _ = rooms()
    appointment = booked(anna, classical, "10:00")
    Allocation.objects.create(
        visit=appointment.visit,
        appointment=appointment,
        resource=room,
        start_at=appointment.start_at,
        blocked_until=appointment.blocked_until,
    )
    client.force_login(reception)

    page = client.get(f"/staff/calendar/?date={DAY}&view=rooms").content.decode()

    assert "Room 1" in page
    assert "Clara Client" in page


def test_a_couples_visit_shows_on_both_therapists_columns(client, reception, classical):
    anna, ben = working("Anna Weber"), working("Ben Bauer")
    first = booked(anna, classical, "10:00", name="Clara Client")
    appointment_in(first.visit, classical, ben, at("10:00"), guest_name="Gina Guest")
    client.force_login(reception)

    page = client.get(f"/staff/calendar/?date={DAY}").content.decode()

    assert "Side by side with Ben Bauer" in page
    assert "Side by side with Anna Weber" in page
    assert "Gina Guest" in page
