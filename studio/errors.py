"""The base of every error a service raises on purpose.

A service refuses with a subclass that carries a stable `code` (what an
integration switches on), a message a person can read, and the HTTP
status the API answers with. Apps define their own subclasses in their
`errors.py`.
"""

from typing import ClassVar


class StudioError(Exception):
    code: ClassVar[str] = "error"
    status_code: ClassVar[int] = 400
    default_message: ClassVar[str] = "The request could not be carried out."
    # The input field the error is about, if there is one; the API names it.
    field: ClassVar[str | None] = None

    def __init__(self, message: str | None = None, *, fields: dict[str, list[str]] | None = None):
        self.message = message or self.default_message
        if fields is None and self.field:
            fields = {self.field: [self.message]}
        self.fields = fields or {}
        super().__init__(self.message)
