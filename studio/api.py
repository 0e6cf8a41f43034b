"""What every API view shares: error bodies, pagination, ids, the 400, 404 and NUL guards.

Every error the API returns has one shape, documented in the schema:

    {"error": {"code": "invalid", "message": "…", "fields": {"client.email": ["…"]}}}

`code` is stable and meant for programs; `message` is for people;
`fields` names each bad input field (nested fields joined with dots).
"""

import re
from typing import Any

import django_filters
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views import defaults
from rest_framework import exceptions, serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from studio.errors import StudioError
from studio.parsers import NULL_CHARACTER_MESSAGE

_DIGITS = re.compile(r"[0-9]{1,18}")


class Pagination(PageNumberPagination):
    """Pages of `page_size` (at most `max_page_size`); a page that is not one is a 404.

    A `page_size` that is not a whole number of at least 1 is a 400 on
    `page_size`, rather than the default size given silently; a larger
    one than the cap gets the cap.
    """

    page_size_query_param = "page_size"
    max_page_size = 100
    # The schema says `page` is an integer, so "last" is not a page either.
    last_page_strings = ()

    def get_page_number(self, request: Request, paginator: Any) -> Any:
        given = request.query_params.get(self.page_query_param)
        if given == "":
            # DRF reads an empty `page` as the first page; it is no page number.
            raise exceptions.NotFound(_("Invalid page."))
        return super().get_page_number(request, paginator)

    def get_page_size(self, request: Request) -> int:
        given = request.query_params.get(self.page_size_query_param)
        if given is None:
            return int(self.page_size or 1)
        if not _DIGITS.fullmatch(given) or int(given) < 1:
            raise exceptions.ValidationError(
                {self.page_size_query_param: [_("Give a whole number of at least 1.")]}
            )
        return min(int(given), self.max_page_size)


class FilterSet(django_filters.FilterSet):  # type: ignore[misc] # django-filter has no types
    """The API's filters: a parameter given with an empty value is a 400 naming it.

    django-filter reads `?status=` as no filter at all, as a web form
    sends it; to a program an empty status is no status, and the schema
    says so (an enum, a date, an id), so it is refused.
    """

    def is_valid(self) -> bool:
        is_valid: bool = super().is_valid()
        for name in self.filters:
            if self.data.get(name) == "":
                self.form.add_error(name, _("Give a value, or leave the parameter out."))
                is_valid = False
        return is_valid


class IdField(serializers.PrimaryKeyRelatedField):  # type: ignore[type-arg] # any model
    """An object named by its integer id: a JSON integer, or digits in a query string.

    DRF's own field hands the value to the database as it comes, so
    `1.5` found object 1 and `1e309` (infinity) ended in an
    OverflowError; a float, a boolean or any other string is refused.
    """

    def to_internal_value(self, data: Any) -> Any:
        is_integer = isinstance(data, int) and not isinstance(data, bool)
        if not is_integer and not (isinstance(data, str) and _DIGITS.fullmatch(data)):
            self.fail("incorrect_type", data_type=type(data).__name__)
        return super().to_internal_value(int(data))


def refuse_null_characters(get_response: Any) -> Any:
    """Middleware: a NUL character in a request's query or headers is a 400 naming it.

    The database refuses NUL in text, so a parameter or header that
    reaches a query (a filter, a token, an Idempotency-Key, an admin
    list's filter) would end in a 500; refused here once for every view:
    under /api/ in the API's error body, elsewhere as the plain 400 page.
    """

    def middleware(request: HttpRequest) -> HttpResponse:
        named = [name for name, value in request.GET.lists() if "\x00" in name + "".join(value)]
        named += [
            name.removeprefix("HTTP_").replace("_", "-").title()
            for name, value in request.META.items()
            if name.startswith("HTTP_") and "\x00" in str(value)
        ]
        if named and request.path_info.startswith("/api/"):
            fields = {
                name.replace("\x00", "\\u0000"): [str(NULL_CHARACTER_MESSAGE)] for name in named
            }
            return JsonResponse(
                error_body("invalid", gettext("Some fields are not valid."), fields), status=400
            )
        if named:
            return HttpResponseBadRequest(str(NULL_CHARACTER_MESSAGE), content_type="text/plain")
        response: HttpResponse = get_response(request)
        return response

    return middleware


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's 400 (a body over DATA_UPLOAD_MAX_MEMORY_SIZE, say): the API's error body under /api/."""
    if request.path_info.startswith("/api/"):
        message = gettext("The request could not be read: it is too large or not well formed.")
        return JsonResponse(error_body("bad_request", message), status=400)
    return defaults.bad_request(request, exception)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """The 404 of an address nobody answers: the API's error body under /api/, else the page."""
    if request.path_info.startswith("/api/"):
        return JsonResponse(error_body("not_found", gettext("Not found.")), status=404)
    return defaults.page_not_found(request, exception)


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
        body = error_body("invalid", gettext("Some fields are not valid."), _flatten(exc.detail))
    else:
        detail = exc.detail
        code = getattr(detail, "code", None) or exc.default_code
        body = error_body(str(code), str(detail))
    response.data = body
    return response
