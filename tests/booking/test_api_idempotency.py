"""`Idempotency-Key`: only a booking made is replayed, per caller, from the appointment."""

import hashlib
from uuid import UUID

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.forms.models import model_to_dict
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from booking.models import Appointment, IdempotencyKey
from booking.services import idempotency
from tests.booking.conftest import NOW, TUESDAY, at

pytestmark = pytest.mark.django_db

MIRA = {"name": "Mira Example", "email": "mira@example.com", "phone": "+49 30 1234567"}
OLGA = {"name": "Olga Other", "email": "olga@example.com", "phone": "+49 30 7654321"}


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def booking(offering, start, client=None, **extra) -> dict:
    return {
        "offering": offering.id,
        "start": start.isoformat(),
        "client": client or MIRA,
        **extra,
    }


def post(api, body, key):
    return api.post("/api/v1/appointments/", body, format="json", headers={"Idempotency-Key": key})


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def test_a_400_is_not_kept_so_the_corrected_body_books(api, classical, anna, two_rooms):
    wrong = booking(classical, at(TUESDAY, "10:00"), client={**MIRA, "phone": "call me"})

    first = post(api, wrong, "k")
    assert not IdempotencyKey.objects.exists()
    second = post(api, booking(classical, at(TUESDAY, "10:00")), "k")

    assert first.status_code == 400
    assert first.json()["error"]["code"] == "invalid"
    assert second.status_code == 201
    assert Appointment.objects.count() == 1


def test_a_409_for_a_taken_time_is_not_kept(api, classical, anna, two_rooms):
    post(api, booking(classical, at(TUESDAY, "10:00"), client=OLGA), "olga")

    response = post(api, booking(classical, at(TUESDAY, "10:00")), "k")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "slot_unavailable"
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["olga"]


def test_a_refusal_by_a_rule_is_not_kept(api, vacuum, anna, two_rooms):
    response = post(
        api, booking(vacuum, at(TUESDAY, "10:00"), health={"pregnancy": True}, consent=True), "k"
    )

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "ruled_out"
    assert not IdempotencyKey.objects.exists()


def test_a_kept_booking_holds_its_appointment_and_hashes_only(api, classical, anna, two_rooms):
    body = booking(
        classical, at(TUESDAY, "10:00"), health={"note": "Sore knee"}, notes="Hi", consent=True
    )

    created = post(api, body, "k").json()

    row = IdempotencyKey.objects.get()
    assert row.owner == "anon:" + sha256("mira@example.com")
    assert (row.key, row.state, row.response_status) == ("k", "done", 201)
    assert row.request_hash == idempotency.fingerprint(body)
    assert str(row.appointment_id) == created["id"]
    stored = " ".join(str(value) for value in model_to_dict(row).values())
    for personal in [*MIRA.values(), "mira", "Sore knee", "Hi", created["manage_token"]]:
        assert personal not in stored


def test_a_replay_renders_the_appointment_as_it_is_now(api, classical, anna, two_rooms):
    body = booking(classical, at(TUESDAY, "10:00"))
    first = post(api, body, "k").json()
    Appointment.objects.update(status="cancelled", manage_token="a-new-token")

    again = post(api, body, "k")

    assert again.status_code == 201
    assert again.json() == {**first, "status": "cancelled", "manage_token": "a-new-token"}
    assert Appointment.objects.count() == 1


def test_another_anonymous_caller_with_the_same_key_and_body_gets_a_booking_of_their_own(
    api, classical, anna, ben, two_rooms
):
    mira = post(api, booking(classical, at(TUESDAY, "10:00")), "shared").json()

    olga = post(APIClient(), booking(classical, at(TUESDAY, "10:00"), client=OLGA), "shared")

    assert olga.status_code == 201
    assert olga.json()["id"] != mira["id"]
    assert olga.json()["manage_token"] != mira["manage_token"]
    assert Appointment.objects.get(pk=olga.json()["id"]).contact_email == "olga@example.com"
    assert set(IdempotencyKey.objects.values_list("owner", flat=True)) == {
        "anon:" + sha256("mira@example.com"),
        "anon:" + sha256("olga@example.com"),
    }


