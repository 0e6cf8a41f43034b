"""The visits API: a couples massage and "foot, then back" booked, read, moved, cancelled as one."""

import uuid
from datetime import time, timedelta

import pytest
from django.db import connection, transaction
from rest_framework.test import APIClient

from booking.models import Appointment, Client, IdempotencyKey, Visit
from booking.services import idempotency
from tests.booking.conftest import MIRA, OLGA, TUESDAY, assert_error, at
from tests.factories import TherapistFactory, give_hours, vacuum_device

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


def part(offering, start, **extra) -> dict:
    return {"offering": offering.id, "start": start.isoformat(), **extra}


def couples(offering, start, **extra) -> dict:
    """Mira and her guest Olga side by side."""
    return {
        "client": MIRA,
        "appointments": [part(offering, start), part(offering, start, guest={"name": "Olga"})],
        **extra,
    }


def one_after_the_other(first, second, start, **extra) -> dict:
    later = start + timedelta(minutes=first.duration_minutes)
    return {"client": MIRA, "appointments": [part(first, start), part(second, later)], **extra}


def book(api, body, headers=None):
    return api.post("/api/v1/visits/", body, format="json", headers=headers)


@pytest.fixture
def couple_booked(api, for_two, anna, ben, room_for_two) -> dict:
    response = book(api, couples(for_two, at(TUESDAY, "10:00")))
    assert response.status_code == 201, response.content
    return response.json()


def test_a_couples_massage_is_one_visit_of_two_appointments_at_once(
    couple_booked, for_two, anna, ben
):
    assert uuid.UUID(couple_booked["id"])
    assert couple_booked["status"] == "confirmed"
    assert couple_booked["start"] == "2027-03-02T10:00:00+01:00"
    assert couple_booked["end"] == "2027-03-02T10:30:00+01:00"
    assert couple_booked["manage_token"]
    # In start order, then by id: the couple's two in either order.
    first, second = couple_booked["appointments"]
    assert first["start"] == second["start"] == "2027-03-02T10:00:00+01:00"
    assert first["end"] == second["end"] == "2027-03-02T10:30:00+01:00"
    assert first["offering"] == second["offering"] == for_two.id
    assert {first["therapist"], second["therapist"]} == {anna.id, ben.id}
    assert [first["guest"], second["guest"]] in ([None, {"name": "Olga"}], [{"name": "Olga"}, None])
    visit = Visit.objects.get()
    assert str(visit.pk) == couple_booked["id"]
    assert visit.source == "api"
    assert sorted(visit.appointments.values_list("guest_name", flat=True)) == ["", "Olga"]


def test_foot_then_whole_leg_is_one_visit_one_after_the_other(
    api, classical, whole_leg, anna, two_rooms
):
    response = book(api, one_after_the_other(classical, whole_leg, at(TUESDAY, "10:00")))

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["start"], body["end"]) == (
        "2027-03-02T10:00:00+01:00",
        "2027-03-02T11:30:00+01:00",
    )
    foot, leg = body["appointments"]
    assert (foot["offering"], foot["end"]) == (classical.id, "2027-03-02T10:30:00+01:00")
    assert (leg["offering"], leg["start"]) == (whole_leg.id, "2027-03-02T10:30:00+01:00")
    assert foot["therapist"] == leg["therapist"] == anna.id
    assert Visit.objects.get().appointments.count() == 2


def test_health_answers_are_kept_per_person(api, for_two, anna, ben, room_for_two):
    body = couples(for_two, at(TUESDAY, "10:00"), consent=True, health={"vein_problems": True})
    body["appointments"][1]["health"] = {"vein_problems": False, "note": "Olga's knee"}

    assert book(api, body).status_code == 201

    answers = dict(Appointment.objects.values_list("guest_name", "health"))
    assert answers == {
        "": {"vein_problems": True},
        "Olga": {"vein_problems": False, "note": "Olga's knee"},
    }


def test_a_visit_whose_second_massage_is_taken_is_a_409_and_writes_nothing(
    api, classical, whole_leg, anna, two_rooms
):
    taken = {"client": OLGA, "appointments": [part(whole_leg, at(TUESDAY, "10:30"))]}
    assert book(api, taken).status_code == 201

    response = book(api, one_after_the_other(classical, whole_leg, at(TUESDAY, "10:00")))

    assert_error(response, 409, "slot_unavailable")
    assert Visit.objects.count() == Appointment.objects.count() == 1
    assert not Client.objects.filter(email=MIRA["email"]).exists()


