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
