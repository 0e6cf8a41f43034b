"""Every status the API answers with is documented in its OpenAPI schema."""

import re

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


def test_every_answer_of_the_booking_api_is_documented(schema, classical, anna, two_rooms):
    api = APIClient()
    seen: list[tuple[str, str, int]] = []

    def call(method: str, path: str, body=None, **headers) -> dict:
        response = getattr(api, method.lower())(path, body, format="json", headers=headers)
        seen.append((method, path.partition("?")[0], response.status_code))
        return response.json()

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

    statuses = {status for _, _, status in seen}
    assert {200, 201, 400, 401, 404, 409, 422} <= statuses
    for method, path, status in seen:
        assert status in documented(schema, method, path), (method, path, status)


def test_too_many_requests_is_a_429_in_the_error_shape(monkeypatch, db):
    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {"anon": "2/minute", "user": "5/minute"}
    )
    api = APIClient()

    answers = [api.get("/api/v1/therapists/") for _ in range(3)]

    assert [answer.status_code for answer in answers] == [200, 200, 429]
    assert answers[-1].json()["error"]["code"] == "throttled"
    assert "Retry-After" in answers[-1]
