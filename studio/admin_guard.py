"""A forged post to an admin list's actions is a 400, never a 500.

Django's admin filters a list by the ids its checkboxes post
(`_selected_action`) and reads the action's position (`index`) as a
number, but converts neither before using it: an id that is not one
(`abc`, empty, `1e309`, a NUL) fails only when the query runs, and a
bad index at once, both as a 500, on every list of every app. A browser
never sends those; a forged request does, so it is refused here once,
for the admin lists of every model, ours and Django's own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest

FORGED_SELECTION = "The selected items or the action are not valid."


class RefuseForgedAdminActions:
    """Middleware: check an admin list's posted ids and action index before the admin runs."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: Any,
        view_kwargs: Any,
    ) -> HttpResponse | None:
        # The admin marks the views of a model's pages with their ModelAdmin.
        model_admin = getattr(view_func, "model_admin", None)
        if model_admin is None or request.method != "POST" or "action" not in request.POST:
            return None
        primary_key = model_admin.model._meta.pk
        try:
            int(request.POST.get("index", 0))
            for value in request.POST.getlist(helpers.ACTION_CHECKBOX_NAME):
                primary_key.to_python(value)
        except (ValueError, ValidationError):
            return HttpResponseBadRequest(FORGED_SELECTION, content_type="text/plain")
        return None
