"""Future bookings one address holds at once, and the hashed address a booking keeps for it."""

import io
import json
import uuid
from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client as Browser
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from booking.models import Appointment
from booking.services import (
    Actor,
    ClientDetails,
    book_appointment,
    cancel_appointment,
    erase_client,
    export_client,
    forget_booking_addresses,
)
from booking.services import limits as limits_service
from booking.site_forms import slot_value
from tests.booking.conftest import NOW, TUESDAY, at

pytestmark = pytest.mark.django_db

HOME = "198.51.100.7"
NEIGHBOUR = "203.0.113.9"
HOURS = ["9:00", "10:00", "11:00", "12:00", "14:00", "15:00", "16:00", "17:00"]


@pytest.fixture(autouse=True)
def frozen():
    """Monday 1 March 2027, 07:00 UTC."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def limits(settings):
    """Three bookings held per address; every other limit out of the way."""
    settings.STUDIO_LIMIT_ACTIVE_BOOKINGS_PER_IP = 3
    settings.STUDIO_LIMIT_BOOKINGS_PER_HOUR_PER_IP = 100
    settings.STUDIO_LIMIT_BOOKINGS_PER_HOUR_PER_EMAIL = 100
    settings.STUDIO_LIMIT_BOOKINGS_PER_HOUR_PER_PHONE = 100
    settings.STUDIO_LIMIT_ACTIVE_BOOKINGS = 100
    settings.STUDIO_LIMIT_CHANGES_PER_BOOKING = 100
    settings.TRUSTED_PROXIES = 0
    settings.STUDIO_PHONE = "+49 30 5550100"
    return settings


def starts(count: int):
    """`count` starts on the hour from Tuesday on, none overlapping another."""
    days = [TUESDAY + timedelta(days=offset) for offset in range(4)]
    return [at(day, clock) for day in days for clock in HOURS][:count]


def book(api, offering, start, number: int, address: str = HOME, **headers):
    """A booking through the API with an e-mail and phone never used before."""
    return api.post(
        "/api/v1/appointments/",
        {
            "offering": offering.id,
            "start": start.isoformat(),
            "client": {
                "name": f"Client {number}",
                "email": f"made-up{number}@example.com",
                "phone": f"+49 30 {2000000 + number}",
            },
        },
        format="json",
        REMOTE_ADDR=address,
        **headers,
    )


def fill(offering, count: int = 3, address: str = HOME) -> list[dict]:
    """`count` bookings from `address`, each under a fresh e-mail and phone."""
    answers = [
        book(APIClient(), offering, start, n, address) for n, start in enumerate(starts(count))
    ]
    assert [answer.status_code for answer in answers] == [201] * count
    return [answer.json() for answer in answers]


def form(start, number: int) -> dict:
    """The booking form, filled in with an e-mail and phone never used before."""
    return {
        "idempotency_key": str(uuid.uuid4()),
        "start": slot_value(start),
        "therapist": "",
        "name": f"Form Client {number}",
        "email": f"form{number}@example.com",
        "phone": f"+49 30 {3000000 + number}",
        "vein_problems": "no",
        "pregnancy": "no",
        "recent_injury": "no",
        "skin_condition": "no",
        "note": "",
        "consent": "on",
    }


def whole_database() -> str:
    out = io.StringIO()
    call_command("dumpdata", stdout=out)
    return out.getvalue()


# The limit ---------------------------------------------------------------


def test_one_address_holds_only_so_many_future_bookings_whatever_the_emails(
    classical, anna, two_rooms, frozen
):
    first, *_ = fill(classical)
    # A new hour, and the hourly counts gone: only the bookings held count.
    frozen.move_to(NOW + timedelta(hours=1))
    cache.clear()
    now = NOW + timedelta(hours=1)

    refused = book(APIClient(), classical, starts(4)[3], 99)

    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "rate_limited"
    message = refused.json()["error"]["message"]
    assert "3 upcoming bookings have been made online from your network" in message
    assert "call the studio on +49 30 5550100" in message
    # A place frees itself when the first of them starts.
    first_start = Appointment.objects.get(pk=first["id"]).start_at
    assert refused["Retry-After"] == str(int((first_start - now).total_seconds()))
    assert Appointment.objects.count() == 3


def test_a_forged_x_forwarded_for_does_not_spread_the_bookings_held(classical, anna, two_rooms):
    answers = [
        book(APIClient(), classical, start, n, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
        for n, start in enumerate(starts(4))
    ]

    assert [answer.status_code for answer in answers] == [201, 201, 201, 429]


def test_another_address_still_books_when_one_holds_the_most(classical, anna, two_rooms):
    fill(classical)

    booked = book(APIClient(), classical, starts(4)[3], 99, address=NEIGHBOUR)

    assert booked.status_code == 201


def test_an_ipv6_client_is_counted_by_its_64(classical, anna, two_rooms):
    addresses = ["2001:db8:1:2::1", "2001:db8:1:2::2", "2001:db8:1:2:ffff::3", "2001:db8:1:2::4"]
    answers = [
        book(APIClient(), classical, start, n, address)
        for n, (start, address) in enumerate(zip(starts(4), addresses, strict=True))
    ]
    other_64 = book(APIClient(), classical, starts(5)[4], 98, "2001:db8:1:3::1")

    assert [answer.status_code for answer in answers] == [201, 201, 201, 429]
    assert other_64.status_code == 201


def test_cancelling_one_of_them_frees_a_place(classical, anna, two_rooms):
    first, *_ = fill(classical)
    cancel_appointment(
        appointment=Appointment.objects.get(pk=first["id"]), actor=Actor.guest(), now=NOW
    )

    booked = book(APIClient(), classical, starts(4)[3], 99)

    assert booked.status_code == 201


def test_bookings_that_have_started_no_longer_count(classical, anna, two_rooms, frozen):
    fill(classical)
    frozen.move_to(starts(1)[0] + timedelta(minutes=1))

    booked = book(APIClient(), classical, starts(4)[3], 99)

    assert booked.status_code == 201


def test_the_limit_off_lets_one_address_hold_more(classical, anna, two_rooms, limits):
    limits.STUDIO_LIMIT_ACTIVE_BOOKINGS_PER_IP = 0
    fill(classical)

    booked = book(APIClient(), classical, starts(4)[3], 99)

    assert booked.status_code == 201


def test_the_booking_form_is_refused_when_its_address_holds_the_most(classical, anna, two_rooms):
    fill(classical)
    url = reverse("booking:book", kwargs={"offering_slug": classical.slug})
    browser = Browser(REMOTE_ADDR=HOME)

    refused = browser.post(
        url,
        form(starts(4)[3], 4),
    )

    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "3 upcoming bookings have been made online from your network" in refused.content.decode()
    assert Appointment.objects.count() == 3


def test_an_integration_is_not_limited_and_its_bookings_keep_no_address(
    classical, anna, two_rooms, integration
):
    answers = [book(integration, classical, start, n) for n, start in enumerate(starts(5))]

    assert [answer.status_code for answer in answers] == [201] * 5
    assert set(Appointment.objects.values_list("booked_from", flat=True)) == {""}


def test_a_phone_booking_by_staff_keeps_no_address(classical, anna, two_rooms, admin_user):
    appointment = book_appointment(
        offering=classical,
        start_at=starts(1)[0],
        client=ClientDetails(name="Mira", email="mira@example.com", phone="+49 30 1234567"),
        source=Appointment.Source.ADMIN,
        actor=Actor.for_user(admin_user),
        now=NOW,
    )

    appointment.refresh_from_db()
    assert appointment.booked_from == ""


# What is stored ------------------------------------------------------------


def test_a_booking_keeps_a_keyed_hash_of_its_address_never_the_address(
    classical, anna, two_rooms, settings
):
    fill(classical, count=1)

    stored = Appointment.objects.get().booked_from
    assert stored == limits_service.booked_from_key(HOME)
    assert len(stored) == 64
    assert HOME not in stored
    # Keyed by SECRET_KEY: without it, the address cannot be found again.
    settings.SECRET_KEY = "another-" + settings.SECRET_KEY
    assert limits_service.booked_from_key(HOME) != stored


def test_the_address_appears_nowhere_in_the_database(classical, anna, two_rooms):
    fill(classical, count=2)
    url = reverse("booking:book", kwargs={"offering_slug": classical.slug})
    browser = Browser(REMOTE_ADDR=HOME)
    sent = browser.post(
        url,
        form(starts(3)[2], 3),
    )
    assert sent.status_code == 303
    hashes = set(Appointment.objects.values_list("booked_from", flat=True))

    everything = whole_database()

    assert hashes == {limits_service.booked_from_key(HOME)}
    assert next(iter(hashes)) in everything  # the search finds what is there
    assert HOME not in everything


def test_an_address_that_is_not_one_is_still_hashed():
    assert limits_service.booked_from_key("unix-socket") != "unix-socket"
    assert limits_service.booked_from_key("") == ""


# Privacy -----------------------------------------------------------------


def test_the_export_shows_the_hash_of_the_address_booked_from(classical, anna, two_rooms):
    fill(classical, count=1)
    appointment = Appointment.objects.get()

    exported = export_client(client=appointment.client)

    assert exported["appointments"][0]["booked_from_hash"] == appointment.booked_from
    assert HOME not in json.dumps(exported)


def test_erasing_a_client_clears_the_address_their_bookings_came_from(classical, anna, two_rooms):
    fill(classical, count=1, address=NEIGHBOUR)
    appointment = Appointment.objects.get()
    cancel_appointment(appointment=appointment, actor=Actor.guest(), now=NOW)

    erase_client(client=appointment.client, by=Actor(label="test"), now=NOW)

    appointment.refresh_from_db()
    assert appointment.booked_from == ""


def test_the_sweep_forgets_the_address_of_bookings_no_longer_to_come(classical, anna, two_rooms):
    past, cancelled, future = fill(classical)
    cancel_appointment(
        appointment=Appointment.objects.get(pk=cancelled["id"]), actor=Actor.guest(), now=NOW
    )
    first_over = Appointment.objects.get(pk=past["id"]).start_at + timedelta(minutes=1)

    cleared = forget_booking_addresses(now=first_over)

    assert cleared == 2
    kept = dict(Appointment.objects.values_list("id", "booked_from"))
    assert kept[Appointment.objects.get(pk=past["id"]).pk] == ""
    assert kept[Appointment.objects.get(pk=cancelled["id"]).pk] == ""
    assert kept[Appointment.objects.get(pk=future["id"]).pk] == limits_service.booked_from_key(HOME)


def test_the_sweep_takes_one_read_and_two_writes_per_batch(
    classical, anna, two_rooms, django_assert_num_queries
):
    fill(classical)
    later = starts(4)[3]

    # The appointments no longer to come that keep an address; then
    # their clearing, and the clearing of their visits' copy.
    with django_assert_num_queries(3):
        forget_booking_addresses(now=later)
    # Nothing left to clear: the one read finds nothing.
    with django_assert_num_queries(1):
        assert forget_booking_addresses(now=later) == 0


def test_the_sweep_runs_every_hour(settings):
    tasks = {entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert tasks["booking.tasks.forget_booking_addresses"] == 3600.0


def plan_of_the_query_naming_booked_from(run) -> str:
    """PostgreSQL's plan for the query `run` sends that reads `booked_from`.

    Sequential scans are ruled out, so the plan takes an index wherever
    one serves the query.
    """
    with CaptureQueriesContext(connection) as queries:
        run()
    (sql,) = [
        query["sql"]
        for query in queries.captured_queries
        if query["sql"].startswith("SELECT") and "booked_from" in query["sql"]
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.postgres
def test_the_limit_per_address_reads_only_bookings_to_come_through_an_index(
    classical, anna, two_rooms
):
    fill(classical, count=1)

    def count_held() -> None:
        with limits_service.limit_booking(
            ip=HOME, email="new@example.com", phone="+49 30 4000000", now=NOW
        ):
            pass

    # Counted with the bookings per e-mail and phone, in one query over
    # the bookings after now: its cost follows them, not the history.
    plan = plan_of_the_query_naming_booked_from(count_held)
    assert "Seq Scan" not in plan
    assert "start_at >" in plan or "booking_appt_booked_from" in plan


@pytest.mark.postgres
def test_the_sweep_reads_through_the_partial_index(classical, anna, two_rooms):
    fill(classical, count=1)

    def sweep() -> None:
        forget_booking_addresses(now=NOW + timedelta(days=30))

    assert "booking_appt_booked_from" in plan_of_the_query_naming_booked_from(sweep)
