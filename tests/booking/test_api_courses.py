"""The courses API: plan a series of sessions, book it in one go, read and cancel it."""

from datetime import date, timedelta

import pytest
from django.db import transaction
from rest_framework.test import APIClient

from booking.models import Appointment, Course, IdempotencyKey, Visit
from booking.services import idempotency
from tests.booking.conftest import MIRA, OLGA, TUESDAY, assert_error, at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

WEEKLY = [TUESDAY + timedelta(days=7 * week) for week in range(4)]


def plan(api, **params):
    return api.get("/api/v1/courses/plan/", params)


def course(offering, days: list[date], clock: str = "10:00", **extra) -> dict:
    return {
        "offering": offering.id,
        "starts": [at(day, clock).isoformat() for day in days],
        "client": MIRA,
        **extra,
    }


def book(api, body, headers=None):
    return api.post("/api/v1/courses/", body, format="json", headers=headers)


@pytest.fixture
def booked(api, course_of_four, anna, two_rooms) -> dict:
    response = book(api, course(course_of_four, WEEKLY))
    assert response.status_code == 201, response.content
    return response.json()


class TestPlan:
    def test_the_plan_lists_each_weekly_session_and_that_it_fits(
        self, api, course_of_four, anna, two_rooms
    ):
        response = plan(api, offering=course_of_four.id, start=at(TUESDAY, "10:00").isoformat())

        assert response.status_code == 200
        body = response.json()
        assert (body["offering"], body["time_zone"], body["interval_days"]) == (
            course_of_four.id,
            "Europe/Berlin",
            7,
        )
        assert body["sessions"][1] == {
            "number": 2,
            "start": "2027-03-09T10:00:00+01:00",
            "end": "2027-03-09T10:30:00+01:00",
            "fits": True,
            "alternatives": [],
        }
        assert [session["number"] for session in body["sessions"]] == [1, 2, 3, 4]

    def test_the_plan_keeps_the_local_time_across_the_spring_clock_change(
        self, api, course_of_four, anna, two_rooms
    ):
        first = at(date(2027, 3, 23), "10:00")

        body = plan(api, offering=course_of_four.id, start=first.isoformat(), sessions=2).json()

        assert [session["start"] for session in body["sessions"]] == [
            "2027-03-23T10:00:00+01:00",
            "2027-03-30T10:00:00+02:00",
        ]

    def test_a_taken_session_offers_alternatives_that_book(
        self, api, course_of_four, anna, two_rooms
    ):
        taken = {"offering": course_of_four.id, "start": at(WEEKLY[1], "10:00").isoformat()}
        api.post("/api/v1/appointments/", {**taken, "client": OLGA}, format="json")

        body = plan(api, offering=course_of_four.id, start=at(TUESDAY, "10:00").isoformat()).json()

        second = body["sessions"][1]
        assert second["fits"] is False
        assert second["alternatives"]
        assert all(start.startswith("2027-03-09T") for start in second["alternatives"])
        starts = [session["start"] for session in body["sessions"]]
        starts[1] = second["alternatives"][0]
        chosen = {**course(course_of_four, []), "starts": starts}
        assert book(api, chosen).status_code == 201

    def test_sessions_and_interval_can_be_chosen(self, api, course_of_four, anna, two_rooms):
        body = plan(
            api,
            offering=course_of_four.id,
            start=at(TUESDAY, "10:00").isoformat(),
            sessions=3,
            interval_days=14,
        ).json()

        assert body["interval_days"] == 14
        assert [session["start"][:10] for session in body["sessions"]] == [
            "2027-03-02",
            "2027-03-16",
            "2027-03-30",
        ]

    def test_a_massage_not_sold_as_a_course_is_a_400_on_offering(
        self, api, classical, anna, two_rooms
    ):
        response = plan(api, offering=classical.id, start=at(TUESDAY, "10:00").isoformat())

        assert_error(response, 400, "invalid", "offering")

    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"sessions": 1}, "sessions"),
            ({"sessions": 31}, "sessions"),
            ({"interval_days": 0}, "interval_days"),
            ({"start": "2027-03-02T10:00:00"}, "start"),
            ({"start": "soon"}, "start"),
            ({"therapist": "anna"}, "therapist"),
            ({"colour": "red"}, "colour"),
        ],
    )
    def test_bad_questions_are_400s_naming_the_field(
        self, api, course_of_four, anna, two_rooms, change, field
    ):
        params = {"offering": course_of_four.id, "start": at(TUESDAY, "10:00").isoformat()}

        response = plan(api, **{**params, **change})

        assert_error(response, 400, "invalid", field)


