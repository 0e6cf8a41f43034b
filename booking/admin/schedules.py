"""The admin for who works when: therapists, their hours and time off, resources, clients."""

from collections.abc import Sequence
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.widgets import AdminTimeWidget
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin

from booking.admin.common import DateHierarchyAdmin, LongListAdmin, count_appointments, local
from booking.admin.privacy import ClientPrivacyActions
from booking.contacts import single_line
from booking.errors import BookingError
from booking.forms import TimeOffForm, WorkingHoursFormSet
from booking.models import (
    Appointment,
    Client,
    Resource,
    Therapist,
    TimeOff,
    WorkingHours,
)
from booking.phones import PhoneField
from booking.services import Actor, change_client, merge_clients


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
    verbose_name_plural = _("time off to come (all of it under Time off)")

    def get_queryset(self, request: HttpRequest) -> QuerySet[TimeOff]:
        return super().get_queryset(request).filter(end_at__gt=timezone.now())


@admin.register(Therapist)
class TherapistAdmin(TranslationAdmin[Therapist]):
    """The bio is edited in each language (booking/translation.py), side by side."""

    list_display = ["name", "skills", "is_active"]
    list_filter = ["is_active", "massage_types"]
    search_fields = ["name", "slug", "bio"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["massage_types"]
    inlines = [WorkingHoursInline, UpcomingTimeOffInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Therapist]:
        return super().get_queryset(request).prefetch_related("massage_types")

    @admin.display(description=_("Skills"))
    def skills(self, therapist: Therapist) -> str:
        return ", ".join(massage_type.name for massage_type in therapist.massage_types.all())


@admin.register(Resource)
class ResourceAdmin(admin.ModelAdmin[Resource]):
    list_display = ["name", "kind", "capacity", "is_active"]
    fields = ["name", "kind", "capacity", "is_active"]
    list_filter = ["kind", "is_active"]
    list_select_related = ["kind"]
    search_fields = ["name"]
    ordering = ["kind__name", "name"]


@admin.register(TimeOff)
class TimeOffAdmin(DateHierarchyAdmin[TimeOff]):
    form = TimeOffForm
    list_display = ["who", "start_at", "end_at", "reason"]
    list_filter = ["therapist"]
    list_select_related = ["therapist"]
    search_fields = ["reason", "therapist__name"]
    date_hierarchy = "start_at"
    ordering = ["-start_at"]

    @admin.display(description=_("Who"), ordering="therapist__name")
    def who(self, time_off: TimeOff) -> str:
        return time_off.therapist.name if time_off.therapist else gettext("Whole studio")

    def save_model(self, request: HttpRequest, obj: TimeOff, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        # Time off only stops new bookings; the ones already made stay
        # until someone calls the clients, so say how many there are.
        clashes = Appointment.objects.filter(
            status__in=Appointment.ACTIVE_STATUSES,
            start_at__lt=obj.end_at,
            end_at__gt=obj.start_at,
        )
        if obj.therapist_id is not None:
            clashes = clashes.filter(therapist_id=obj.therapist_id)
        count = clashes.count()
        if count:
            self.message_user(
                request,
                ngettext(
                    "%(count)d confirmed appointment falls in this time off. "
                    "Cancel it or call the client to move it.",
                    "%(count)d confirmed appointments fall in this time off. "
                    "Cancel them or call the clients to move them.",
                    count,
                )
                % {"count": count},
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

    @admin.display(description=_("Start (studio time)"))
    def when(self, appointment: Appointment) -> str:
        return local(appointment.start_at)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _staff(request: HttpRequest) -> Actor:
    """Staff on a client page: the admin has checked their permission on clients."""
    return Actor(label=str(request.user.get_username()), user=request.user, is_staff=True)


class ClientForm(forms.ModelForm[Client]):
    """Name, e-mail and phone as staff type them, the phone checked like everywhere else."""

    phone = PhoneField(label=_("Phone"))

    class Meta:
        model = Client
        fields = ["name", "email", "phone", "language"]

    def clean_name(self) -> str:
        name = single_line(self.cleaned_data["name"])
        if not name:
            raise forms.ValidationError(_("Enter the client's name."))
        return name


class MergeClientsForm(forms.Form):
    keep = forms.TypedChoiceField(
        coerce=int, error_messages={"required": _("Choose the one to keep.")}
    )

    def __init__(self, *args: Any, clients: Sequence[Client], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["keep"].choices = [(client.pk, str(client)) for client in clients]  # type: ignore[attr-defined] # a ChoiceField


@admin.register(Client)
class ClientAdmin(ClientPrivacyActions, LongListAdmin[Client]):
    """The client record: staff change it here, the one place besides the e-mailed link.

    Bookings made without login never change it (see
    `booking.services.clients`); duplicates are merged with an action,
    and a client's data is exported or erased with the privacy actions.
    """

    form = ClientForm
    # No count of each client's appointments: it would read every
    # appointment of every client on the page, years of them for a
    # regular; the merge page counts them for the clients it merges.
    list_display = ["name", "email", "phone", "language", "created_at"]
    search_fields = ["name", "email", "phone"]
    # No `ordering`: the changelist orders by -pk, the primary key's
    # index read backwards, newest records first.
    fields = ["name", "email", "phone", "language", "email_verified_at", "created_at"]
    readonly_fields = ["email_verified_at", "created_at"]
    inlines = [ClientAppointmentInline]
    actions = ["merge_clients", "export_data", "erase_data"]

    def save_model(self, request: HttpRequest, obj: Client, form: Any, change: bool) -> None:
        if not change:
            super().save_model(request, obj, form, change)
            return
        values = form.cleaned_data
        change_client(
            client=obj,
            name=values["name"],
            email=values["email"],
            phone=values["phone"],
            language=values["language"],
            by=_staff(request),
        )

    @admin.action(description=_("Merge the selected clients…"), permissions=["change"])
    def merge_clients(
        self, request: HttpRequest, queryset: QuerySet[Client]
    ) -> HttpResponse | None:
        """Ask which record to keep first, as deleting asks to confirm; then merge."""
        clients = list(
            queryset.annotate(appointment_count=count_appointments(of="client")).order_by(
                "created_at", "pk"
            )
        )
        if len(clients) < 2:
            self.message_user(
                request, gettext("Select two or more clients to merge."), messages.WARNING
            )
            return None
        form = MergeClientsForm(request.POST if "post" in request.POST else None, clients=clients)
        if form.is_valid():
            keep = next(client for client in clients if client.pk == form.cleaned_data["keep"])
            try:
                merge_clients(
                    keep=keep, duplicates=[c for c in clients if c != keep], by=_staff(request)
                )
            except BookingError as refused:
                self.message_user(request, refused.message, messages.ERROR)
            else:
                self.log_change(request, keep, f"Merged {len(clients) - 1} duplicate(s) into it.")
                merged = len(clients) - 1
                self.message_user(
                    request,
                    ngettext(
                        "Merged %(count)d client into %(keep)s.",
                        "Merged %(count)d clients into %(keep)s.",
                        merged,
                    )
                    % {"count": merged, "keep": keep},
                    messages.SUCCESS,
                )
            return None
        # The record with the most appointments is the likely one to keep.
        keep_id = max(clients, key=lambda client: client.appointment_count).pk
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Merge clients"),
            "opts": self.opts,
            "clients": clients,
            "keep_id": keep_id,
            "form": form,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "media": self.media,
        }
        return TemplateResponse(request, "admin/booking/client/merge_confirmation.html", context)
