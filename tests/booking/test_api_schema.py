"""Every status the API answers with is documented in its OpenAPI schema."""

import re
from datetime import timedelta

import pytest
import time_machine
import yaml
from django.core.management import call_command
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from tests.booking.conftest import NOW, TUESDAY, at

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema(tmp_path_factory, django_db_blocker) -> dict:
    target = tmp_path_factory.mktemp("schema") / "schema.yml"
    with django_db_blocker.unblock():
        call_command("spectacular", "--file", str(target))
    return yaml.safe_load(target.read_text())


def documented(schema: dict, method: str, path: str) -> set[int]:
    for template, operations in schema["paths"].items():
        pattern = "^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$"
        if re.match(pattern, path):
            return {int(code) for code in operations[method.lower()]["responses"]}
    raise AssertionError(f"{path} is not in the schema")


class Calls:
    """An API client that notes each call's method, path and status."""

    def __init__(self) -> None:
        self.api = APIClient()
        self.seen: list[tuple[str, str, int]] = []

    def __call__(self, method: str, path: str, body=None, **headers) -> dict:
        response = getattr(self.api, method.lower())(path, body, format="json", headers=headers)
        self.seen.append((method, path.partition("?")[0], response.status_code))
        return response.json()

    def book_twice_and_wrong(self, path: str, body: dict) -> dict:
        """Book (201) with a key, again (409), the key with another body (422), nothing (400)."""
        booked = self("POST", path, body, **{"Idempotency-Key": path})
        self("POST", path, body)
        self("POST", path, {**body, "notes": "x"}, **{"Idempotency-Key": path})
        self("POST", path, {})
        return booked

    def read_and_cancel(self, detail: str, token: dict) -> None:
        """Read without a token (401), with a wrong one (404), its own; cancel, and again (409)."""
        self("GET", detail)
        self("GET", detail, **{"X-Manage-Token": "wrong"})
        self("GET", detail, **token)
        self("POST", detail + "cancel/", {}, **token)
        self("POST", detail + "cancel/", {}, **token)

    def assert_documented(self, schema: dict) -> None:
        """Every answer seen is in the schema, and they cover the usual statuses."""
        statuses = {status for _, _, status in self.seen}
        assert {200, 201, 400, 401, 404, 409, 422} <= statuses
        for method, path, status in self.seen:
            assert status in documented(schema, method, path), (method, path, status)


def test_every_answer_of_the_booking_api_is_documented(schema, classical, anna, two_rooms):
    call = Calls()
    with time_machine.travel(NOW, tick=False):
        booking = {
            "offering": classical.id,
            "start": at(TUESDAY, "10:00").isoformat(),
            "client": {"name": "Mira", "email": "mira@example.com", "phone": "+49 30 1234567"},
        }
        created = call("POST", "/api/v1/appointments/", booking)
        call("POST", "/api/v1/appointments/", booking)  # 409
        call("POST", "/api/v1/appointments/", {})  # 400
        later = {**booking, "start": at(TUESDAY, "11:00").isoformat()}
        call("POST", "/api/v1/appointments/", later, **{"Idempotency-Key": "a"})
        call("POST", "/api/v1/appointments/", {**later, "notes": "x"}, **{"Idempotency-Key": "a"})
        detail = f"/api/v1/appointments/{created['id']}/"
        call("GET", detail)  # 401
        call("GET", detail, **{"X-Manage-Token": "wrong"})  # 404
        call("GET", detail, **{"X-Manage-Token": created["manage_token"]})
        call(
            "POST",
            detail + "reschedule/",
            {"start": "x"},
            **{"X-Manage-Token": created["manage_token"]},
        )
        call("POST", detail + "cancel/", {}, **{"X-Manage-Token": created["manage_token"]})
        call("POST", detail + "cancel/", {}, **{"X-Manage-Token": created["manage_token"]})  # 409
        call("GET", "/api/v1/appointments/")  # 401
        call(
            "GET", f"/api/v1/availability/?offering={classical.id}&start=2027-03-02&end=2027-03-02"
        )
        call("GET", "/api/v1/availability/?offering=x")  # 400
        call("GET", f"/api/v1/therapists/{anna.id}/")
        call("GET", "/api/v1/therapists/999999/")  # 404

    call.assert_documented(schema)


def test_every_answer_of_the_visits_and_courses_api_is_documented(
    schema, for_two, anna, ben, room_for_two, two_rooms
):
    for_two.course_sessions = 2
    for_two.save(update_fields=["course_sessions"])
    call = Calls()
    with time_machine.travel(NOW, tick=False):
        client = {"name": "Mira", "email": "mira@example.com", "phone": "+49 30 1234567"}
        start = at(TUESDAY, "10:00").isoformat()
        couple = {
            "client": client,
            "appointments": [
                {"offering": for_two.id, "start": start},
                {"offering": for_two.id, "start": start, "guest": {"name": "Olga"}},
            ],
        }
        visit = call.book_twice_and_wrong("/api/v1/visits/", couple)
        detail = f"/api/v1/visits/{visit['id']}/"
        token = {"X-Manage-Token": visit["manage_token"]}
        call("POST", detail + "reschedule/", {"start": "x"}, **token)  # 400
        call.read_and_cancel(detail, token)
        call("GET", "/api/v1/visits/")  # 401
        plan = f"/api/v1/courses/plan/?offering={for_two.id}&start={start.replace('+', '%2B')}"
        call("GET", plan)
        call("GET", "/api/v1/courses/plan/?offering=x")  # 400
        days = [at(TUESDAY, "11:00"), at(TUESDAY + timedelta(days=7), "11:00")]
        booking = {
            "offering": for_two.id,
            "starts": [day.isoformat() for day in days],
            "client": client,
        }
        course = call.book_twice_and_wrong("/api/v1/courses/", booking)
        detail = f"/api/v1/courses/{course['id']}/"
        call.read_and_cancel(detail, {"X-Manage-Token": course["manage_token"]})
        availability = (
            f"/api/v1/availability/?offering={for_two.id}&start=2027-03-02&end=2027-03-02"
        )
        call("GET", availability + "&people=2")
        call("GET", availability + "&people=3")  # 400

    call.assert_documented(schema)


def test_too_many_requests_is_a_429_in_the_error_shape(monkeypatch, db):
    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {"anon": "2/minute", "user": "5/minute"}
    )
    api = APIClient()

    answers = [api.get("/api/v1/therapists/") for _ in range(3)]

    assert [answer.status_code for answer in answers] == [200, 200, 429]
    assert answers[-1].json()["error"]["code"] == "throttled"
    assert "Retry-After" in answers[-1]
