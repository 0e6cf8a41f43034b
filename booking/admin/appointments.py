"""The staff admin: schedules, clients, appointments, phone bookings, the day view.

Appointments change only through the booking services (`BookingAdmin`):
the change page is read-only, status changes are admin actions that
call the services, and "add appointment" is the phone booking form
(`booking.admin.phone`), so the admin obeys the same rules as the
website and the API.
"""

from collections.abc import Callable
from datetime import timedelta
from typing import Any, ClassVar

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from booking import selectors
from booking.admin.common import (
    HEALTH_FIELDSET,
    BookedAdmin,
    CancelAction,
    back,
    cancel_each,
    change_each,
    local,
    studio_zone,
    unverified_flag,
)
from booking.dates import parse_day
from booking.health import answer_label
from booking.models import (
    Appointment,
    AppointmentEvent,
)
from booking.services import (
    Actor,
    can_see_health,
    cancel_appointment,
    confirm_held_appointment,
    mark_appointment,
)
from catalog.models import HealthQuestion
from notifications.admin import MessageInline
from studio.templatetags.studio_tags import money


class AppointmentEventInline(admin.TabularInline[AppointmentEvent, Appointment]):
    model = AppointmentEvent
    fields = readonly_fields = ("when", "action", "actor", "summary")
    ordering = ["created_at"]
    extra = 0
    can_delete = False
    verbose_name_plural = _("history")

    @admin.display(description=_("When"))
    def when(self, event: AppointmentEvent) -> str:
        return local(event.created_at, "D j M Y, H:i:s")

    @admin.display(description=_("Details"))
    def summary(self, event: AppointmentEvent) -> str:
        return ", ".join(f"{key}: {value}" for key, value in event.details.items() if value)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Appointment)