def test_another_anonymous_caller_never_receives_the_first_callers_token(
    api, classical, anna, two_rooms
):
    mira = post(api, booking(classical, at(TUESDAY, "10:00")), "shared").json()

    # Only Anna works, so Olga's booking of the same time is refused.
    olga = post(APIClient(), booking(classical, at(TUESDAY, "10:00"), client=OLGA), "shared")

    assert olga.status_code == 409
    assert olga.json()["error"]["code"] == "slot_unavailable"
    assert mira["manage_token"] not in olga.content.decode()


def test_the_same_email_key_and_body_from_another_connection_is_a_replay(
    api, classical, anna, two_rooms
):
    body = booking(classical, at(TUESDAY, "10:00"))
    first = post(api, body, "k")

    again = post(APIClient(), body, "k")

    assert again.status_code == 201
    assert again.json() == first.json()
    assert Appointment.objects.count() == 1


def test_the_email_in_another_letter_case_is_the_same_caller(api, classical, anna, two_rooms):
    post(api, booking(classical, at(TUESDAY, "10:00")), "k")
    shouting = {**MIRA, "email": "MIRA@Example.COM"}

    response = post(api, booking(classical, at(TUESDAY, "10:00"), client=shouting), "k")

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    assert Appointment.objects.count() == 1


def test_a_user_with_a_token_has_a_key_space_of_their_own(
    django_user_model, classical, anna, two_rooms
):
    user = django_user_model.objects.create_user("crm")
    user.groups.add(Group.objects.get(name="integrations"))
    integration = APIClient()
    integration.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")

    response = post(integration, booking(classical, at(TUESDAY, "10:00")), "k")

    assert response.status_code == 201
    assert IdempotencyKey.objects.get().owner == f"user:{user.pk}"


def test_a_body_without_an_email_is_a_400_and_leaves_no_key(api, classical, anna, two_rooms):
    response = post(api, booking(classical, at(TUESDAY, "10:00"), client={"name": "Mira"}), "k")

    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"client.email", "client.phone"}
    assert not IdempotencyKey.objects.exists()


def test_a_body_without_an_email_is_scoped_to_itself():
    body = {"client": {"name": "Mira"}}

    owner = idempotency.key_owner(user_id=None, body=body)

    assert owner == "body:" + idempotency.fingerprint(body)
    assert idempotency.key_owner(user_id=None, body=[1]) != owner


def test_the_same_key_with_another_body_while_the_first_runs_is_a_409(
    api, classical, anna, two_rooms
):
    first = booking(classical, at(TUESDAY, "10:00"))
    idempotency.claim(owner=idempotency.key_owner(user_id=None, body=first), key="k", body=first)

    response = post(api, booking(classical, at(TUESDAY, "11:00")), "k")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "idempotency_key_in_progress"
    assert not Appointment.objects.exists()


@pytest.mark.parametrize("key", ["", "k" * 256, "bad\x00key", "line\nbreak"])
def test_a_key_that_is_empty_too_long_or_unprintable_is_a_400(api, classical, key):
    response = post(api, booking(classical, at(TUESDAY, "10:00")), key)

    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["code"], list(error["fields"])) == ("invalid", ["Idempotency-Key"])
    assert not IdempotencyKey.objects.exists()
    assert not Appointment.objects.exists()


def test_a_clients_keys_are_forgotten_by_email_and_by_appointment(
    api, classical, anna, two_rooms, django_user_model
):
    by_email = post(api, booking(classical, at(TUESDAY, "10:00")), "mine").json()
    staff = django_user_model.objects.create_user("reception")
    staff.groups.add(Group.objects.get(name="integrations"))
    api.force_authenticate(staff)
    by_staff = post(api, booking(classical, at(TUESDAY, "11:00")), "staff").json()
    api.force_authenticate(None)
    post(api, booking(classical, at(TUESDAY, "12:00"), client=OLGA), "olga")

    deleted = idempotency.forget_client_keys(
        emails=["Mira@example.com"], appointment_ids=[UUID(by_staff["id"])]
    )

    assert deleted == 2
    assert by_email["id"] != by_staff["id"]
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["olga"]


def test_deleting_an_appointment_deletes_its_keys(api, classical, anna, two_rooms):
    created = post(api, booking(classical, at(TUESDAY, "10:00")), "k").json()

    Appointment.objects.filter(pk=created["id"]).delete()

    assert not IdempotencyKey.objects.exists()
