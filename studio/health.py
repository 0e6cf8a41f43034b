"""Health checks for monitors: plain numbers, no personal data."""

from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from booking.selectors import outbox_health


@require_GET
def reminders(request: HttpRequest) -> JsonResponse:
    """503 when a due reminder has waited too long: the workers are not sending.

    A worker process can be up and still send nothing (a lost broker
    connection, beat not running), so this looks at the outbox itself.
    """
    now = timezone.now()
    health = outbox_health(now=now)
    is_stuck = health.is_stuck(now)
    return JsonResponse(
        {
            "status": "stuck" if is_stuck else "ok",
            "due": health.due,
            "oldest_due_waiting_seconds": int(health.waiting(now).total_seconds()),
            "failed": health.failed,
        },
        status=503 if is_stuck else 200,
    )
