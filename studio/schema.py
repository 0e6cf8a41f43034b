"""The OpenAPI schema class: documents the shared error body on every operation.

Kept apart from `studio.api` because DRF imports the pagination class
named in the settings while drf-spectacular itself is being imported.
"""

from typing import Any

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework.permissions import AllowAny

from studio.api import ErrorSerializer

_ERROR = ErrorSerializer


class AutoSchema(SpectacularAutoSchema):
    """Adds the shared error responses to every operation in the schema."""

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
