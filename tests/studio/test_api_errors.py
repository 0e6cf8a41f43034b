"""Every API error has the body {"error": {"code", "message", "fields"}}."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions

from studio.api import exception_handler
from studio.errors import StudioError


class SlotTaken(StudioError):
    code = "slot_unavailable"
    status_code = 409
    default_message = "That time has just been taken."


def test_nested_field_errors_are_named_with_dots():
    exc = exceptions.ValidationError(
        {"client": {"email": ["Enter a valid email address."]}, "start": ["Required."]}
    )

    response = exception_handler(exc, {})

    assert response is not None
    assert response.status_code == 400
    assert response.data == {
        "error": {
            "code": "invalid",
            "message": "Some fields are not valid.",
            "fields": {"client.email": ["Enter a valid email address."], "start": ["Required."]},
        }
    }


def test_a_service_error_keeps_its_code_status_and_message():
    response = exception_handler(SlotTaken(), {})

    assert response is not None
    assert response.status_code == 409
    assert response.data["error"] == {
        "code": "slot_unavailable",
        "message": "That time has just been taken.",
        "fields": {},
    }


def test_a_django_validation_error_is_a_400_with_its_fields():
    response = exception_handler(DjangoValidationError({"phone": ["Enter a phone number."]}), {})

    assert response is not None
    assert response.status_code == 400
    assert response.data["error"]["fields"] == {"phone": ["Enter a phone number."]}


def test_a_validation_error_without_a_field_is_reported_as_non_field():
    response = exception_handler(exceptions.ValidationError("The times overlap."), {})

    assert response is not None
    assert response.data["error"]["fields"] == {"non_field_errors": ["The times overlap."]}


def test_an_unexpected_exception_is_left_to_django():
    assert exception_handler(RuntimeError("boom"), {}) is None


def test_a_body_over_the_size_limit_is_a_400_in_the_error_shape(client, settings, db):
    # Django refuses it as a SuspiciousOperation, which answered the HTML
    # 400 page under /api/ on a live server (a body of 3 MB).
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = '{"notes": "' + "x" * 2000 + '"}'

    response = client.post("/api/v1/appointments/", body, content_type="application/json")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "bad_request"


def test_a_bad_request_outside_the_api_is_still_the_page(client, settings, db):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10

    response = client.post("/en/booking/classical-foot-30/book/", {f"f{n}": "1" for n in range(20)})

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
