"""The slot picker: two weeks of days and the chosen day's free times."""

import re
from datetime import date, time

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.urls import reverse

from booking.services import Actor, book_appointment
from booking.site_forms import slot_value
from tests.booking.conftest import NOW, TUESDAY, at
from tests.factories import TherapistFactory, give_hours, vacuum_device

pytestmark = pytest.mark.django_db

CLASSICAL_URL = reverse("booking:slots", kwargs={"offering_slug": "classical-foot-30"})


@pytest.fixture(autouse=True)
def frozen():
    """Monday 1 March 2027, 08:00 in the studio."""
    with time_machine.travel(NOW, tick=False):
        yield


def times_of(html: str) -> list[str]:
    """The clock times the page offers as links, in page order."""
    return re.findall(r'<a class="time" href="[^"]+">(\d\d:\d\d)</a>', html)


def test_the_picker_shows_the_first_free_day_on_the_studio_clock(
    client: Client, classical, anna, two_rooms
):
    response = client.get(CLASSICAL_URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Choose a time: Classical: foot · Studio</title>" in html
    assert "Monday 1 March" in html
    # Two hours' notice from 08:00; Anna's hours are 9-13 and 14-18.
    times = times_of(html)
    assert times[0] == "10:00"
    assert "13:00" not in times
    assert times[-1] == "17:30"
    assert "Times are on the studio's clock (Europe/Berlin)." in html


def test_each_time_links_to_the_booking_form_with_the_start_in_utc(
    client: Client, classical, anna, two_rooms
):
    html = client.get(CLASSICAL_URL, {"on": "2027-03-02"}).content.decode()

    form_url = reverse("booking:book", kwargs={"offering_slug": "classical-foot-30"})
    assert f'href="{form_url}?start=2027-03-02T08%3A00Z">09:00</a>' in html


def test_a_chosen_therapist_is_kept_in_every_link_and_shows_only_their_times(
    client: Client, classical, anna, ben, two_rooms
):
    anyone = times_of(client.get(CLASSICAL_URL, {"on": "2027-03-02"}).content.decode())
    html = client.get(CLASSICAL_URL, {"on": "2027-03-02", "therapist": anna.id}).content.decode()

    # Ben works through lunch; Anna does not.
    assert "13:00" in anyone
    assert "13:00" not in times_of(html)
    assert f"start=2027-03-02T08%3A00Z&amp;therapist={anna.id}" in html
    assert f"therapist={anna.id}&amp;on=2027-03-03" in html
    assert f'<option value="{anna.id}" selected>Anna</option>' in html
    assert "free times with Anna" in html


def test_days_before_today_and_beyond_the_horizon_cannot_be_chosen(
    client: Client, classical, anna, two_rooms, settings
):
    settings.STUDIO_HORIZON_DAYS = 3
    with time_machine.travel(at(date(2027, 3, 3), "08:00"), tick=False):
        html = client.get(CLASSICAL_URL).content.decode()

    # Wednesday is today; Monday and Tuesday are past, Sunday beyond the horizon.
    for closed in ["2027-03-01", "2027-03-02", "2027-03-07"]:
        assert f'id="day-{closed}"' not in html
    for open_day in ["2027-03-03", "2027-03-04", "2027-03-05", "2027-03-06"]:
        assert f'id="day-{open_day}"' in html
    assert "cannot be booked" in html
    assert "Later days" not in html


def test_the_later_link_shows_the_next_fortnight(client: Client, classical, anna, two_rooms):
    html = client.get(CLASSICAL_URL).content.decode()
    assert 'href="/en/booking/classical-foot-30/?week=2027-03-15"' in html
    assert "Earlier days" not in html

    later = client.get(CLASSICAL_URL, {"week": "2027-03-15"}).content.decode()

    assert 'id="day-2027-03-15"' in later
    assert 'id="day-2027-03-01"' not in later
    assert "Monday 15 March" in later
    assert 'href="/en/booking/classical-foot-30/?week=2027-03-01"' in later


def test_a_full_day_says_so_and_points_to_the_next_free_one(
    client: Client, classical, anna, two_rooms
):
    html = client.get(CLASSICAL_URL, {"on": "2027-03-07"}).content.decode()

    assert "Sunday 7 March" in html
    assert "No free times on this day" in html
    assert (
        'The next day with free times is <a href="/en/booking/classical-foot-30/?on=2027-03-08"'
        in html
    )


def test_times_follow_the_studio_clock_across_the_change_to_summer_time(
    client: Client, classical, anna, two_rooms
):
    # Clocks go forward on Sunday 28 March 2027: 09:00 is 08:00 UTC
    # before and 07:00 UTC after.
    before = client.get(CLASSICAL_URL, {"on": "2027-03-27"}).content.decode()
    after = client.get(CLASSICAL_URL, {"on": "2027-03-29"}).content.decode()

    assert "start=2027-03-27T08%3A00Z" in before
    assert "start=2027-03-29T07%3A00Z" in after
    assert times_of(after)[0] == "09:00"


def test_a_booked_time_is_not_offered(client: Client, classical, anna, two_rooms, guest_details):
    book_appointment(
        offering=classical,
        start_at=at(TUESDAY, "10:00"),
        client=guest_details,
        source="web",
        actor=Actor.guest(),
        now=NOW,
    )

    times = times_of(client.get(CLASSICAL_URL, {"on": "2027-03-02"}).content.decode())

    # 30 minutes and 10 minutes' buffer, so 09:30 and 10:15 cannot start either.
    assert {"09:15", "10:45"} <= set(times)
    assert not {"09:30", "10:00", "10:15", "10:30"} & set(times)


def test_bad_query_values_are_ignored(client: Client, classical, anna, two_rooms):
    response = client.get(CLASSICAL_URL, {"on": "someday", "week": "x", "therapist": "999"})

    assert response.status_code == 200
    assert "Monday 1 March" in response.content.decode()


def test_an_unknown_or_inactive_offering_is_a_404(client: Client, classical, anna):
    assert client.get("/en/booking/hot-stones-60/").status_code == 404
    classical.massage_type.is_active = False
    classical.massage_type.save(update_fields=["is_active"])

    assert client.get(CLASSICAL_URL).status_code == 404


def test_the_picker_says_which_health_answers_rule_the_massage_out(
    client: Client, vacuum, anna, two_rooms
):
    html = client.get("/en/booking/vacuum-hip-45/").content.decode()

    assert "Not given with</strong> varicose veins or other vein problems, pregnancy" in html
    assert "Vacuum device" in html


def test_the_picker_loads_nothing_from_elsewhere(client: Client, classical, anna):
    html = client.get(CLASSICAL_URL).content.decode()

    assert '<script src="/static/studio/vendor/htmx.min.js" defer></script>' in html
    addresses = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert all(address.startswith(("/", "#", "tel:")) for address in addresses), addresses


def test_the_picker_takes_a_fixed_number_of_queries(
    client: Client, vacuum, anna, ben, two_rooms, guest_details, django_assert_num_queries
):
    """However many days, appointments and therapists, and with a therapist chosen or not.

    1. the offering with its massage type, 2. its areas, 3. the type's
    equipment, 4. the type's health rules, 5. the therapists for the
    choice, 6. the other offerings, to add one after it; then the
    engine's four: 7. therapists, 8. their hours (on PostgreSQL read
    with the therapists), 9. the offering's resource kinds with their
    resources, 10. time off with appointments and the resources'
    allocations (on PostgreSQL sent with the resources).
    """
    queries = 8 if connection.vendor == "postgresql" else 10
    vacuum_device()
    with django_assert_num_queries(queries):
        client.get("/en/booking/vacuum-hip-45/")

    for day in range(2, 6):
        book_appointment(
            offering=vacuum,
            start_at=at(date(2027, 3, day), "10:00"),
            client=guest_details,
            source="web",
            actor=Actor.guest(),
            now=NOW,
        )
    extra = TherapistFactory.create(skills=["vacuum"])
    give_hours(extra, (time(8), time(20)))

    with django_assert_num_queries(queries):
        client.get("/en/booking/vacuum-hip-45/", {"therapist": anna.id, "week": "2027-03-15"})


def test_start_values_are_utc_to_the_minute():
    assert slot_value(at(TUESDAY, "10:00")) == "2027-03-02T09:00Z"
