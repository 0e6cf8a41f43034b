"""The staff admin: schedules, clients, appointments, phone bookings, the day view.

Appointments change only through the booking services: the change page
is read-only, status changes are admin actions that call the services,
and "add appointment" is a phone booking form that calls
`book_appointment`, so the admin obeys the same rules as the website and
the API.
"""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.db.models.constants import LOOKUP_SEP
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.html import format_html, format_html_join
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from booking import selectors
from booking.admin.common import DateHierarchyAdmin, local, studio_zone
from booking.admin.reminders import ReminderInline
from booking.dates import parse_day
from booking.errors import BookingError
from booking.forms import CancelAppointmentsForm, PhoneBookingForm
from booking.models import (
    Appointment,
    AppointmentEvent,
)
from booking.services import (
    Actor,
    ClientDetails,
    access,
    book_appointment,
    can_see_health,
    cancel_appointment,
    confirm_held_appointment,
    mark_appointment,
)
from catalog.models import HealthQuestion
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


# Where a service's error belongs on the phone booking form; the rest,
# such as "that time is taken", is about the booking as a whole.
PHONE_FORM_FIELDS = {
    "start": "start_time",
    "therapist": "therapist",
    "offering": "offering",
    "consent": "consent",
}
HEALTH_HIDDEN = _("Hidden: needs the permission to see health data.")
# The fieldset that holds health data; found by this same object, whatever the language.
HEALTH_FIELDSET = _("Health and notes")
# Fields that the changelist's lookups in the address (`?notes__contains=…`)
# must not reach: Django takes any lookup on the model's own fields, and
# which rows a filter keeps answers, row by row, what the page hides.
HEALTH_FIELDS = frozenset({"health", "notes"})
# Filtering by the token a character at a time would read it out; staff
# change appointments through the admin and never need it.
SECRET_FIELDS = frozenset({"manage_token"})


