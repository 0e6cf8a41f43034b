"""The admin of the reminder outbox: what was sent, what waits, what failed.

Read-only but for one action: staff send failed reminders again. The
list's header shows how long the oldest due reminder has waited, since
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

from booking import selectors, services
from booking.admin.common import LongListAdmin, local
from booking.models import Appointment, Reminder


@admin.register(Reminder)
class ReminderAdmin(LongListAdmin[Reminder]):
    list_display = [
        "local_due",
        "kind",
        "channel",
        "status",
        "attempts",
        "for_appointment",
        "error",
    ]
    list_filter = ["status", "kind", "channel"]
    list_select_related = ["appointment__client"]
    search_fields = ["appointment__client__name", "appointment__client__email", "appointment__id"]
    # Years of reminders sent: newest first from the index on (due_at,
    # id), read backwards, a page at a time; counted up to a cap.
    ordering = ["-due_at"]
    actions = ["send_again"]
    change_list_template = "admin/booking/reminder/change_list.html"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Reminder | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Reminder | None = None) -> bool:
        return False

    def booked_with_email(self, queryset: QuerySet[Reminder], email: str) -> QuerySet[Reminder]:
        """The reminders of the appointments booked with the e-mail or its client record."""
        booked = selectors.appointments_with_email(Appointment.objects.all(), email=email)
        return queryset.filter(appointment__in=booked.values("pk"))

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
    def local_due(self, reminder: Reminder) -> str:
        return local(reminder.due_at)

    @admin.display(description=_("Appointment"))
    def for_appointment(self, reminder: Reminder) -> str:
        url = reverse("admin:booking_appointment_change", args=[reminder.appointment_id])
        return format_html('<a href="{}">{}</a>', url, reminder.appointment.client.name)

    @admin.display(description=_("Last error"))
    def error(self, reminder: Reminder) -> str:
        return reminder.last_error[:80]

    @admin.action(description=_("Send the selected failed reminders again"))
    def send_again(
        self, request: HttpRequest, queryset: QuerySet[Reminder]
    ) -> TemplateResponse | None:
        count = services.retry_reminders(reminder_ids=queryset.values_list("pk", flat=True))
        skipped = queryset.count() - count
        self.message_user(
            request,
            ngettext(
                "%(count)d reminder will be sent within a minute.",
                "%(count)d reminders will be sent within a minute.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(count)d selected reminder had not failed and was left alone.",
                    "%(count)d selected reminders had not failed and were left alone.",
                    skipped,
                )
                % {"count": skipped},
                messages.WARNING,
            )
        return None


class ReminderInline(admin.TabularInline[Reminder, Appointment]):
    model = Reminder
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
    def local_due(self, reminder: Reminder) -> str:
        return local(reminder.due_at)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
