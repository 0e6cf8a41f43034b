"""The admin for who works when: therapists, their hours and time off, resources, clients."""

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminTimeWidget
from django.db import models
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from booking.admin.common import local
from booking.admin.privacy import ClientPrivacyActions
from booking.forms import WorkingHoursFormSet
from booking.models import (
    Appointment,
    Client,
    Resource,
    Therapist,
    TimeOff,
    WorkingHours,
)


class WorkingHoursInline(admin.TabularInline[WorkingHours, Therapist]):
    model = WorkingHours
    formset = WorkingHoursFormSet
    extra = 0
    ordering = ["weekday", "start_time"]
    formfield_overrides = {models.TimeField: {"widget": AdminTimeWidget(format="%H:%M")}}


class UpcomingTimeOffInline(admin.TabularInline[TimeOff, Therapist]):
    """Only time off that is not over yet, so the page stays short over the years."""

    model = TimeOff
    extra = 0
    fields = ["start_at", "end_at", "reason"]
    ordering = ["start_at"]
    verbose_name_plural = "time off to come (all of it under Time off)"

    def get_queryset(self, request: HttpRequest) -> QuerySet[TimeOff]:
        return super().get_queryset(request).filter(end_at__gt=timezone.now())


@admin.register(Therapist)
class TherapistAdmin(admin.ModelAdmin[Therapist]):
    list_display = ["name", "skills", "is_active"]
    list_filter = ["is_active", "massage_types"]
    search_fields = ["name", "slug", "bio"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["massage_types"]
    inlines = [WorkingHoursInline, UpcomingTimeOffInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Therapist]:
        return super().get_queryset(request).prefetch_related("massage_types")

    @admin.display(description="Skills")
    def skills(self, therapist: Therapist) -> str:
        return ", ".join(massage_type.name for massage_type in therapist.massage_types.all())


@admin.register(Resource)
class ResourceAdmin(admin.ModelAdmin[Resource]):
    list_display = ["name", "kind", "is_active"]
    list_filter = ["kind", "is_active"]
    list_select_related = ["kind"]
    search_fields = ["name"]
    ordering = ["kind__name", "name"]


@admin.register(TimeOff)
class TimeOffAdmin(admin.ModelAdmin[TimeOff]):
    list_display = ["who", "start_at", "end_at", "reason"]
    list_filter = ["therapist"]
    list_select_related = ["therapist"]
    search_fields = ["reason", "therapist__name"]
    date_hierarchy = "start_at"
    ordering = ["-start_at"]

    @admin.display(description="Who", ordering="therapist__name")
    def who(self, time_off: TimeOff) -> str:
        return time_off.therapist.name if time_off.therapist else "Whole studio"

    def save_model(self, request: HttpRequest, obj: TimeOff, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        # Time off only stops new bookings; the ones already made stay
        # until someone calls the clients, so say how many there are.
        clashes = Appointment.objects.filter(
            status=Appointment.Status.CONFIRMED,
            start_at__lt=obj.end_at,
            end_at__gt=obj.start_at,
        )
        if obj.therapist_id is not None:
            clashes = clashes.filter(therapist_id=obj.therapist_id)
        count = clashes.count()
        if count:
            self.message_user(
                request,
                f"{count} confirmed appointment(s) fall in this time off. "
                "Cancel them or call the clients to move them.",
                messages.WARNING,
            )


class ClientAppointmentInline(admin.TabularInline[Appointment, Client]):
    model = Appointment
    fields = readonly_fields = ("when", "offering", "therapist", "status", "source")
    ordering = ["-start_at"]
    extra = 0
    can_delete = False
    show_change_link = True

    def get_queryset(self, request: HttpRequest) -> QuerySet[Appointment]:
        return super().get_queryset(request).select_related("offering", "therapist")

    @admin.display(description="Start (studio time)")
    def when(self, appointment: Appointment) -> str:
        return local(appointment.start_at)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Client)
class ClientAdmin(ClientPrivacyActions):
    list_display = ["name", "email", "phone", "appointment_count", "created_at"]
    search_fields = ["name", "email", "phone"]
    readonly_fields = ["created_at"]
    inlines = [ClientAppointmentInline]
    actions = ["export_data", "erase_data"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Client]:
        return super().get_queryset(request).annotate(appointment_count=Count("appointments"))

    @admin.display(description="Appointments", ordering="appointment_count")
    def appointment_count(self, client: Client) -> int:
        count: int = client.appointment_count  # type: ignore[attr-defined] # annotated above
        return count
