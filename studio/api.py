"""What every API view shares: error bodies and pagination.

Every error the API returns has one shape, documented in the schema:

    {"error": {"code": "invalid", "message": "…", "fields": {"client.email": ["…"]}}}

`code` is stable and meant for programs; `message` is for people;
`fields` names each bad input field (nested fields joined with dots).
"""

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from studio.errors import StudioError


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 100


class ErrorDetailSerializer(serializers.Serializer[Any]):
    code = serializers.CharField(help_text="Stable, machine-readable reason, e.g. `invalid`.")
    message = serializers.CharField(help_text="What went wrong, for people.")
    fields = serializers.DictField(  # type: ignore[assignment] # a field named "fields" is our contract
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Each bad input field (nested ones joined with dots) with its reasons.",
    )


class ErrorSerializer(serializers.Serializer[Any]):
    error = ErrorDetailSerializer()


def error_body(
    code: str, message: str, fields: dict[str, list[str]] | None = None
) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def _flatten(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """Turn DRF's nested error detail into {"client.email": ["…"]}."""
    if isinstance(detail, dict):
        flat: dict[str, list[str]] = {}
        for key, value in detail.items():
            flat.update(_flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return flat
    if isinstance(detail, list) and any(isinstance(item, dict | list) for item in detail):
        flat = {}
        for index, value in enumerate(detail):
            if value:
                flat.update(_flatten(value, f"{prefix}.{index}" if prefix else str(index)))
        return flat
    if isinstance(detail, list):
        return {prefix or "non_field_errors": [str(item) for item in detail]}
    return {prefix or "non_field_errors": [str(detail)]}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, StudioError):
        refusal = Response(error_body(exc.code, exc.message, exc.fields), status=exc.status_code)
        # A limit's refusal (429) says when to try again.
        retry_after = getattr(exc, "retry_after", None)
        if retry_after is not None:
            refusal["Retry-After"] = str(retry_after)
        return refusal
    if isinstance(exc, DjangoValidationError):
        fields = _flatten(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
        exc = exceptions.ValidationError(fields)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response

    if isinstance(exc, exceptions.ValidationError):
        body = error_body("invalid", "Some fields are not valid.", _flatten(exc.detail))
    else:
        detail = exc.detail
        code = getattr(detail, "code", None) or exc.default_code
        body = error_body(str(code), str(detail))
    response.data = body
    return response
