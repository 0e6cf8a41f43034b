"""The client admin's privacy actions: export a client's data, erase it.

Both call the privacy services. Export needs the `booking.export_client`
permission and, since the file holds health answers, `booking.view_health`;
erasing needs `booking.erase_client` and asks to confirm first.
"""

import json
import logging
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from booking.errors import BookingError
from booking.models import Client
from booking.services import Actor, can_see_health, erase_client, export_client

logger = logging.getLogger(__name__)


class ClientPrivacyActions(admin.ModelAdmin[Client]):
    """The export and erase actions, for the client admin to inherit."""

    def has_export_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("booking.export_client") and can_see_health(request.user)

    def has_erase_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("booking.erase_client")

    @admin.action(description=_("Export data (JSON)"), permissions=["export"])
    def export_data(self, request: HttpRequest, queryset: QuerySet[Client]) -> HttpResponse:
        """A JSON file: a list with everything the studio holds about each client."""
        clients = list(queryset.order_by("pk"))
        exports = [export_client(client=client) for client in clients]
        # Who took health data out, and whose: ids only, no personal data.
        logger.info(
            "User %s exported the data of client(s) %s.",
            request.user.pk,
            ", ".join(str(client.pk) for client in clients),
        )
        response = HttpResponse(
            json.dumps(exports, indent=2, ensure_ascii=False),
            content_type="application/json; charset=utf-8",
        )
        day = timezone.localdate().isoformat()
        response["Content-Disposition"] = f'attachment; filename="client-data-{day}.json"'
        return response

    @admin.action(description=_("Erase personal data"), permissions=["erase"])
    def erase_data(self, request: HttpRequest, queryset: QuerySet[Client]) -> HttpResponse | None:
        """Ask to confirm first, as deleting does; then erase each client on their own.

        One transaction each, so a client who still has appointments to
        come is refused without undoing the others.
        """
        clients = list(queryset.order_by("pk"))
        if request.POST.get("post") != "yes":
            context: dict[str, Any] = {
                **self.admin_site.each_context(request),
                "title": gettext("Erase personal data"),
                "opts": self.opts,
                "clients": clients,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                "media": self.media,
            }
            return TemplateResponse(
                request, "admin/booking/client/erase_confirmation.html", context
            )
        actor = Actor.for_user(request.user)
        for client in clients:
            shown = gettext("Client %(id)s") % {"id": client.pk}
            try:
                erased = erase_client(client=client, by=actor)
            except BookingError as refused:
                self.message_user(request, f"{shown}: {refused.message}", messages.ERROR)
                continue
            client.refresh_from_db()
            self.log_change(request, client, "Erased the personal data.")
            self.message_user(
                request,
                ngettext(
                    "%(client)s: personal data erased, with %(count)d appointment.",
                    "%(client)s: personal data erased, with %(count)d appointments.",
                    erased.appointments,
                )
                % {"client": shown, "count": erased.appointments},
                messages.SUCCESS,
            )
        return None
