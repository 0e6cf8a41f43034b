"""The admin of visits and courses: what a client booked in one go.

A visit holds one or more appointments (a couples massage, "foot, then
back"); a course ties its sessions' visits together. Like appointments,
they change only through the booking services: their pages are
read-only, cancelling is an admin action that calls `cancel_visit` or
`cancel_course`, and "add" is the phone booking form (`BookingAdmin`).
"""

from typing import Any, ClassVar

from django.contrib import admin
from django.db.models import Min, OuterRef, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from booking import selectors
from booking.admin.common import (
    HEALTH_FIELDSET,
    BookedAdmin,
    BookingAdmin,
    CancelAction,
    cancel_each,
    count_appointments,
    local,
)
from booking.models import Allocation, Appointment, AppointmentEvent, Course, Visit
from booking.services import cancel_course, cancel_visit
from studio.formatting import format_course


class VisitAppointmentInline(admin.TabularInline[Appointment, Visit]):
    """The visit's appointments, read-only: who has which massage, with whom, when."""

    model = Appointment
    fields = readonly_fields = ("when", "person", "offering", "therapist", "status")
    ordering = ["start_at", "id"]
    extra = 0
    can_delete = False
    show_change_link = True

    def get_queryset(self, request: HttpRequest) -> QuerySet[Appointment]:
        return super().get_queryset(request).select_related("offering", "therapist")

    @admin.display(description=_("Start and end (studio time)"))
    def when(self, appointment: Appointment) -> str:
        return f"{local(appointment.start_at)}\u2013{local(appointment.end_at, 'H:i')}"

    @admin.display(description=_("For"))
    def person(self, appointment: Appointment) -> str:
        """The guest who receives it, or the client who booked."""
        return appointment.guest_name or appointment.contact_name

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Visit)
class VisitAdmin(BookedAdmin[Visit]):
    list_display = [
        "local_start",
        "client_name",
        "appointments_in_it",
        "status",
        "course_link",
        "source",
    ]
    list_filter = ["status", "source"]
    list_select_related = ["course__offering"]
    search_fields = ["contact_name", "contact_email", "contact_phone"]
    search_help_text = _("Name, e-mail or phone, as the visit was booked with.")
    # Years of visits: newest first straight from the index on
    # (start_at, id), read backwards; counted up to a cap (`LongListAdmin`).
    ordering = ["-start_at"]
    actions = ["cancel_visits"]
    inlines = [VisitAppointmentInline]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    *["local_start", "local_end", "status", "hold_expires_at", "source"],
                    "course_link",
                ]
            },
        ),
        (
            _("Booked with"),
            {"fields": ["contact_name", "contact_email", "contact_phone", "language", "client"]},
        ),
        (_("Rooms and equipment"), {"fields": ["held"]}),
        (HEALTH_FIELDSET, {"fields": ["notes", "consented_at", "consent_recorded_by"]}),
        (_("History"), {"fields": ["history"]}),
        (_("Record"), {"fields": ["id", "created_at", "updated_at"]}),
    ]
    readonly_fields = [
        *["local_start", "local_end", "status", "hold_expires_at", "source", "course_link"],
        *["contact_name", "contact_email", "contact_phone", "language", "client"],
        *["held", "notes", "consented_at", "consent_recorded_by", "health_hidden"],
        *["history", "id", "created_at", "updated_at"],
    ]
    page_actions: ClassVar[list[tuple[str, StrOrPromise]]] = [
        ("cancel_visits", _("Cancel the visit…"))
    ]

    def booked_with_email(self, queryset: QuerySet[Visit], email: str) -> QuerySet[Visit]:
        """The visits booked with the e-mail, through the appointments' e-mail index.

        A visit's appointments carry the e-mail it was booked with, and
        lower(contact_email) is indexed there.
        """
        booked = selectors.appointments_with_email(
            Appointment.objects.all(), email=email, client_ids=[]
        )
        return queryset.filter(pk__in=booked.values("visit_id"))

    def get_queryset(self, request: HttpRequest) -> QuerySet[Visit]:
        return (
            super().get_queryset(request).annotate(appointment_count=count_appointments(of="visit"))
        )

    @admin.display(description=_("Appointments"))
    def appointments_in_it(self, visit: Visit) -> int:
        count: int = visit.appointment_count  # type: ignore[attr-defined] # annotated above
        return count

    @admin.display(description=_("Course"))
    def course_link(self, visit: Visit) -> SafeString | str:
        if visit.course is None:
            return "-"
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:booking_course_change", args=[visit.course.pk]),
            visit.course.offering.name,
        )

    @admin.display(description=_("Held for the visit"))
    def held(self, visit: Visit) -> SafeString | str:
        """Each room and piece of equipment the visit holds, and for which appointment."""
        allocations = visit.allocations.select_related(
            "resource__kind", "appointment__offering"
        ).order_by("start_at", "id")
        rows = [
            (
                allocation.resource,
                f"{local(allocation.start_at, 'H:i')}\u2013{local(allocation.blocked_until, 'H:i')}",
                _held_for(allocation),
                "" if allocation.is_active else gettext("released"),
            )
            for allocation in allocations
        ]
        if not rows:
            return "-"
        return format_html(
            "<ul>{}</ul>",
            format_html_join("", "<li>{}, {}: {} <em>{}</em></li>", rows),
        )

    @admin.display(description=_("Events"))
    def history(self, visit: Visit) -> SafeString | str:
        """What happened to each of its appointments, oldest first."""
        events = (
            AppointmentEvent.objects.filter(appointment__visit=visit)
            .select_related("appointment__offering")
            .order_by("created_at", "id")
        )
        rows = [
            (
                local(event.created_at, "D j M Y, H:i:s"),
                event.get_action_display(),
                event.appointment.offering.name,
                event.actor,
                ", ".join(f"{key}: {value}" for key, value in event.details.items() if value),
            )
            for event in events
        ]
        if not rows:
            return "-"
        headers = [
            gettext("When"),
            gettext("Action"),
            gettext("Appointment"),
            gettext("Who"),
            gettext("Details"),
        ]
        return format_html(
            "<table><thead><tr>{}</tr></thead><tbody>{}</tbody></table>",
            format_html_join("", "<th>{}</th>", ((header,) for header in headers)),
            format_html_join(
                "", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", rows
            ),
        )

    @admin.action(description=_("Cancel the selected visits"), permissions=["change"])
    def cancel_visits(self, request: HttpRequest, queryset: QuerySet[Visit]) -> HttpResponse:
        """Cancel each visit, all its appointments at once, with a reason asked first."""
        return cancel_each(
            self,
            request,
            queryset.order_by("start_at"),
            cancel=lambda visit, actor, reason: cancel_visit(
                visit=visit, actor=actor, reason=reason
            ),
            words=CancelAction(
                action="cancel_visits",
                title=_("Cancel visits"),
                question=_(
                    "Cancel these visits, every appointment in them? Their therapists, rooms "
                    "and equipment become free at once."
                ),
                done=_("%(visit)s: cancelled."),
                name="visit",
            ),
            label=lambda visit: f"{visit} ({visit.get_status_display()})",
        )


