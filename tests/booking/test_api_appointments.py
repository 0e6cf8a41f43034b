import uuid
from datetime import timedelta

import pytest
import time_machine

from booking.models import Appointment, Client, IdempotencyKey
from booking.services import idempotency
from tests.booking.conftest import NOW, TUESDAY, at
from tests.factories import TherapistFactory, vacuum_device

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def booking(offering, start, **extra) -> dict:
    return {
        "offering": offering.id,
        "start": start.isoformat(),
        "client": {"name": "Mira Example", "email": "mira@example.com", "phone": "+49 30 1234567"},
        **extra,
    }


def book(api, offering, start, headers=None, **extra):
    return api.post(
        "/api/v1/appointments/", booking(offering, start, **extra), format="json", headers=headers
    )


def test_booking_answers_201_with_the_contract_fields(api, classical, anna, two_rooms):
    response = book(
        api, classical, at(TUESDAY, "10:00"), health={"vein_problems": False}, consent=True
    )

    assert response.status_code == 201
    body = response.json()
    assert {"id", "status", "start", "end", "offering", "therapist", "manage_token"} <= set(body)
    assert uuid.UUID(body["id"])
    assert body["status"] == "confirmed"
    assert body["start"] == "2027-03-02T10:00:00+01:00"
    assert body["end"] == "2027-03-02T10:30:00+01:00"
    assert (body["offering"], body["therapist"]) == (classical.id, anna.id)
    appointment = Appointment.objects.get()
    assert appointment.source == "api"
    assert appointment.health == {"vein_problems": False}


def test_the_second_booking_of_a_time_is_a_409(api, classical, anna, two_rooms):
    assert book(api, classical, at(TUESDAY, "10:00")).status_code == 201

    response = book(api, classical, at(TUESDAY, "10:00"))

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "slot_unavailable"
    assert Appointment.objects.count() == 1


def test_the_last_vacuum_device_is_a_409_for_the_second_therapist(
    api, vacuum, anna, ben, two_rooms
):
    vacuum_device()
    assert book(api, vacuum, at(TUESDAY, "10:00"), therapist=anna.id).status_code == 201

    response = book(api, vacuum, at(TUESDAY, "10:00"), therapist=ben.id)

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "slot_unavailable"


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"offering": 999999}, "offering", "invalid"),
        ({"start": "2027-02-28T10:00:00+01:00"}, "start", "too_soon"),
        ({"start": "2027-06-01T10:00:00+02:00"}, "start", "beyond_horizon"),
        ({"start": "2027-03-02T10:05:00+01:00"}, "start", "off_step"),
        ({"start": "2027-03-02T13:00:00+01:00"}, "start", "outside_hours"),
        ({"start": "2027-03-02T10:00:00"}, "start", "invalid"),
        ({"start": "soon"}, "start", "invalid"),
        ({"start": None}, "start", "invalid"),
        (
            {"client": {"name": "Mira", "email": "not-an-email", "phone": "+49 30 1234567"}},
            "client.email",
            "invalid",
        ),
        (
            {"client": {"name": "Mira", "email": "mira@example.com", "phone": "call me"}},
            "client.phone",
            "invalid",
        ),
        ({"client": {"name": "Mira", "email": "mira@example.com"}}, "client.phone", "invalid"),
        ({"client": "Mira"}, "client.non_field_errors", "invalid"),
        ({"health": {"pregnancy": "perhaps"}}, "health.pregnancy", "invalid"),
        ({"status": "completed"}, "status", "invalid"),
        ({"price": "0.00"}, "price", "invalid"),
        ({"source": "admin"}, "source", "invalid"),
    ],
)
def test_bad_bookings_are_400s_naming_the_field_and_write_nothing(
    api, classical, anna, two_rooms, change, field, code
):
    body = booking(classical, at(TUESDAY, "10:00"))
    body.update(change)

    response = api.post("/api/v1/appointments/", body, format="json")

    assert response.status_code == 400, response.json()
    error = response.json()["error"]
    assert error["code"] == code
    assert field in error["fields"]
    assert not Appointment.objects.exists()
    assert not Client.objects.exists()


def test_a_therapist_without_the_skill_is_a_400_on_therapist(api, classical, two_rooms):
    thai_only = TherapistFactory.create(skills=["thai"])

    response = book(api, classical, at(TUESDAY, "10:00"), therapist=thai_only.id)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "not_qualified"
    assert list(response.json()["error"]["fields"]) == ["therapist"]