def test_the_last_room_for_two_is_a_409_for_the_second_couple(
    api, for_two, anna, ben, room_for_two
):
    for therapist in TherapistFactory.create_batch(2, skills=["classical"]):
        give_hours(therapist, (time(9), time(18)), weekdays=range(6))
    assert book(api, couples(for_two, at(TUESDAY, "10:00"))).status_code == 201

    response = book(APIClient(), {**couples(for_two, at(TUESDAY, "10:00")), "client": OLGA})

    assert_error(response, 409, "slot_unavailable")
    assert Visit.objects.count() == 1


def test_two_people_for_a_massage_given_to_one_at_a_time_is_a_400(
    api, classical, anna, ben, room_for_two
):
    response = book(api, couples(classical, at(TUESDAY, "10:00")))

    assert_error(response, 400, "invalid_visit", "appointments")
    assert not Visit.objects.exists()


def test_massages_neither_together_nor_one_after_the_other_are_a_400(
    api, classical, whole_leg, anna, two_rooms
):
    body = {
        "client": MIRA,
        "appointments": [
            part(classical, at(TUESDAY, "10:00")),
            part(whole_leg, at(TUESDAY, "11:00")),
        ],
    }

    assert_error(book(api, body), 400, "invalid_visit", "appointments")
    assert not Visit.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"appointments": []}, "appointments"),
        ({"appointments": "two"}, "appointments"),
        ({"appointments.1.start": "2027-03-02T10:00:00"}, "appointments.1.start"),
        ({"appointments.1.start": None}, "appointments.1.start"),
        ({"appointments.0.offering": 999999}, "appointments.0.offering"),
        ({"appointments.1.therapist": "anna"}, "appointments.1.therapist"),
        ({"appointments.1.guest": {"name": " \n "}}, "appointments.1.guest.name"),
        ({"appointments.1.guest": {"name": "Olga", "age": 30}}, "appointments.1.guest.age"),
        ({"appointments.1.health": {"pregnancy": "perhaps"}}, "appointments.1.health.pregnancy"),
        ({"appointments.0.status": "completed"}, "appointments.0.status"),
        ({"client": {"name": "Mira", "email": "x", "phone": "1"}}, "client.email"),
        ({"health": {"pregnancy": "perhaps"}}, "health.pregnancy"),
        ({"source": "admin"}, "source"),
    ],
)
def test_bad_visits_are_400s_naming_the_field_and_write_nothing(
    api, for_two, anna, ben, room_for_two, change, field
):
    body = couples(for_two, at(TUESDAY, "10:00"))
    for path, value in change.items():
        if path.startswith("appointments."):
            _, number, name = path.split(".")
            body["appointments"][int(number)][name] = value
        else:
            body[path] = value

    response = book(api, body)

    assert_error(response, 400, "invalid", field)
    assert not Visit.objects.exists()


def test_more_massages_than_a_visit_holds_is_a_400(api, for_two, anna, ben, room_for_two):
    body = couples(for_two, at(TUESDAY, "10:00"))
    body["appointments"] *= 3

    assert_error(book(api, body), 400, "invalid", "appointments")


def test_every_bad_field_of_every_appointment_is_named_at_once(api, for_two, anna, ben):
    body = couples(for_two, at(TUESDAY, "10:00"))
    body["appointments"][0]["start"] = "soon"
    body["appointments"][1]["start"] = "2027-03-02T10:00:00"

    response = book(api, body)

    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {
        "appointments.0.start",
        "appointments.1.start",
    }


def test_the_clients_answers_given_twice_are_a_400_on_their_appointment(
    api, for_two, anna, ben, room_for_two
):
    body = couples(for_two, at(TUESDAY, "10:00"), consent=True, health={"vein_problems": False})
    body["appointments"][0]["health"] = {"vein_problems": True}

    assert_error(book(api, body), 400, "invalid", "appointments.0.health")


def test_the_clients_answers_without_a_massage_of_theirs_are_a_400(
    api, for_two, anna, ben, room_for_two
):
    body = couples(for_two, at(TUESDAY, "10:00"), consent=True, health={"vein_problems": False})
    body["appointments"][0]["guest"] = {"name": "Pia"}

    assert_error(book(api, body), 400, "invalid", "health")


def test_health_answers_without_consent_are_a_400(api, for_two, anna, ben, room_for_two):
    body = couples(for_two, at(TUESDAY, "10:00"))
    body["appointments"][1]["health"] = {"vein_problems": False}

    assert_error(book(api, body), 400, "consent_required", "consent")
    assert not Visit.objects.exists()


