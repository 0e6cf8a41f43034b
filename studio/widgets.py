"""Form widgets the site and the staff pages share."""

from __future__ import annotations

from typing import Any

from django import forms


class NativeDateInput(forms.DateInput):
    """The browser's date picker, `<input type="date">`, with its value always in ISO.

    The browser takes a date input's value only as YYYY-MM-DD and shows it
    in the reader's own format. Django's DateInput would write the value in
    the active language's first input format ("04.12.2026" in Russian),
    which the browser drops, leaving the field empty.
    """

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")
