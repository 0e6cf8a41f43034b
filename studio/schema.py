"""The OpenAPI schema class: documents the shared error body on every operation.

Kept apart from `studio.api` because DRF imports the pagination class
named in the settings while drf-spectacular itself is being imported.
"""

from typing import Any

from django.conf import settings
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework.permissions import AllowAny

from studio.api import ErrorSerializer
from studio.language import LANGUAGE_PARAMETER, language_codes

_ERROR = ErrorSerializer


def _language_parameters() -> list[OpenApiParameter]:
    """`?lang=` and Accept-Language, which every operation reads (studio.language)."""
    codes = language_codes()
    return [
        OpenApiParameter(
            LANGUAGE_PARAMETER,
            OpenApiTypes.STR,
            OpenApiParameter.QUERY,
            enum=codes,
            description=(
                "The language of the answer's words: error messages and the catalog's texts. "
                "Wins over Accept-Language; another value is a 400 naming `lang`. "
                "A booking made in a language gets its e-mails and text messages in it."
            ),
        ),
        OpenApiParameter(
            "Accept-Language",
            OpenApiTypes.STR,
            OpenApiParameter.HEADER,
            description=(
                f"The languages the caller reads, e.g. `ru, en;q=0.8`; the first of "
                f"{', '.join(codes)} it names is used, else `{settings.LANGUAGE_CODE}`. "
                "The answer's Content-Language says which."
            ),
        ),
    ]


class AutoSchema(SpectacularAutoSchema):
    """Adds the shared error responses and the language parameters to every operation."""

    def get_override_parameters(self) -> list[Any]:
        parameters: list[Any] = super().get_override_parameters()
        return [*parameters, *_language_parameters()]

    def _error_responses(self) -> dict[str, OpenApiResponse]:
        errors = {
            "400": OpenApiResponse(_ERROR, description="Bad input: `fields` names each bad field."),
            # Even a public endpoint answers 401 to a token that is wrong.
            "401": OpenApiResponse(_ERROR, description="Missing or wrong credentials."),
            "429": OpenApiResponse(_ERROR, description="Too many requests; retry later."),
        }
        if self.method in {"POST", "PUT", "PATCH"}:
            errors["415"] = OpenApiResponse(
                _ERROR, description="The body is not JSON (`unsupported_media_type`)."
            )
        is_public = all(isinstance(p, AllowAny) for p in self.view.get_permissions())
        # Views open to all that check the caller themselves (a guest's
        # token, a user's permissions) say so with `checks_callers`.
        if not is_public or (getattr(self.view, "checks_callers", False) and "{" in self.path):
            errors["403"] = OpenApiResponse(
                _ERROR, description="Not allowed for these credentials."
            )
        if "{" in self.path:
            errors["404"] = OpenApiResponse(_ERROR, description="No such object, or not yours.")
        # A private helper of drf-spectacular, untyped: the view's paginator, if it has one.
        elif self.method == "GET" and self._is_list_view() and self._get_paginator():  # type: ignore[no-untyped-call]
            errors["404"] = OpenApiResponse(
                _ERROR,
                description=(
                    'No such page (`not_found`, "Invalid page."): `page` is not a whole '
                    "number of at least 1, or past the last page."
                ),
            )
        return errors

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses: dict[str, Any] = super()._get_response_bodies(direction)
        for code, error in self._error_responses().items():
            if code not in responses:
                # A private helper of drf-spectacular, untyped; it renders one response.
                responses[code] = self._get_response_for_code(  # type: ignore[no-untyped-call]
                    error, code, direction=direction
                )
        return responses