def test_a_guests_answer_that_rules_their_massage_out_is_a_422_naming_it(
    api, classical, vacuum, anna, two_rooms
):
    vacuum_device()
    body = one_after_the_other(classical, vacuum, at(TUESDAY, "10:00"), consent=True)
    body["appointments"][1].update(guest={"name": "Olga"}, health={"pregnancy": True})

    response = book(api, body)

    assert_error(response, 422, "ruled_out", "appointments.1.health.pregnancy")
    assert not Visit.objects.exists()


def test_a_start_no_rule_offers_is_a_400_on_the_first_appointment(
    api, for_two, anna, ben, room_for_two
):
    response = book(api, couples(for_two, at(TUESDAY, "10:05")))

    assert_error(response, 400, "off_step", "appointments.0.start")


def test_a_therapist_without_the_skill_is_a_400_on_their_appointment(
    api, for_two, anna, ben, room_for_two
):
    thai_only = TherapistFactory.create(skills=["thai"])
    body = couples(for_two, at(TUESDAY, "10:00"))
    body["appointments"][1]["therapist"] = thai_only.id

    assert_error(book(api, body), 400, "not_qualified", "appointments.1.therapist")


def test_a_visit_counts_once_against_the_hourly_limit_per_email(
    api, settings, classical, whole_leg, anna, two_rooms
):
    settings.STUDIO_LIMIT_BOOKINGS_PER_HOUR_PER_EMAIL = 1
    assert (
        book(api, one_after_the_other(classical, whole_leg, at(TUESDAY, "10:00"))).status_code
        == 201
    )

    response = book(api, one_after_the_other(classical, whole_leg, at(TUESDAY, "14:00")))

    assert_error(response, 429, "rate_limited")
    assert "Retry-After" in response
    assert Visit.objects.count() == 1


def test_booking_a_couples_visit_takes_a_fixed_number_of_queries(
    api, for_two, anna, ben, room_for_two, django_assert_num_queries
):
    body = couples(for_two, at(TUESDAY, "10:00"), consent=True, health={"vein_problems": False})
    # The body: 2 (each appointment's offering).
    # The limits: 1 (future bookings per e-mail or phone, or address).
    # book_visit: 6. Its savepoint; the client record, made or found in
    # one (on SQLite: looked up, then a savepoint, insert and release);
    # the schedule: the therapists (locked as read) with their hours
    # (on SQLite the hours are a query of their own), resource
    # kinds with their resources and, sent with them on PostgreSQL,
    # time off with appointments and allocations; the writes sent
    # together (booking.services.writes):
    # the visit, its 2 appointments in one, the room's one allocation,
    # the events in one, the reminders in one (on SQLite 5 queries);
    # release the savepoint; the webhook subscriptions (none here: no event is written).
    # The answer: 2 (the visit, its appointments).
    # The request throttle and the Idempotency-Key cost none here.
    with django_assert_num_queries(12 if connection.vendor == "postgresql" else 21):
        response = book(api, body)

    assert response.status_code == 201


class TestIdempotency:
    def test_a_repeated_key_with_the_same_body_returns_the_first_visit(
        self, api, for_two, anna, ben, room_for_two
    ):
        body = couples(for_two, at(TUESDAY, "10:00"))

        first = book(api, body, headers={"Idempotency-Key": "k"})
        second = book(api, body, headers={"Idempotency-Key": "k"})

        assert first.status_code == second.status_code == 201
        assert first.json() == second.json()
        assert Visit.objects.count() == 1
        assert str(IdempotencyKey.objects.get().visit_id) == first.json()["id"]

    def test_a_repeated_key_with_another_body_is_a_422(self, api, for_two, anna, ben, room_for_two):
        book(api, couples(for_two, at(TUESDAY, "10:00")), headers={"Idempotency-Key": "k"})

        response = book(
            api, couples(for_two, at(TUESDAY, "11:00")), headers={"Idempotency-Key": "k"}
        )

        assert_error(response, 422, "idempotency_key_reused")
        assert Visit.objects.count() == 1

    def test_a_key_still_running_is_a_409(self, api, for_two, anna, ben, room_for_two):
        body = couples(for_two, at(TUESDAY, "10:00"))
        idempotency.claim_visit(
            owner=idempotency.key_owner(user_id=None, body=body), key="k", body=body
        )

        response = book(api, body, headers={"Idempotency-Key": "k"})

        assert_error(response, 409, "idempotency_key_in_progress")
        assert not Visit.objects.exists()

    def test_a_key_that_booked_an_appointment_is_a_422_for_a_visit(
        self, api, for_two, anna, ben, room_for_two
    ):
        body = couples(for_two, at(TUESDAY, "10:00"))
        claimed = idempotency.claim(
            owner=idempotency.key_owner(user_id=None, body=body), key="k", body=body
        )
        assert isinstance(claimed, idempotency.Claim)
        appointment = book(api, couples(for_two, at(TUESDAY, "11:00"))).json()["appointments"][0]
        lead = Appointment.objects.get(pk=appointment["id"])
        with transaction.atomic():
            idempotency.keep(claimed, visit=lead.visit, lead=lead)

        response = book(api, body, headers={"Idempotency-Key": "k"})

        assert_error(response, 422, "idempotency_key_reused")

    def test_a_refusal_is_not_kept(self, api, for_two, anna, ben, room_for_two):
        first = book(api, couples(for_two, at(TUESDAY, "10:05")), headers={"Idempotency-Key": "k"})

        second = book(api, couples(for_two, at(TUESDAY, "10:00")), headers={"Idempotency-Key": "k"})

        assert first.status_code == 400
        assert second.status_code == 201