def test_every_bad_field_is_named_at_once(api, classical, anna, two_rooms):
    body = {
        "offering": classical.id,
        "start": "2027-03-02T10:00:00",
        "client": {"name": "Mira", "email": "x", "phone": "1"},
        "status": "completed",
    }

    response = api.post("/api/v1/appointments/", body, format="json")

    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {
        "start",
        "client.email",
        "client.phone",
        "status",
    }


def test_a_missing_body_names_every_required_field(api, db):
    response = api.post("/api/v1/appointments/", {}, format="json")

    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"offering", "start", "client"}


def test_a_body_that_is_not_json_is_a_400(api, db):
    response = api.post("/api/v1/appointments/", "{not json", content_type="application/json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"


class TestIdempotency:
    def test_a_repeated_key_with_the_same_body_returns_the_first_result(
        self, api, classical, anna, two_rooms
    ):
        first = book(api, classical, at(TUESDAY, "10:00"), headers={"Idempotency-Key": "k-1"})
        second = book(api, classical, at(TUESDAY, "10:00"), headers={"Idempotency-Key": "k-1"})

        assert first.status_code == second.status_code == 201
        assert first.json() == second.json()
        assert Appointment.objects.count() == 1

    def test_a_repeated_key_with_another_body_is_a_422(self, api, classical, anna, two_rooms):
        book(api, classical, at(TUESDAY, "10:00"), headers={"Idempotency-Key": "k-2"})

        response = book(api, classical, at(TUESDAY, "11:00"), headers={"Idempotency-Key": "k-2"})

        assert response.status_code == 422
        assert response.json()["error"]["code"] == "idempotency_key_reused"
        assert Appointment.objects.count() == 1

    def test_a_key_still_running_is_a_409(self, api, classical, anna, two_rooms):
        body = booking(classical, at(TUESDAY, "10:00"))
        idempotency.claim(
            owner=idempotency.key_owner(user_id=None, body=body), key="k-3", body=body
        )

        response = api.post(
            "/api/v1/appointments/", body, format="json", headers={"Idempotency-Key": "k-3"}
        )

        assert response.status_code == 409
        assert response.json()["error"]["code"] == "idempotency_key_in_progress"
        assert not Appointment.objects.exists()

    def test_a_refusal_is_not_replayed_once_the_time_is_free(self, api, classical, anna, two_rooms):
        book(api, classical, at(TUESDAY, "10:00"))
        first = book(api, classical, at(TUESDAY, "10:00"), headers={"Idempotency-Key": "k-4"})
        Appointment.objects.update(status="cancelled")

        second = book(api, classical, at(TUESDAY, "10:00"), headers={"Idempotency-Key": "k-4"})

        assert first.status_code == 409
        assert first.json()["error"]["code"] == "slot_unavailable"
        assert second.status_code == 201
        assert Appointment.objects.filter(status="confirmed").count() == 1

    def test_the_same_key_from_two_integrations_is_two_requests(
        self, api, integration, classical, anna, ben, two_rooms
    ):
        first = book(api, classical, at(TUESDAY, "10:00"), headers={"Idempotency-Key": "k-5"})
        second = book(
            integration, classical, at(TUESDAY, "10:00"), headers={"Idempotency-Key": "k-5"}
        )

        assert first.status_code == second.status_code == 201
        assert first.json()["id"] != second.json()["id"]


def test_a_ruled_out_booking_is_a_422_naming_the_health_answer(api, vacuum, anna, two_rooms):
    vacuum_device()

    response = book(api, vacuum, at(TUESDAY, "10:00"), health={"pregnancy": True}, consent=True)

    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "ruled_out"
    assert list(error["fields"]) == ["health.pregnancy"]
    assert "pregnancy" in error["message"]


def test_idempotency_keys_are_forgotten_after_a_day(db):
    body = {"offering": 1}
    idempotency.claim(owner="anonymous", key="old", body=body)
    IdempotencyKey.objects.filter(key="old").update(created_at=NOW - timedelta(days=1, seconds=1))
    idempotency.claim(owner="anonymous", key="new", body=body)

    assert idempotency.forget_old_keys(now=NOW) == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["new"]


def test_the_clients_consent_is_recorded_with_its_time(api, classical, anna, two_rooms):
    with_consent = book(api, classical, at(TUESDAY, "10:00"), consent=True).json()
    without = book(api, classical, at(TUESDAY, "11:00")).json()

    assert Appointment.objects.get(pk=with_consent["id"]).consented_at == NOW
    assert Appointment.objects.get(pk=without["id"]).consented_at is None