class TestBook:
    def test_a_course_books_every_session_as_a_visit(self, booked, course_of_four, anna):
        assert (booked["offering"], booked["interval_days"], booked["session_count"]) == (
            course_of_four.id,
            7,
            4,
        )
        assert booked["manage_token"]
        assert [session["start"] for session in booked["sessions"]] == [
            f"{day.isoformat()}T10:00:00+01:00" for day in WEEKLY
        ]
        assert {session["course"] for session in booked["sessions"]} == {booked["id"]}
        assert {a["therapist"] for s in booked["sessions"] for a in s["appointments"]} == {anna.id}
        stored = Course.objects.get()
        assert str(stored.pk) == booked["id"]
        assert set(stored.visits.values_list("manage_token", flat=True)) == {booked["manage_token"]}

    def test_each_session_is_a_visit_reached_with_the_courses_token(self, api, booked):
        session = booked["sessions"][2]

        response = api.get(
            f"/api/v1/visits/{session['id']}/", headers={"X-Manage-Token": booked["manage_token"]}
        )

        assert response.status_code == 200
        assert response.json()["course"] == booked["id"]

    def test_a_course_with_one_session_taken_is_a_409_and_writes_nothing(
        self, api, course_of_four, anna, two_rooms
    ):
        taken = {"offering": course_of_four.id, "start": at(WEEKLY[3], "10:00").isoformat()}
        assert (
            api.post("/api/v1/appointments/", {**taken, "client": OLGA}, format="json").status_code
            == 201
        )

        response = book(api, course(course_of_four, WEEKLY))

        assert_error(response, 409, "slot_unavailable")
        assert not Course.objects.exists()
        assert Visit.objects.count() == 1

    def test_fewer_starts_than_the_course_has_is_a_400_on_starts(
        self, api, course_of_four, anna, two_rooms
    ):
        response = book(api, course(course_of_four, WEEKLY[:3]))

        assert_error(response, 400, "invalid_visit", "starts")
        assert not Course.objects.exists()

    def test_a_massage_not_sold_as_a_course_is_a_400_on_offering(
        self, api, classical, anna, two_rooms
    ):
        response = book(api, course(classical, WEEKLY))

        assert_error(response, 400, "invalid_visit", "offering")

    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"starts": []}, "starts"),
            ({"starts": ["2027-03-02T10:00:00+01:00", "2027-03-09T10:00:00"]}, "starts.1"),
            ({"offering": 999999}, "offering"),
            ({"client": {"name": "Mira", "email": "x", "phone": "+49 30 1234567"}}, "client.email"),
            ({"health": {"pregnancy": "perhaps"}}, "health.pregnancy"),
            ({"sessions": 4}, "sessions"),
        ],
    )
    def test_bad_courses_are_400s_naming_the_field(
        self, api, course_of_four, anna, two_rooms, change, field
    ):
        response = book(api, {**course(course_of_four, WEEKLY), **change})

        assert_error(response, 400, "invalid", field)
        assert not Course.objects.exists()

    def test_health_answers_without_consent_are_a_400(self, api, course_of_four, anna, two_rooms):
        body = course(course_of_four, WEEKLY, health={"vein_problems": False})

        assert_error(book(api, body), 400, "consent_required", "consent")

    def test_the_clients_answers_go_with_every_session(self, api, course_of_four, anna, two_rooms):
        body = course(course_of_four, WEEKLY, health={"vein_problems": False}, consent=True)

        assert book(api, body).status_code == 201

        assert (
            list(Appointment.objects.values_list("health", flat=True))
            == [{"vein_problems": False}] * 4
        )