class TestGuestAccess:
    def test_a_guest_reads_their_visit_with_its_token(self, api, couple_booked):
        response = api.get(
            f"/api/v1/visits/{couple_booked['id']}/",
            headers={"X-Manage-Token": couple_booked["manage_token"]},
        )

        assert response.status_code == 200
        body = response.json()
        assert body["id"] == couple_booked["id"]
        assert len(body["appointments"]) == 2
        assert "manage_token" not in body

    def test_another_visits_token_is_a_404(self, api, couple_booked, for_two, anna, ben):
        theirs = book(APIClient(), {**couples(for_two, at(TUESDAY, "11:00")), "client": OLGA})

        response = api.get(
            f"/api/v1/visits/{theirs.json()['id']}/",
            headers={"X-Manage-Token": couple_booked["manage_token"]},
        )

        assert_error(response, 404, "not_found")

    def test_without_a_token_or_login_is_a_401(self, api, couple_booked):
        response = api.get(f"/api/v1/visits/{couple_booked['id']}/")

        assert_error(response, 401, "not_authenticated")

    def test_a_malformed_id_is_a_404(self, api, couple_booked):
        response = api.get(
            "/api/v1/visits/not-a-uuid/", headers={"X-Manage-Token": couple_booked["manage_token"]}
        )

        assert_error(response, 404, "not_found")

    def test_each_appointment_of_the_visit_is_reached_with_its_token(self, api, couple_booked):
        second = couple_booked["appointments"][1]

        response = api.get(
            f"/api/v1/appointments/{second['id']}/",
            headers={"X-Manage-Token": couple_booked["manage_token"]},
        )

        assert response.status_code == 200
        assert response.json()["start"] == second["start"]

    def test_a_guest_cancels_the_whole_visit(self, api, couple_booked):
        response = api.post(
            f"/api/v1/visits/{couple_booked['id']}/cancel/",
            {"reason": "Ill"},
            format="json",
            headers={"X-Manage-Token": couple_booked["manage_token"]},
        )

        assert response.status_code == 200
        assert response.json()["status"] == "cancelled"
        assert {a["status"] for a in response.json()["appointments"]} == {"cancelled"}
        assert set(Appointment.objects.values_list("status", flat=True)) == {"cancelled"}

    def test_cancelling_twice_is_a_409(self, api, couple_booked):
        url = f"/api/v1/visits/{couple_booked['id']}/cancel/"
        headers = {"X-Manage-Token": couple_booked["manage_token"]}
        api.post(url, {}, format="json", headers=headers)

        assert_error(api.post(url, {}, format="json", headers=headers), 409, "not_active")

    def test_a_guest_moves_the_whole_visit(self, api, couple_booked, anna, ben):
        response = api.post(
            f"/api/v1/visits/{couple_booked['id']}/reschedule/",
            {"start": at(TUESDAY, "15:00").isoformat()},
            format="json",
            headers={"X-Manage-Token": couple_booked["manage_token"]},
        )

        assert response.status_code == 200, response.content
        body = response.json()
        assert body["start"] == "2027-03-02T15:00:00+01:00"
        assert {a["start"] for a in body["appointments"]} == {"2027-03-02T15:00:00+01:00"}
        assert {a["therapist"] for a in body["appointments"]} == {anna.id, ben.id}
        assert sorted(Appointment.objects.values_list("start_at", flat=True)) == [
            at(TUESDAY, "15:00"),
            at(TUESDAY, "15:00"),
        ]

    def test_moving_onto_a_taken_time_is_a_409_and_moves_nothing(self, api, couple_booked, for_two):
        book(APIClient(), {**couples(for_two, at(TUESDAY, "15:00")), "client": OLGA})

        response = api.post(
            f"/api/v1/visits/{couple_booked['id']}/reschedule/",
            {"start": at(TUESDAY, "15:00").isoformat()},
            format="json",
            headers={"X-Manage-Token": couple_booked["manage_token"]},
        )

        assert_error(response, 409, "slot_unavailable")
        assert Visit.objects.get(pk=couple_booked["id"]).start_at == at(TUESDAY, "10:00")

    def test_a_guest_moves_a_visit_only_so_often(self, api, settings, couple_booked):
        settings.STUDIO_LIMIT_CHANGES_PER_BOOKING = 1
        url = f"/api/v1/visits/{couple_booked['id']}/reschedule/"
        headers = {"X-Manage-Token": couple_booked["manage_token"]}
        moved = api.post(
            url, {"start": at(TUESDAY, "15:00").isoformat()}, format="json", headers=headers
        )

        response = api.post(
            url, {"start": at(TUESDAY, "16:00").isoformat()}, format="json", headers=headers
        )

        assert moved.status_code == 200
        assert_error(response, 429, "rate_limited")

    def test_a_bad_start_to_move_to_is_a_400(self, api, couple_booked):
        response = api.post(
            f"/api/v1/visits/{couple_booked['id']}/reschedule/",
            {"start": "later"},
            format="json",
            headers={"X-Manage-Token": couple_booked["manage_token"]},
        )

        assert_error(response, 400, "invalid", "start")


