"""The API's one parser: JSON, refusing what the database or Python cannot take.

Kept apart from `studio.api` because DRF imports the parser classes
named in the settings while `rest_framework.views` is being imported.
"""

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, parsers

NULL_CHARACTER_MESSAGE = _("Null characters are not allowed.")
# Deeper than any body the API takes (a booking nests three levels).
MAX_JSON_DEPTH = 20


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing what the database or Python cannot take.

    - a body nested deeper than MAX_JSON_DEPTH is a 400 `parse_error`
      (Python's decoder ends a very deep one in a RecursionError, which
      DRF left to become a 500);
    - a NUL character in any string, key or value, is a 400 `invalid`
      naming where it is: PostgreSQL's text and jsonb refuse it, and
      DRF's CharField check sees only the values of fields it knows,
      not keys nor bodies stored before validation (idempotency).
    """

    def parse(
        self,
        stream: Any,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        try:
            body = super().parse(stream, media_type, parser_context)
        except RecursionError as error:
            raise exceptions.ParseError(
                gettext("JSON parse error - %(error)s") % {"error": error}
            ) from None
        _check_json(body)
        return body


def _check_json(body: Any) -> None:
    """Refuse a body nested too deep or holding a NUL character; walked without recursion."""
    pending: list[tuple[Any, str, int]] = [(body, "", 0)]
    while pending:
        value, path, depth = pending.pop()
        if depth > MAX_JSON_DEPTH:
            raise exceptions.ParseError(
                gettext("JSON parse error - nested deeper than %(depth)d levels.")
                % {"depth": MAX_JSON_DEPTH}
            )
        if isinstance(value, str) and "\x00" in value:
            raise exceptions.ValidationError({path or "non_field_errors": [NULL_CHARACTER_MESSAGE]})
        if isinstance(value, dict):
            for key, item in value.items():
                # A NUL in a key is named with it written out, so the name can be read.
                name = key.replace("\x00", "\\u0000")
                if name != key:
                    raise exceptions.ValidationError(
                        {f"{path}.{name}" if path else name: [NULL_CHARACTER_MESSAGE]}
                    )
                pending.append((item, f"{path}.{key}" if path else key, depth + 1))
        elif isinstance(value, list):
            pending.extend(
                (item, f"{path}.{index}" if path else str(index), depth + 1)
                for index, item in enumerate(value)
            )