def _held_for(allocation: Allocation) -> str:
    if allocation.appointment is None:
        return gettext("the whole visit")
    return allocation.appointment.offering.name


class CourseVisitInline(admin.TabularInline[Visit, Course]):
    """The course's sessions, one visit each, in date order."""

    model = Visit
    fields = readonly_fields = ("when", "status")
    ordering = ["start_at"]
    extra = 0
    can_delete = False
    show_change_link = True
    verbose_name = _("session")
    verbose_name_plural = _("sessions of the course")

    @admin.display(description=_("Start (studio time)"))
    def when(self, visit: Visit) -> str:
        return local(visit.start_at)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def next_session_start() -> Subquery:
    """When a course's next session still to take place starts, for one page's rows."""
    return Subquery(
        Visit.objects.filter(
            course=OuterRef("pk"),
            status__in=Visit.ACTIVE_STATUSES,
            start_at__gte=timezone.now(),
        )
        .order_by()
        .values("course")
        .annotate(first=Min("start_at"))
        .values("first")
    )


@admin.register(Course)
class CourseAdmin(BookingAdmin[Course]):
    list_display = ["created", "client", "offering", "sessions", "next_session"]
    list_select_related = ["client", "offering"]
    search_fields = ["client__name", "client__email", "client__phone"]
    search_help_text = _("Name, e-mail or phone on the client record.")
    # Newest first from the index made for it (booking_course_created_id).
    ordering = ["-created_at"]
    actions = ["cancel_courses"]
    inlines = [CourseVisitInline]
    readonly_fields = ["client", "offering", "session_count", "interval_days", "created", "id"]
    fields = [*readonly_fields]
    page_actions: ClassVar[list[tuple[str, StrOrPromise]]] = [
        ("cancel_courses", _("Cancel the sessions to come…"))
    ]
    books_course = True

    def get_queryset(self, request: HttpRequest) -> QuerySet[Course]:
        return super().get_queryset(request).annotate(next_start=next_session_start())

    @admin.display(description=_("Booked"), ordering="created_at")
    def created(self, course: Course) -> str:
        return local(course.created_at)

    @admin.display(description=_("Sessions"))
    def sessions(self, course: Course) -> str:
        return format_course(course.session_count, course.interval_days)

    @admin.display(description=_("Next session"))
    def next_session(self, course: Course) -> str:
        next_start = course.next_start  # type: ignore[attr-defined] # annotated above
        return local(next_start) if next_start else "-"

    @admin.action(
        description=_("Cancel the sessions to come of the selected courses"),
        permissions=["change"],
    )
    def cancel_courses(self, request: HttpRequest, queryset: QuerySet[Course]) -> HttpResponse:
        """Cancel every session still to come of each course, with a reason asked first."""
        return cancel_each(
            self,
            request,
            queryset.select_related("client", "offering").order_by("created_at"),
            cancel=lambda course, actor, reason: cancel_course(
                course=course, actor=actor, reason=reason
            ),
            words=CancelAction(
                action="cancel_courses",
                title=_("Cancel courses"),
                question=_(
                    "Cancel every session still to come of these courses? Sessions already "
                    "taken stay as they are."
                ),
                done=_("%(course)s: the sessions to come are cancelled."),
                name="course",
            ),
        )
