"""The outbox at /staff/outbox/: failed and waiting messages, webhook subscriptions.

For reception and the owner: a failed message is sent again, a paused
subscription resumed, each through the outbox's services.
"""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from notifications import selectors, services, webhooks
from notifications.models import WebhookSubscription
from staff.access import Scope, reception_only, staff_view

# The page shows the oldest this many of each list; the admin pages through all.
SHOWN = 50


@staff_view
def outbox(request: HttpRequest, scope: Scope) -> HttpResponse:
    reception_only(scope)
    return render(
        request,
        "staff/outbox/outbox.html",
        {
            "failed": selectors.messages_with_status("failed", limit=SHOWN),
            "waiting": selectors.messages_with_status("pending", limit=SHOWN),
            "subscriptions": WebhookSubscription.objects.order_by("-is_active", "url")[:SHOWN],
        },
    )


@require_POST
@staff_view
def retry(request: HttpRequest, scope: Scope, message_id: int) -> HttpResponse:
    reception_only(scope)
    if services.retry_messages(message_ids=[message_id]):
        messages.success(request, _("The message will be sent again."))
    return redirect("staff:outbox")


@require_POST
@staff_view
def resume(request: HttpRequest, scope: Scope, subscription_id: int) -> HttpResponse:
    reception_only(scope)
    subscription = get_object_or_404(WebhookSubscription, pk=subscription_id)
    webhooks.resume_subscription(subscription=subscription)
    messages.success(request, _("The webhook is resumed; what was kept is being sent."))
    return redirect("staff:outbox")
