"""The client pages of the front desk: search, the record, treatment notes.

Every view reads through the login's `Scope` (staff.access): reception
finds every client, a therapist only those they give a massage to, and
the appointments of a record are those the login sees. Anything beyond
a login's scope is not found (404).
"""

from __future__ import annotations

from typing import Any, cast
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from booking import errors, selectors
from booking.models import Appointment, Client
from booking.services import Actor, can_see_health
from booking.services.clients import change_preferences
from booking.services.notes import may_write_note, note_refusal, write_treatment_note
from staff.access import Scope, reception_only, staff_view
from staff.clients.forms import PreferencesForm, SearchForm, TreatmentNoteForm


@require_GET
@staff_view
def search(request: HttpRequest, scope: Scope) -> HttpResponse:
    """Clients by name, phone or e-mail, among those the login sees: 400 for a query too short."""
    form = SearchForm(request.GET if "q" in request.GET else None)
    found: list[Client] = []
    status = 200
    if form.is_bound:
        if form.is_valid():
            found = selectors.search_clients(scope.clients(), query=form.cleaned_data["q"])
        else:
            status = 400
    return render(
        request,
        "staff/clients/search.html",
        {
            "form": form,
            "clients": found,
            "is_full": len(found) == selectors.CLIENT_SEARCH_LIMIT,
            "limit": selectors.CLIENT_SEARCH_LIMIT,
        },
        status=status,
    )


@require_GET
@staff_view
def record(request: HttpRequest, scope: Scope, pk: int) -> HttpResponse:
    """Everything the desk knows of one client the login sees; 404 for one beyond their scope."""
    client = _client_or_404(scope, pk)
    form = PreferencesForm(instance=client) if scope.is_reception else None
    return _render_record(request, scope, client, form)


@require_POST
@staff_view
def preferences(request: HttpRequest, scope: Scope, pk: int) -> HttpResponse:
    """Reception changes a client's preferences and notes; the record again with 400 if invalid."""
    reception_only(scope)
    client = _client_or_404(scope, pk)
    form = PreferencesForm(request.POST, instance=Client.objects.get(pk=client.pk))
    if not form.is_valid():
        return _render_record(request, scope, client, form, status=400)
    values = form.cleaned_data
    change_preferences(
        client=client,
        pressure=values["pressure"],
        preferred_therapist=values["preferred_therapist"],
        therapist_gender=values["therapist_gender"],
        allergies=values["allergies"],
        staff_notes=values["staff_notes"],
        by=Actor.for_user(request.user),
    )
    messages.success(request, _("The client's preferences are saved."))
    return HttpResponseRedirect(reverse("staff:client", args=[client.pk]), status=303)


@require_http_methods(["GET", "POST"])
@staff_view
def treatment_note(request: HttpRequest, scope: Scope, pk: UUID) -> HttpResponse:
    """An appointment's treatment note: its therapist writes it, staff with `view_health` read it.

    An appointment beyond the login's scope is not found (404); a login
    that sees it but may not read health data is refused (403), and so is
    a POST by anyone but its therapist.
    """
    appointment = get_object_or_404(
        scope.appointments(
            Appointment.objects.select_related(
                "client", "offering", "therapist", "treatment_note", "treatment_note__author"
            )
        ),
        pk=pk,
    )
    is_writer = may_write_note(appointment=appointment, user=request.user)
    if not (is_writer or can_see_health(request.user)):
        raise PermissionDenied
    note = getattr(appointment, "treatment_note", None)
    refusal = note_refusal(appointment=appointment, now=timezone.now())
    can_write = is_writer and refusal is None
    form = TreatmentNoteForm(instance=note) if can_write else None
    status = 200
    if request.method == "POST":
        if not is_writer:
            raise PermissionDenied
        form = TreatmentNoteForm(request.POST, instance=note)
        if form.is_valid():
            try:
                write_treatment_note(
                    appointment=appointment,
                    # staff_view let only a logged-in user this far.
                    author=cast(User, request.user),
                    **{name: form.cleaned_data[name] for name in TreatmentNoteForm.Meta.fields},
                )
            except errors.BookingError as error:
                form.add_error(None, error.message)
                status = error.status_code
            else:
                messages.success(request, _("The treatment note is saved."))
                return HttpResponseRedirect(
                    reverse("staff:treatment-note", args=[appointment.pk]), status=303
                )
        else:
            status = 400
    return render(
        request,
        "staff/clients/note.html",
        {
            "appointment": appointment,
            "client": appointment.client,
            "note": note,
            "form": form,
            "refusal": refusal if is_writer else None,
            "is_writer": is_writer,
        },
        status=status,
    )


def _client_or_404(scope: Scope, pk: int) -> Client:
    return get_object_or_404(
        scope.clients(Client.objects.select_related("preferred_therapist")), pk=pk
    )


def _render_record(
    request: HttpRequest,
    scope: Scope,
    client: Client,
    form: PreferencesForm | None,
    *,
    status: int = 200,
) -> HttpResponse:
    appointments = scope.appointments(Appointment.objects.filter(client_id=client.pk))
    sees_health = can_see_health(request.user)
    context: dict[str, Any] = {
        "client": client,
        "record": selectors.client_record(appointments, now=timezone.now()),
        "form": form,
        "sees_health": sees_health,
        "health_history": selectors.health_history(client) if sees_health else None,
    }
    return render(request, "staff/clients/record.html", context, status=status)