@admin.register(Appointment)
class AppointmentAdmin(DateHierarchyAdmin[Appointment]):
    list_display = ["local_start", "therapist", "offering", "client_name", "status", "source"]
    list_filter = ["status", "source", "therapist"]
    # The changelist joins what it shows, so a page costs the same
    # queries with one appointment or a hundred.
    list_select_related = ["client", "offering", "therapist"]
    date_hierarchy = "start_at"
    search_fields = [
        *["contact_name", "contact_email", "contact_phone"],
        *["client__name", "client__email", "client__phone", "id"],
    ]
    search_help_text = _(
        "Name, e-mail or phone (as booked, or on the client record), "
        "or (part of) the appointment id."
    )
    ordering = ["-start_at"]
    actions = ["cancel_appointments", "mark_completed", "mark_no_show", "confirm_holds"]
    inlines = [ReminderInline, AppointmentEventInline]
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
    add_form_template = "admin/booking/appointment/phone_booking.html"

    def get_urls(self) -> list[URLPattern]:
        day_view = path(
            "day/",
            self.admin_site.admin_view(self.day_view),
            name="booking_appointment_day",
        )
        # Before the defaults, whose "<object_id>/" would take "day/".
        return [day_view, *super().get_urls()]

    def get_fieldsets(self, request: HttpRequest, obj: Appointment | None = None) -> list[Any]:
        """Health answers and notes only for staff with the permission to see them."""
        fieldsets = list(self.fieldsets)
        if can_see_health(request.user):
            return fieldsets
        hidden = ["health_hidden", "consented_at", "consent_recorded_by"]
        return [
            (name, {"fields": hidden}) if name is HEALTH_FIELDSET else (name, options)
            for name, options in fieldsets
        ]

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest) -> bool:
        """No lookup on the manage token; on health data only with the permission to see it."""
        field = lookup.split(LOOKUP_SEP, 1)[0]
        if field in SECRET_FIELDS:
            return False
        if field in HEALTH_FIELDS and not can_see_health(request.user):
            return False
        return super().lookup_allowed(lookup, value, request)

    def has_change_permission(self, request: HttpRequest, obj: Appointment | None = None) -> bool:
        # Without an appointment this is the right to run the actions; on an
        # appointment's own page the answer is no, so start, end, status and
        # therapist never change by hand, only through the services.
        if obj is not None:
            return False
        return access.may_change_appointments(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Appointment | None = None) -> bool:
        # Cancelling keeps the history; deleting would lose it.
        return False

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        extra_context = {
            **(extra_context or {}),
            "can_act": self.has_change_permission(request),
            "status_actions": [
                ("cancel_appointments", gettext("Cancel…")),
                ("mark_completed", gettext("Mark completed")),
                ("mark_no_show", gettext("Mark no-show")),
            ],
            "studio_zone": studio_zone(),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """The phone booking form, in place of a model form that would skip the rules.

        Not inside the admin's usual transaction: `book_appointment` is
        durable, one transaction of its own.
        """
        if not self.has_add_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            form = PhoneBookingForm(request.POST)
            appointment = self._book(request, form) if form.is_valid() else None
            if appointment is not None:
                self.log_addition(request, appointment, [{"added": {}}])
                self.message_user(
                    request,
                    gettext("Booked %(appointment)s for %(name)s.")
                    % {"appointment": appointment, "name": appointment.contact_name},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(
                    reverse("admin:booking_appointment_change", args=[appointment.pk])
                )
        else:
            form = PhoneBookingForm(initial=self.get_changeform_initial_data(request))
        fieldsets: list[tuple[str | None, dict[str, Any]]] = [
            (None, {"fields": ["offering", "therapist", ("start_on", "start_time")]}),
            (
                gettext("Client"),
                {
                    "fields": [
                        *["client_name", "client_email", "client_phone", "language"],
                        "update_client",
                    ]
                },
            ),
            (
                gettext("Health"),
                {"fields": ["consent", *[question.value for question in HealthQuestion]]},
            ),
            (None, {"fields": ["notes"]}),
        ]
        # The admin's form helpers render any form; the stubs ask for a ModelForm.
        admin_form = helpers.AdminForm(form, fieldsets, {}, model_admin=self)  # type: ignore[arg-type]
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Book by phone"),
            "subtitle": None,
            "adminform": admin_form,
            "object_id": None,
            "original": None,
            "is_popup": False,
            "to_field": None,
            "media": self.media + admin_form.media,
            "inline_admin_formsets": [],
            "errors": helpers.AdminErrorList(form, []),  # type: ignore[arg-type] # as above
            "preserved_filters": self.get_preserved_filters(request),
            **(extra_context or {}),
        }
        return self.render_change_form(request, context, add=True, form_url=form_url)

    def _book(self, request: HttpRequest, form: PhoneBookingForm) -> Appointment | None:
        values = form.cleaned_data
        try:
            return book_appointment(
                offering=values["offering"],
                start_at=form.start_at(),
                client=ClientDetails(
                    name=values["client_name"],
                    email=values["client_email"],
                    phone=values["client_phone"],
                ),
                source=Appointment.Source.ADMIN,
                actor=Actor.for_user(request.user),
                therapist=values["therapist"],
                health=form.health(),
                notes=values["notes"],
                has_consent=values["consent"],
                update_client_record=values["update_client"],
                # Blank: as on the client record, if there is one.
                language=values["language"]
                or selectors.client_language(email=values["client_email"]),
            )
        except BookingError as refused:
            form.add_error(PHONE_FORM_FIELDS.get(refused.field or ""), refused.message)
            return None

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

    @admin.display(description=_("Start (studio time)"), ordering="start_at")
    def local_start(self, appointment: Appointment) -> str:
        return local(appointment.start_at)

    @admin.display(description=_("End (studio time)"))
    def local_end(self, appointment: Appointment) -> str:
        return local(appointment.end_at)

    @admin.display(description=_("Rooms and equipment"))
    def resources(self, appointment: Appointment) -> str:
        allocations = appointment.allocations.filter(is_active=True).select_related("resource")
        return ", ".join(str(allocation.resource) for allocation in allocations) or "-"

    @admin.display(description=_("Client (as booked)"), ordering="contact_name")
    def client_name(self, appointment: Appointment) -> SafeString:
        if appointment.is_client_verified:
            return format_html("{}", appointment.contact_name)
        return format_html("{} {}", appointment.contact_name, _unverified())

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
            _unverified(),
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
            (questions.get(key, key.replace("_", " ").capitalize()), _answer(value))
            for key, value in appointment.health.items()
        )
        return format_html("<ul>{}</ul>", format_html_join("", "<li>{}: {}</li>", answers))

    @admin.display(description=_("Health answers and notes"))
    def health_hidden(self, appointment: Appointment) -> str:
        return str(HEALTH_HIDDEN)

    @admin.display(description=_("Price"))
    def price_paid(self, appointment: Appointment) -> str:
        return money(appointment.price, appointment.currency)

    @admin.action(description=_("Cancel the selected appointments"), permissions=["change"])
    def cancel_appointments(
        self, request: HttpRequest, queryset: QuerySet[Appointment]
    ) -> HttpResponse:
        """Ask for a reason first, as deleting asks to confirm; then cancel each one."""
        form = CancelAppointmentsForm(request.POST if "post" in request.POST else None)
        if form.is_valid():
            actor = Actor.for_user(request.user)
            reason = form.cleaned_data["reason"]
            self._change_each(
                request,
                queryset,
                lambda appointment: cancel_appointment(
                    appointment=appointment, actor=actor, reason=reason
                ),
                done=_("%(appointment)s: cancelled."),
            )
            return self._back(request)
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Cancel appointments"),
            "opts": self.opts,
            "appointments": queryset.order_by("start_at"),
            "form": form,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "next": request.POST.get("next", ""),
            "media": self.media,
        }
        return TemplateResponse(
            request, "admin/booking/appointment/cancel_confirmation.html", context
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
        return self._back(request)

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
        return self._back(request)

    def _change_each(
        self,
        request: HttpRequest,
        queryset: QuerySet[Appointment],
        change: Callable[[Appointment], Appointment],
        *,
        done: Promise,
    ) -> None:
        """Run a service on each appointment on its own, and say how each went.

        One transaction each, so one refusal does not undo the others.
        """
        for appointment in queryset.select_related("offering", "therapist").order_by("start_at"):
            try:
                change(appointment)
            except BookingError as refused:
                self.message_user(request, f"{appointment}: {refused.message}", messages.ERROR)
            else:
                self.message_user(
                    request, str(done) % {"appointment": appointment}, messages.SUCCESS
                )

    def _back(self, request: HttpRequest) -> HttpResponseRedirect:
        """Back to the page the action came from: the list, or an appointment's page."""
        target = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            target = request.get_full_path()
        return HttpResponseRedirect(target)


# What staff read after marking appointments, by the status they gave.
_MARKED = {
    Appointment.Status.COMPLETED: _("%(appointment)s: marked completed."),
    Appointment.Status.NO_SHOW: _("%(appointment)s: marked no-show."),
}


def _unverified() -> SafeString:
    """The flag on a booking linked to its client record by the typed-in e-mail only."""
    return format_html(
        '<strong class="unverified" style="color:#ba2121" title="{}">{}</strong>',
        gettext("Booked without login: linked to the client record by the e-mail typed in only."),
        pgettext_lazy("a booking's link to the client record", "unverified"),
    )


def _answer(value: Any) -> str:
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    return str(value) if value not in (None, "") else "-"