class TestStaffList:
    def test_an_integration_lists_the_visits_of_the_days_asked_for(
        self, integration, couple_booked, for_two
    ):
        book(APIClient(), {**couples(for_two, at(TUESDAY, "11:00")), "client": OLGA})

        response = integration.get("/api/v1/visits/", {"date": "2027-03-02"})

        assert response.status_code == 200
        body = response.json()
        assert body["count"] == 2
        assert [visit["start"] for visit in body["results"]] == [
            "2027-03-02T10:00:00+01:00",
            "2027-03-02T11:00:00+01:00",
        ]
        assert all(len(visit["appointments"]) == 2 for visit in body["results"])
        assert "manage_token" not in body["results"][0]

    def test_the_list_is_filtered_by_status(self, integration, couple_booked, api):
        api.post(
            f"/api/v1/visits/{couple_booked['id']}/cancel/",
            {},
            format="json",
            headers={"X-Manage-Token": couple_booked["manage_token"]},
        )

        confirmed = integration.get("/api/v1/visits/", {"status": "confirmed"}).json()
        cancelled = integration.get("/api/v1/visits/", {"status": "cancelled"}).json()

        assert (confirmed["count"], cancelled["count"]) == (0, 1)

    def test_the_list_starts_today_by_default_and_leaves_out_other_days(
        self, integration, couple_booked
    ):
        response = integration.get("/api/v1/visits/", {"start": "2027-03-03"})

        assert response.json()["count"] == 0
        assert integration.get("/api/v1/visits/").json()["count"] == 1

    def test_a_list_of_more_than_31_days_is_a_400_on_end(self, integration):
        response = integration.get("/api/v1/visits/", {"start": "2027-03-01", "end": "2027-04-01"})

        assert_error(response, 400, "invalid", "end")

    def test_a_date_with_a_start_is_a_400_on_date(self, integration):
        response = integration.get("/api/v1/visits/", {"date": "2027-03-02", "start": "2027-03-01"})

        assert_error(response, 400, "invalid", "date")

    def test_an_empty_status_is_a_400(self, integration):
        assert_error(integration.get("/api/v1/visits/?status="), 400, "invalid", "status")

    def test_guests_cannot_list_visits(self, api, couple_booked):
        assert_error(api.get("/api/v1/visits/"), 401, "not_authenticated")

    def test_a_therapist_lists_only_the_visits_with_an_appointment_of_theirs(
        self, api, django_user_model, couple_booked, classical, anna, ben
    ):
        book(
            APIClient(),
            {
                "client": OLGA,
                "appointments": [part(classical, at(TUESDAY, "12:00"), therapist=ben.id)],
            },
        )
        anna.user = django_user_model.objects.create_user("anna")
        anna.save(update_fields=["user"])
        api.force_authenticate(anna.user)

        body = api.get("/api/v1/visits/").json()

        assert [visit["id"] for visit in body["results"]] == [couple_booked["id"]]

    def test_staff_cancel_any_visit(self, integration, couple_booked):
        response = integration.post(
            f"/api/v1/visits/{couple_booked['id']}/cancel/", {}, format="json"
        )

        assert response.status_code == 200
        assert Visit.objects.get().status == "cancelled"


