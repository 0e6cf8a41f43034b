"""What every staff page's header needs: the login's scope and the section."""

from django.http import HttpRequest

from notifications import selectors
from staff.access import Scope


def staff(request: HttpRequest) -> dict[str, object]:
    match = request.resolver_match
    if match is None or match.namespace != "staff":
        return {}
    # `Scope.of` reads the therapist once per page; views that took it
    # already (staff_view) leave it on the request.
    scope = getattr(request, "staff_scope", None) or Scope.of(request.user)
    # The header marks the part of the workspace a page belongs to:
    # /staff/clients/…, /staff/reports/… and /staff/gift-cards/; the rest (calendar, desk
    # booking, visits) is the calendar's.
    part = request.path_info.removeprefix("/staff/").split("/", 1)[0]
    section = part if part in {"clients", "reports", "gift-cards", "outbox"} else "calendar"
    # Reception is told on every page when a webhook was paused for its failures.
    paused = selectors.paused_webhooks() if scope is not None and scope.is_reception else 0
    return {"staff_scope": scope, "staff_section": section, "paused_webhooks": paused}