class AppointmentAdmin(BookedAdmin[Appointment]):
    list_display = ["local_start", "therapist", "offering", "client_name", "status", "source"]
    list_filter = ["status", "source", "therapist"]
    # The changelist joins what it shows, so a page costs the same
    # queries with one appointment or a hundred.
    list_select_related = ["client", "offering", "therapist"]
    # Drawn from the first and last start only (`date_navigation`); a
    # drill-down is a range on start_at, which the index bounds.
    date_hierarchy = "start_at"
    search_fields = [
        *["contact_name", "contact_email", "contact_phone"],
        *["client__name", "client__email", "client__phone", "id"],
    ]
    search_help_text = _(
        "Name, e-mail or phone (as booked, or on the client record), "
        "or (part of) the appointment id."
    )
    # Years of appointments: newest first from the index on (start_at,
    # id), read backwards; counted up to a cap (`LongListAdmin`).
    ordering = ["-start_at"]
    actions = ["cancel_appointments", "mark_completed", "mark_no_show", "confirm_holds"]
    inlines = [MessageInline, AppointmentEventInline]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "local_start",
                    "local_end",
                    "offering",
                    "therapist",
                    "resources",
                    "status",
                    "hold_expires_at",
                    "source",
                ]
            },
        ),
        (
            _("Booked with"),
            {
                "fields": [
                    *["contact_name", "contact_email", "contact_phone", "language"],
                    "verification",
                ]
            },
        ),
        (_("Client record"), {"fields": ["client", "client_phone"]}),
        (
            HEALTH_FIELDSET,
            {"fields": ["health_answers", "notes", "consented_at", "consent_recorded_by"]},
        ),
        (_("Record"), {"fields": ["price_paid", "id", "created_at", "updated_at"]}),
    ]
    readonly_fields = [
        *["local_start", "local_end", "offering", "therapist", "resources", "status", "source"],
        "hold_expires_at",
        *["contact_name", "contact_email", "contact_phone", "verification", "language"],
        *["client", "client_phone", "health_answers", "notes", "consented_at"],
        *["consent_recorded_by", "health_hidden"],
        *["price_paid", "id", "created_at", "updated_at"],
    ]
    page_actions: ClassVar[list[tuple[str, StrOrPromise]]] = [
        ("cancel_appointments", _("Cancel…")),
        ("mark_completed", _("Mark completed")),
        ("mark_no_show", _("Mark no-show")),
    ]

    def booked_with_email(
        self, queryset: QuerySet[Appointment], email: str
    ) -> QuerySet[Appointment]:
        """Booked with the e-mail, or on the client record that has it."""
        return selectors.appointments_with_email(queryset, email=email)

    def get_urls(self) -> list[URLPattern]:
        day_view = path(
            "day/",
            self.admin_site.admin_view(self.day_view),
            name="booking_appointment_day",
        )
        # Before the defaults, whose "<object_id>/" would take "day/".
        return [day_view, *super().get_urls()]

    def day_view(self, request: HttpRequest) -> TemplateResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        zone = studio_zone()
        today = timezone.localdate(timezone=zone)
        with_health = can_see_health(request.user)
        # A missing, malformed or unreal date shows today.
        day = parse_day(request.GET.get("date")) or today
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Day view: %(day)s")
            % {"day": formats.date_format(day, gettext("l j F Y"))},
            "opts": self.opts,
            "schedule": selectors.day_schedule(day=day, zone=zone, with_health=with_health),
            "can_see_health": with_health,
            "day": day,
            "today": today,
            "previous_day": day - timedelta(days=1),
            "next_day": day + timedelta(days=1),
            "studio_zone": zone,
            "can_book": self.has_add_permission(request),
        }
        return TemplateResponse(request, "admin/booking/appointment/day.html", context)

    @admin.display(description=_("Rooms and equipment"))
    def resources(self, appointment: Appointment) -> str:
        allocations = appointment.allocations.filter(is_active=True).select_related("resource")
        return ", ".join(str(allocation.resource) for allocation in allocations) or "-"

    @admin.display(description=_("Phone on the record"))
    def client_phone(self, appointment: Appointment) -> str:
        return appointment.client.phone

    @admin.display(description=_("Link to the record"))
    def verification(self, appointment: Appointment) -> SafeString:
        if appointment.is_client_verified:
            return format_html(
                "{}",
                gettext(
                    "Verified: booked by staff, or the client confirmed by the link sent to "
                    "the record's e-mail."
                ),
            )
        return format_html(
            "{} {}",
            unverified_flag(),
            gettext(
                "linked to the record only by the e-mail typed in. The record was not changed; "
                "the details above are what this booking was made with."
            ),
        )

    @admin.display(description=_("Health answers"))
    def health_answers(self, appointment: Appointment) -> SafeString | str:
        if not appointment.health:
            return gettext("None given")
        # The question as the client read it; "note" and any key no longer
        # asked are shown by name.
        questions = dict(HealthQuestion.choices) | {"note": gettext("Note")}
        answers = (
            (questions.get(key, key.replace("_", " ").capitalize()), answer_label(value))
            for key, value in appointment.health.items()
        )
        return format_html("<ul>{}</ul>", format_html_join("", "<li>{}: {}</li>", answers))

    @admin.display(description=_("Price"))
    def price_paid(self, appointment: Appointment) -> str:
        return money(appointment.price, appointment.currency)

    @admin.action(description=_("Cancel the selected appointments"), permissions=["change"])
    def cancel_appointments(
        self, request: HttpRequest, queryset: QuerySet[Appointment]
    ) -> HttpResponse:
        """Cancel each appointment on its own, with a reason asked first."""
        return cancel_each(
            self,
            request,
            queryset.select_related("offering", "therapist").order_by("start_at"),
            cancel=lambda appointment, actor, reason: cancel_appointment(
                appointment=appointment, actor=actor, reason=reason
            ),
            words=CancelAction(
                action="cancel_appointments",
                title=_("Cancel appointments"),
                question=_(
                    "Cancel these appointments? Their therapists, rooms and equipment become "
                    "free at once."
                ),
                done=_("%(appointment)s: cancelled."),
                name="appointment",
            ),
            label=lambda appointment: (
                f"{appointment}: {appointment.contact_name} ({appointment.get_status_display()})"
            ),
        )

    @admin.action(description=_("Mark the selected appointments completed"), permissions=["change"])
    def mark_completed(self, request: HttpRequest, queryset: QuerySet[Appointment]) -> HttpResponse:
        return self._mark(request, queryset, Appointment.Status.COMPLETED)

    @admin.action(description=_("Mark the selected appointments no-show"), permissions=["change"])
    def mark_no_show(self, request: HttpRequest, queryset: QuerySet[Appointment]) -> HttpResponse:
        return self._mark(request, queryset, Appointment.Status.NO_SHOW)

    @admin.action(description=_("Confirm the selected held bookings"), permissions=["change"])
    def confirm_holds(self, request: HttpRequest, queryset: QuerySet[Appointment]) -> HttpResponse:
        """Staff confirm a hold themselves, e.g. for a client who calls: they vouch for them."""
        actor = Actor.for_user(request.user)
        self._change_each(
            request,
            queryset,
            lambda appointment: confirm_held_appointment(appointment=appointment, actor=actor),
            done=_("%(appointment)s: confirmed."),
        )
        return back(request)

    def _mark(
        self, request: HttpRequest, queryset: QuerySet[Appointment], status: Appointment.Status
    ) -> HttpResponse:
        actor = Actor.for_user(request.user)
        self._change_each(
            request,
            queryset,
            lambda appointment: mark_appointment(
                appointment=appointment, status=status, actor=actor
            ),
            done=_MARKED[status],
        )
        return back(request)

    def _change_each(
        self,
        request: HttpRequest,
        queryset: QuerySet[Appointment],
        change: Callable[[Appointment], Appointment],
        *,
        done: Promise,
    ) -> None:
        change_each(
            self,
            request,
            queryset.select_related("offering", "therapist").order_by("start_at"),
            change,
            done=done,
            name="appointment",
        )


# What staff read after marking appointments, by the status they gave.
_MARKED = {
    Appointment.Status.COMPLETED: _("%(appointment)s: marked completed."),
    Appointment.Status.NO_SHOW: _("%(appointment)s: marked no-show."),
}