def test_the_one_massage_appointments_api_still_books_a_visit_of_one(
    api, classical, anna, two_rooms
):
    created = api.post(
        "/api/v1/appointments/",
        {"offering": classical.id, "start": at(TUESDAY, "10:00").isoformat(), "client": MIRA},
        format="json",
    ).json()

    visit = api.get(
        f"/api/v1/visits/{Appointment.objects.get().visit_id}/",
        headers={"X-Manage-Token": created["manage_token"]},
    )

    assert visit.status_code == 200
    assert [a["id"] for a in visit.json()["appointments"]] == [created["id"]]


class TestAvailability:
    def ask(self, api, offering, **params):
        return api.get(
            "/api/v1/availability/",
            {"offering": offering.id, "start": TUESDAY, "end": TUESDAY, **params},
        )

    def test_people_2_lists_the_starts_with_two_therapists_and_a_room_for_two(
        self, api, for_two, anna, ben, room_for_two
    ):
        response = self.ask(api, for_two, people=2)

        assert response.status_code == 200
        slots = response.json()["slots"]
        assert slots[0]["start"] == "2027-03-02T09:00:00+01:00"
        assert slots[0]["end"] == "2027-03-02T09:30:00+01:00"
        starts = {slot["start"][11:16] for slot in slots}
        alone = {slot["start"][11:16] for slot in self.ask(api, for_two).json()["slots"]}
        # Anna's lunch: Ben alone is free at one, but not the two of them.
        assert "13:00" in alone
        assert "13:00" not in starts
        assert starts < alone

    def test_people_2_without_a_room_for_two_lists_nothing(
        self, api, for_two, anna, ben, two_rooms
    ):
        assert self.ask(api, for_two, people=2).json()["slots"] == []

    def test_more_people_than_the_massage_takes_is_a_400_on_people(
        self, api, for_two, classical, anna, ben, room_for_two
    ):
        assert_error(self.ask(api, for_two, people=3), 400, "invalid", "people")

    @pytest.mark.parametrize("people", ["0", "5", "two", ""])
    def test_a_number_of_people_that_is_none_is_a_400(
        self, api, for_two, anna, ben, room_for_two, people
    ):
        assert_error(self.ask(api, for_two, people=people), 400, "invalid", "people")

    def test_then_lists_the_starts_where_the_second_massage_follows_at_once(
        self, api, classical, whole_leg, anna, two_rooms
    ):
        response = self.ask(api, classical, then=str(whole_leg.id))

        assert response.status_code == 200
        slots = response.json()["slots"]
        assert slots[0] == {
            "start": "2027-03-02T09:00:00+01:00",
            "end": "2027-03-02T10:30:00+01:00",
            "therapists": [anna.id],
        }
        # Anna's lunch at one: foot at 12:00 and the leg till 13:30 does not fit.
        assert "2027-03-02T12:00:00+01:00" not in {slot["start"] for slot in slots}

    def test_then_takes_a_comma_list(self, api, classical, whole_leg, anna, two_rooms):
        response = self.ask(api, classical, then=f"{whole_leg.id},{classical.id}")

        assert response.status_code == 200
        first = response.json()["slots"][0]
        assert (first["start"], first["end"]) == (
            "2027-03-02T09:00:00+01:00",
            "2027-03-02T11:00:00+01:00",
        )

    @pytest.mark.parametrize("then", ["999999", "1;2", "1,2,3,4", "", "-1"])
    def test_a_then_that_is_not_a_list_of_massages_is_a_400(
        self, api, classical, anna, two_rooms, then
    ):
        assert_error(self.ask(api, classical, then=then), 400, "invalid", "then")

    def test_then_for_two_people_is_a_400_on_then(
        self, api, for_two, whole_leg, anna, ben, room_for_two
    ):
        response = self.ask(api, for_two, people=2, then=str(whole_leg.id))

        assert_error(response, 400, "invalid", "then")
