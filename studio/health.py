"""Health checks for monitors: plain numbers, no personal data."""

import hmac

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from notifications.selectors import outbox_health


@never_cache
@require_GET
def reminders(request: HttpRequest) -> JsonResponse:
    """503 when a due message has waited too long: the workers are not sending.

    A worker process can be up and still send nothing (a lost broker
    connection, beat not running), so this looks at the outbox itself.
    Anyone may ask whether it is ok; how many messages wait and fail is
    the studio's business, shown to staff and to a monitor that sends
    the monitoring token.
    """
    now = timezone.now()
    health = outbox_health(now=now)
    is_stuck = health.is_stuck(now)
    body: dict[str, str | int] = {"status": "stuck" if is_stuck else "ok"}
    if _may_see_figures(request):
        body |= {
            "due": health.due,
            "oldest_due_waiting_seconds": int(health.waiting(now).total_seconds()),
            "failed": health.failed,
        }
    return JsonResponse(body, status=503 if is_stuck else 200)


def _may_see_figures(request: HttpRequest) -> bool:
    return request.user.is_staff or _has_monitoring_token(request)


def _has_monitoring_token(request: HttpRequest) -> bool:
    """`Authorization: Bearer <STUDIO_MONITORING_TOKEN>`; no token set lets nobody in."""
    expected = settings.STUDIO_MONITORING_TOKEN
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if not expected or scheme.lower() != "bearer":
        return False
    # In constant time, so the answer's timing tells nothing about the token.
    return hmac.compare_digest(given.strip().encode(), expected.encode())
