"""The base of every error a service raises on purpose.

A service refuses with a subclass that carries a stable `code` (what an
integration switches on), a message a person can read, and the HTTP
status the API answers with. Apps define their own subclasses in their
`errors.py`.
"""

from typing import ClassVar

from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise


class StudioError(Exception):
    code: ClassVar[str] = "error"
    status_code: ClassVar[int] = 400
    # Lazy (gettext_lazy): read in the language active when the error is raised.
    default_message: ClassVar[StrOrPromise] = _("The request could not be carried out.")
    # The input field the error is about, if there is one; the API names it.
    field: ClassVar[str | None] = None

    def __init__(
        self, message: StrOrPromise | None = None, *, fields: dict[str, list[str]] | None = None
    ):
        # A plain string from here on: the language is the one of the
        # request (or the message's `translation.override`) raising it,
        # and every page, admin message and API body can use it as text.
        self.message = str(message or self.default_message)
        if fields is None and self.field:
            fields = {self.field: [self.message]}
        self.fields = fields or {}
        super().__init__(self.message)
