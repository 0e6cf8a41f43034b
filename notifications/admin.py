"""The admin of the outbox: what was sent, what waits, what failed.

Read-only but for one action: staff send failed messages again. The
list's header shows how long the oldest due message has waited, since
a worker can look alive and send nothing.
"""

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from booking import selectors as booking_selectors
from booking.admin.common import LongListAdmin, local
from booking.models import Appointment
from notifications import selectors, services
from notifications.models import Message


@admin.register(Message)
class MessageAdmin(LongListAdmin[Message]):
    list_display = [
        "local_due",
        "kind",
        "channel",
        "status",
        "attempts",
        "recipient",
        "about",
        "error",
    ]
    list_filter = ["status", "kind", "channel"]
    list_select_related = ["appointment__client", "visit", "client"]
    search_fields = [
        "recipient",
        "appointment__client__name",
        "appointment__client__email",
        "client__name",
        "appointment__id",
    ]
    # Years of messages sent: newest first from the index on (due_at,
    # id), read backwards, a page at a time; counted up to a cap.
    ordering = ["-due_at"]
    actions = ["send_again"]
    change_list_template = "admin/notifications/message/change_list.html"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Message | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Message | None = None) -> bool:
        return False

    def booked_with_email(self, queryset: QuerySet[Message], email: str) -> QuerySet[Message]:
        """The messages to the e-mail, or about appointments booked with it or its client record."""
        booked = booking_selectors.appointments_with_email(Appointment.objects.all(), email=email)
        # Or addressed to it: money's messages hang on no appointment. Two
        # reads, each by its own index (the appointment's, UPPER(recipient));
        # one read of both OR'ed walks the whole history. One person's
        # messages are a few per visit, so their ids are few.
        about = queryset.filter(appointment__in=booked.values("pk")).values_list("pk", flat=True)
        to = queryset.filter(recipient__iexact=email).values_list("pk", flat=True)
        return queryset.filter(pk__in={*about, *to})

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        now = timezone.now()
        health = selectors.outbox_health(now=now)
        context = {
            **(extra_context or {}),
            "outbox": health,
            "outbox_waiting_minutes": int(health.waiting(now).total_seconds() // 60),
            "outbox_is_stuck": health.is_stuck(now),
        }
        return super().changelist_view(request, extra_context=context)

    @admin.display(description=_("Due"), ordering="due_at")
    def local_due(self, message: Message) -> str:
        return local(message.due_at)

    @admin.display(description=_("About"))
    def about(self, message: Message) -> str:
        if message.appointment is not None:
            url = reverse("admin:booking_appointment_change", args=[message.appointment_id])
            return format_html('<a href="{}">{}</a>', url, message.appointment.client.name)
        if message.visit is not None:
            url = reverse("admin:booking_visit_change", args=[message.visit_id])
            return format_html('<a href="{}">{}</a>', url, message.visit.contact_name)
        return message.client.name if message.client is not None else ""

    @admin.display(description=_("Last error"))
    def error(self, message: Message) -> str:
        return message.last_error[:80]

    @admin.action(description=_("Send the selected failed messages again"))
    def send_again(
        self, request: HttpRequest, queryset: QuerySet[Message]
    ) -> TemplateResponse | None:
        count = services.retry_messages(message_ids=queryset.values_list("pk", flat=True))
        skipped = queryset.count() - count
        self.message_user(
            request,
            ngettext(
                "%(count)d message will be sent within a minute.",
                "%(count)d messages will be sent within a minute.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(count)d selected message had not failed and was left alone.",
                    "%(count)d selected messages had not failed and were left alone.",
                    skipped,
                )
                % {"count": skipped},
                messages.WARNING,
            )
        return None


class MessageInline(admin.TabularInline[Message, Appointment]):
    """An appointment's messages, on its admin page."""

    model = Message
    fk_name = "appointment"
    extra = 0
    fields = ["kind", "channel", "status", "local_due", "sent_at", "attempts", "last_error"]
    readonly_fields = [
        "kind",
        "channel",
        "status",
        "local_due",
        "sent_at",
        "attempts",
        "last_error",
    ]
    ordering = ["due_at"]
    can_delete = False

    @admin.display(description=_("Due"))
    def local_due(self, message: Message) -> str:
        return local(message.due_at)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# The webhook subscriptions' and the waitlist's admins register themselves on import.
from notifications import (  # noqa: E402 - after this module's own admins
    waitlist_admin,  # noqa: F401 - registration is the import's effect
    webhook_admin,  # noqa: F401 - registration is the import's effect
)
