from datetime import timedelta

import pytest
import time_machine
from django.db import connection

from tests.booking.conftest import NOW, TUESDAY, at

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def ask(api, **params):
    return api.get("/api/v1/availability/", params)


def test_availability_lists_slots_in_the_studio_zone_with_offsets(api, classical, anna, two_rooms):
    response = ask(api, offering=classical.id, start=TUESDAY, end=TUESDAY)

    assert response.status_code == 200
    body = response.json()
    assert body["offering"] == classical.id
    assert body["time_zone"] == "Europe/Berlin"
    assert body["slots"][0] == {
        "start": "2027-03-02T09:00:00+01:00",
        "end": "2027-03-02T09:30:00+01:00",
        "therapists": [anna.id],
    }
    assert len(body["slots"]) == 30


def test_availability_can_be_narrowed_to_one_therapist(api, classical, anna, ben, two_rooms):
    body = ask(api, offering=classical.id, start=TUESDAY, end=TUESDAY, therapist=ben.id).json()

    assert {tuple(slot["therapists"]) for slot in body["slots"]} == {(ben.id,)}


def test_a_range_longer_than_the_cap_is_a_400_on_end(api, classical):
    response = ask(api, offering=classical.id, start=TUESDAY, end=TUESDAY + timedelta(days=31))

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert list(error["fields"]) == ["end"]


def test_an_end_before_the_start_is_a_400(api, classical):
    response = ask(api, offering=classical.id, start=TUESDAY, end=TUESDAY - timedelta(days=1))

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["end"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"start": "2027-03-02", "end": "2027-03-02"}, "offering"),
        ({"offering": 999999, "start": "2027-03-02", "end": "2027-03-02"}, "offering"),
        ({"offering": "x", "start": "2027-03-02", "end": "2027-03-02"}, "offering"),
        ({"offering": 1, "start": "tomorrow", "end": "2027-03-02"}, "start"),
        ({"offering": 1, "start": "2027-03-02"}, "end"),
        (
            {"offering": 1, "start": "2027-03-02", "end": "2027-03-02", "therapist": 999},
            "therapist",
        ),
        ({"offering": 1, "start": "2027-03-02", "end": "2027-03-02", "colour": "red"}, "colour"),
    ],
)
def test_bad_availability_queries_are_400s_naming_the_field(api, params, field):
    response = api.get("/api/v1/availability/", params)

    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_availability_takes_the_same_queries_for_a_month_as_for_a_day(
    api, classical, anna, ben, two_rooms, django_assert_num_queries
):
    # 1. the offering (validation), then the engine's four: therapists,
    # working hours (on PostgreSQL read with the therapists), resource
    # kinds with their resources, time off with appointments and
    # allocations (on PostgreSQL sent with the resources).
    queries = 3 if connection.vendor == "postgresql" else 5
    with django_assert_num_queries(queries):
        ask(api, offering=classical.id, start=TUESDAY, end=TUESDAY)
    with django_assert_num_queries(queries):
        ask(api, offering=classical.id, start=TUESDAY, end=TUESDAY + timedelta(days=30))


def test_a_booked_slot_disappears_from_availability(api, classical, anna, two_rooms):
    api.post(
        "/api/v1/appointments/",
        {
            "offering": classical.id,
            "start": at(TUESDAY, "10:00").isoformat(),
            "client": {"name": "Mira", "email": "mira@example.com", "phone": "+49 30 1234567"},
        },
        format="json",
    )

    starts = [
        s["start"]
        for s in ask(api, offering=classical.id, start=TUESDAY, end=TUESDAY).json()["slots"]
    ]

    assert "2027-03-02T10:00:00+01:00" not in starts
    assert "2027-03-02T09:00:00+01:00" in starts
