"""The admin under the studio's own name, in the reader's language."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from studio.identity import studio_identity


class StudioAdminSite(admin.AdminSite):
    """Django's admin site, headed with the studio's name from its identity.

    The name is read per request (cached, studio/identity.py), so a saved
    profile shows at once, in the reader's language.
    """

    def each_context(self, request: HttpRequest) -> dict[str, Any]:
        context = super().each_context(request)
        name = studio_identity(get_language())["studio_name"]
        context["site_header"] = name
        context["site_title"] = _("%(studio)s admin") % {"studio": name}
        return context

    def index(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> TemplateResponse:
        # The index page's heading: `index_title` as a per-request title.
        return super().index(
            request, {"title": _("Studio administration"), **(extra_context or {})}
        )