class TestIdempotency:
    def test_a_repeated_key_with_the_same_body_returns_the_first_course(
        self, api, course_of_four, anna, two_rooms
    ):
        body = course(course_of_four, WEEKLY)

        first = book(api, body, headers={"Idempotency-Key": "k"})
        second = book(api, body, headers={"Idempotency-Key": "k"})

        assert first.status_code == second.status_code == 201
        assert first.json() == second.json()
        assert Course.objects.count() == 1
        assert IdempotencyKey.objects.filter(visit__course=Course.objects.get()).count() == 1

    def test_a_repeated_key_with_another_body_is_a_422(self, api, course_of_four, anna, two_rooms):
        book(api, course(course_of_four, WEEKLY), headers={"Idempotency-Key": "k"})

        response = book(
            api, course(course_of_four, WEEKLY, "11:00"), headers={"Idempotency-Key": "k"}
        )

        assert_error(response, 422, "idempotency_key_reused")
        assert Course.objects.count() == 1

    def test_a_key_that_booked_a_visit_is_a_422_for_a_course(
        self, api, course_of_four, anna, two_rooms
    ):
        body = course(course_of_four, WEEKLY)
        # The key booked a visit, under a body that hashes as this one.
        claimed = idempotency.claim_visit(
            owner=idempotency.key_owner(user_id=None, body=body), key="k", body=body
        )
        assert isinstance(claimed, idempotency.Claim)
        one = {"offering": course_of_four.id, "start": at(TUESDAY, "15:00").isoformat()}
        visit = api.post("/api/v1/visits/", {"client": MIRA, "appointments": [one]}, format="json")
        booked = Visit.objects.get(pk=visit.json()["id"])
        with transaction.atomic():
            idempotency.keep(claimed, visit=booked, lead=booked.appointments.get())

        response = book(api, body, headers={"Idempotency-Key": "k"})

        assert_error(response, 422, "idempotency_key_reused")
        assert not Course.objects.exists()


class TestAccess:
    def test_a_guest_reads_their_course_with_its_token(self, api, booked):
        response = api.get(
            f"/api/v1/courses/{booked['id']}/", headers={"X-Manage-Token": booked["manage_token"]}
        )

        assert response.status_code == 200
        assert len(response.json()["sessions"]) == 4
        assert "manage_token" not in response.json()

    def test_another_courses_token_is_a_404(self, api, booked, course_of_four):
        theirs = book(APIClient(), {**course(course_of_four, WEEKLY, "14:00"), "client": OLGA})

        response = api.get(
            f"/api/v1/courses/{theirs.json()['id']}/",
            headers={"X-Manage-Token": booked["manage_token"]},
        )

        assert_error(response, 404, "not_found")

    def test_a_visits_token_does_not_reach_a_course(self, api, booked, course_of_four):
        visit = api.post(
            "/api/v1/visits/",
            {
                "client": OLGA,
                "appointments": [
                    {"offering": course_of_four.id, "start": at(TUESDAY, "15:00").isoformat()}
                ],
            },
            format="json",
        ).json()

        response = api.get(
            f"/api/v1/courses/{booked['id']}/", headers={"X-Manage-Token": visit["manage_token"]}
        )

        assert_error(response, 404, "not_found")

    def test_without_a_token_or_login_is_a_401(self, api, booked):
        assert_error(api.get(f"/api/v1/courses/{booked['id']}/"), 401, "not_authenticated")

    def test_an_integration_reads_any_course(self, integration, booked):
        response = integration.get(f"/api/v1/courses/{booked['id']}/")

        assert response.status_code == 200
        assert response.json()["id"] == booked["id"]

    def test_a_guest_cancels_every_session_to_come(self, api, booked):
        response = api.post(
            f"/api/v1/courses/{booked['id']}/cancel/",
            {"reason": "Moving away"},
            format="json",
            headers={"X-Manage-Token": booked["manage_token"]},
        )

        assert response.status_code == 200
        assert {session["status"] for session in response.json()["sessions"]} == {"cancelled"}
        assert set(Visit.objects.values_list("status", flat=True)) == {"cancelled"}
        assert set(Appointment.objects.values_list("status", flat=True)) == {"cancelled"}

    def test_cancelling_a_course_twice_is_a_409(self, api, booked):
        url = f"/api/v1/courses/{booked['id']}/cancel/"
        headers = {"X-Manage-Token": booked["manage_token"]}
        api.post(url, {}, format="json", headers=headers)

        assert_error(api.post(url, {}, format="json", headers=headers), 409, "not_active")
