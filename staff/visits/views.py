"""The visit page at the front desk: what was booked, for whom, what happened to it.

Reception sees every visit and acts on it: moves it to another time or
therapist, cancels it, marks its appointments. A therapist sees the
visits with an appointment of theirs (404 for any other), only their
own appointments of it, and marks those: they are the one in the room
when a client comes or does not, and at a small studio there may be
nobody at the desk. Moving and cancelling stay with reception (403).
Every write goes through the booking services.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from booking import errors, services
from booking.models import (
    Allocation,
    Appointment,
    AppointmentEvent,
    Therapist,
    TreatmentNote,
    Visit,
)
from booking.site_forms import slot_value
from booking.views.common import on_studio_clock
from booking.views.slots import NEAREST_COUNT, NEAREST_DAYS, by_day
from booking.visits import Part, visit_slots
from catalog.models import HealthQuestion
from staff.access import Scope, reception_only, staff_view
from staff.money.views import checkout_context
from staff.visits.forms import (
    CancelForm,
    MarkForm,
    MoveForm,
    MoveQueryForm,
    therapist_field_name,
)
from staff.visits.money import money_context

# The parts of a treatment note, in the SOAP order.
NOTE_PARTS = ("subjective", "objective", "assessment", "plan")

MARKED = {
    "arrived": gettext_lazy("Marked arrived."),
    "completed": gettext_lazy("Marked completed."),
    "no_show": gettext_lazy("Marked no-show."),
    "undo": gettext_lazy("Mark undone."),
}


@dataclass(frozen=True)
class Row:
    """One appointment on the page, with its rooms and the marks this login may set."""

    appointment: Appointment
    rooms: list[str]
    marks: list[tuple[str, str]]
    health: list[tuple[str, Any]]


@dataclass(frozen=True)
class HistoryLine:
    at: datetime
    what: str
    who: str
    detail: str


def _visit_or_404(scope: Scope, pk: UUID) -> Visit:
    return get_object_or_404(scope.visits(Visit.objects.select_related("client")), pk=pk)


def _appointments(scope: Scope, visit: Visit) -> list[Appointment]:
    """The visit's appointments this login sees: all for reception, their own for a therapist."""
    return list(
        scope.appointments(Appointment.objects.filter(visit=visit))
        .select_related("offering", "offering__massage_type", "therapist")
        .order_by("start_at", "id")
    )


def _marks(appointment: Appointment, now: datetime) -> list[tuple[str, str]]:
    """The marks that may be set on the appointment now: (value, button label)."""
    status = appointment.status
    if status in (Appointment.Status.COMPLETED, Appointment.Status.NO_SHOW):
        return [("undo", _("Undo “%(mark)s”") % {"mark": appointment.get_status_display()})]
    if status != Appointment.Status.CONFIRMED:
        return []
    marks = []
    zone = timezone.get_current_timezone()
    on_the_day = appointment.start_at.astimezone(zone).date() == now.astimezone(zone).date()
    if appointment.arrived_at is None and on_the_day:
        marks.append(("arrived", _("Arrived")))
    if appointment.start_at <= now:
        marks.append(("completed", _("Completed")))
        if appointment.arrived_at is None:
            marks.append(("no_show", _("No-show")))
    if appointment.arrived_at is not None:
        marks.append(("undo", _("Undo “arrived”")))
    return marks


def _rooms(visit: Visit) -> dict[UUID | None, list[str]]:
    """The resources each appointment holds; under None those the visit holds for all."""
    rooms: dict[UUID | None, list[str]] = {}
    for allocation in (
        Allocation.objects.filter(visit=visit, is_active=True)
        .select_related("resource")
        .order_by("resource__name")
    ):
        rooms.setdefault(allocation.appointment_id, []).append(allocation.resource.name)
    return rooms


def _health(appointment: Appointment) -> list[tuple[str, Any]]:
    """Every question with its stored answer, then the note and any other keys kept.

    A question missing from the answers was not asked either
    (`booking.health`): it is listed, and reads "not asked", not "no".
    """
    answers = appointment.health
    if not answers:
        return []
    lines: list[tuple[str, Any]] = [
        (str(question.label), answers.get(question.value)) for question in HealthQuestion
    ]
    others = {"note": _("Note")}
    lines += [
        (str(others.get(key, key.replace("_", " ").capitalize())), value)
        for key, value in answers.items()
        if key not in HealthQuestion.values
    ]
    return lines


def _history(appointments: list[Appointment]) -> list[HistoryLine]:
    """The events of the appointments shown, newest first."""
    names = {a.pk: f"{a.offering.name}, {a.therapist.name}" for a in appointments}
    events = AppointmentEvent.objects.filter(appointment__in=appointments).order_by(
        "-created_at", "-id"
    )
    lines = []
    for event in events:
        detail = _event_detail(event)
        if len(appointments) > 1:
            detail = f"{names[event.appointment_id]}{': ' + detail if detail else ''}"
        lines.append(
            HistoryLine(
                at=event.created_at,
                what=event.get_action_display(),
                who=event.actor,
                detail=detail,
            )
        )
    return lines


def _event_detail(event: AppointmentEvent) -> str:
    details = event.details or {}
    action = event.action
    if action == AppointmentEvent.Action.RESCHEDULED and "from" in details:
        zone = timezone.get_current_timezone()
        moments = [datetime.fromisoformat(details[key]).astimezone(zone) for key in ("from", "to")]
        when = [date_format(moment, _("D j M, H:i")) for moment in moments]
        return _("from %(from)s to %(to)s") % {"from": when[0], "to": when[1]}
    if action == AppointmentEvent.Action.REASSIGNED:
        return _("from %(from)s to %(to)s") % {"from": details["from"], "to": details["to"]}
    if action == AppointmentEvent.Action.MARK_UNDONE:
        undone = {
            "arrived": _("arrived"),
            "completed": _("completed"),
            "no_show": _("no-show"),
        }
        return undone.get(details.get("undone", ""), "")
    if action == AppointmentEvent.Action.NOTE_CHANGED:
        # Which parts of the note changed; their text is never in an event.
        fields = {field: TreatmentNote._meta.get_field(field) for field in NOTE_PARTS}
        return ", ".join(
            str(fields[part].verbose_name)  # type: ignore[union-attr]
            for part in details.get("parts", [])
            if part in fields
        )
    if action == AppointmentEvent.Action.CANCELLED and details.get("reason"):
        return str(details["reason"])
    return ""


@on_studio_clock
@staff_view
def visit_page(request: HttpRequest, scope: Scope, pk: UUID) -> HttpResponse:
    """The visit: its appointments, client, health answers (with the permission), history."""
    visit = _visit_or_404(scope, pk)
    return render(request, "staff/visits/visit.html", _page_context(request, scope, visit))


def _page_context(
    request: HttpRequest, scope: Scope, visit: Visit, *, cancel_form: CancelForm | None = None
) -> dict[str, Any]:
    now = timezone.now()
    appointments = _appointments(scope, visit)
    rooms = _rooms(visit)
    with_health = services.can_see_health(request.user)
    rows = [
        Row(
            appointment=appointment,
            rooms=rooms.get(appointment.pk, []) + rooms.get(None, []),
            marks=_marks(appointment, now),
            health=_health(appointment) if with_health else [],
        )
        for appointment in appointments
    ]
    return {
        "visit": visit,
        "rows": rows,
        "with_health": with_health,
        # A visit of one keeps its notes on the appointment too: shown once.
        "visit_notes": visit.notes
        if with_health and visit.notes not in {a.notes for a in appointments}
        else "",
        "history": _history(appointments),
        "may_change": scope.is_reception and visit.is_active,
        "cancel_form": cancel_form or CancelForm(initial={"notify": True}),
        **money_context(scope, visit, appointments),
        **checkout_context(visit, scope),
    }


@on_studio_clock
@require_POST
@staff_view
def mark(request: HttpRequest, scope: Scope, pk: UUID, appointment_pk: UUID) -> HttpResponse:
    """Mark an appointment arrived, completed or no-show, or undo the last mark.

    Reception marks any appointment, a therapist their own (404 for another's).
    """
    visit = _visit_or_404(scope, pk)
    appointment = get_object_or_404(
        scope.appointments(Appointment.objects.filter(visit=visit)).select_related("visit"),
        pk=appointment_pk,
    )
    form = MarkForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a mark: arrived, completed, no-show or undo."))
        return _bad_request(request, scope, visit)
    chosen = form.cleaned_data["mark"]
    actor = services.Actor.for_user(request.user)
    try:
        if chosen == "arrived":
            services.mark_arrived(appointment=appointment, actor=actor)
        elif chosen == "undo":
            services.undo_mark(appointment=appointment, actor=actor)
        else:
            services.mark_appointment(appointment=appointment, status=chosen, actor=actor)
    except errors.BookingError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, MARKED[chosen])
    return _back_to(visit)


def _back_to(visit: Visit) -> HttpResponseRedirect:
    # 303: the browser (and htmx) reads the visit page again with a GET.
    return HttpResponseRedirect(reverse("staff:visit", args=[visit.pk]), status=303)


def _bad_request(request: HttpRequest, scope: Scope, visit: Visit, **extra: Any) -> HttpResponse:
    context = _page_context(request, scope, visit, **extra)
    return render(request, "staff/visits/visit.html", context, status=400)


@on_studio_clock
@require_POST
@staff_view
def cancel(request: HttpRequest, scope: Scope, pk: UUID) -> HttpResponse:
    """Cancel the visit with a reason; the client's notice only when asked for (reception)."""
    reception_only(scope)
    visit = _visit_or_404(scope, pk)
    form = CancelForm(request.POST)
    if not form.is_valid():
        return _bad_request(request, scope, visit, cancel_form=form)
    try:
        services.cancel_visit(
            visit=visit,
            actor=services.Actor.for_user(request.user),
            reason=form.cleaned_data["reason"],
            notify=form.cleaned_data["notify"],
            by_studio=form.cleaned_data["by_studio"],
        )
    except errors.BookingError as error:
        messages.error(request, error.message)
    else:
        if form.cleaned_data["notify"]:
            messages.success(request, _("The visit is cancelled; the client is told."))
        else:
            messages.success(request, _("The visit is cancelled; no message went to the client."))
    return _back_to(visit)


def _qualified(appointments: list[Appointment]) -> dict[int, list[Therapist]]:
    """Per massage type of the visit, the active therapists who give it."""
    types = {a.offering.massage_type_id for a in appointments}
    qualified: dict[int, list[Therapist]] = {type_id: [] for type_id in types}
    for therapist in (
        Therapist.objects.filter(is_active=True, massage_types__in=types)
        .prefetch_related("massage_types")
        .distinct()
        .order_by("name")
    ):
        for massage_type in therapist.massage_types.all():
            if massage_type.pk in qualified:
                qualified[massage_type.pk].append(therapist)
    return qualified


@dataclass(frozen=True)
class _Wanted:
    """The visit as it would be moved: its appointments with the therapists chosen."""

    visit: Visit
    appointments: list[Appointment]
    therapist_ids: dict[Any, int]

    def slots(self, start_on: date, end_on: date) -> list[datetime]:
        """The free starts for staff between two local days: no minimum notice."""
        together = len(self.appointments) > 1 and len({a.start_at for a in self.appointments}) == 1
        parts = [
            Part(
                offering=a.offering, therapist_id=self.therapist_ids[a.pk], guest_name=a.guest_name
            )
            for a in self.appointments
        ]
        try:
            found = visit_slots(
                parts=parts,
                together=together,
                start_on=start_on,
                end_on=end_on,
                ignore_visit=self.visit.pk,
                staff=True,
            )
        except errors.InvalidVisit:
            return []
        return [slot.start_at for slot in found]

    def nearest(self, around: datetime) -> list[datetime]:
        """The free starts closest to `around`: its day and the week after."""
        zone = timezone.get_current_timezone()
        day = max(around, timezone.now()).astimezone(zone).date()
        starts = self.slots(day, day + timedelta(days=NEAREST_DAYS))
        closest = sorted(starts, key=lambda start: abs(start - around))[:NEAREST_COUNT]
        return sorted(start.astimezone(zone) for start in closest)


@on_studio_clock
@staff_view
def move(request: HttpRequest, scope: Scope, pk: UUID) -> HttpResponse:
    """Move the visit to another time and/or give its appointments to other therapists.

    GET shows a day's free times for the therapists chosen (the visit's
    own by default); POST moves, through `services.move_visit`. A time
    taken meanwhile is a 409 with the nearest free times.
    """
    reception_only(scope)
    visit = _visit_or_404(scope, pk)
    if not visit.is_active:
        messages.error(request, errors.NotActive.default_message)
        return _back_to(visit)
    appointments = _appointments(scope, visit)
    qualified = _qualified(appointments)
    zone = timezone.get_current_timezone()
    visit_day = visit.start_at.astimezone(zone).date()
    if request.method == "POST":
        return _move(request, visit, appointments, qualified)
    query = MoveQueryForm(
        request.GET or None,
        appointments=appointments,
        qualified=qualified,
        initial={"on": visit_day},
    )
    if request.GET and not query.is_valid():
        return _render_move(request, visit, appointments, query, status=400)
    on = query.cleaned_data["on"] if request.GET else visit_day
    therapist_ids = (
        query.chosen_ids() if request.GET else {a.pk: a.therapist_id for a in appointments}
    )
    wanted = _Wanted(visit, appointments, therapist_ids)
    form = MoveForm(
        appointments=appointments,
        qualified=qualified,
        initial={
            "notify": True,
            "start": slot_value(visit.start_at),
            **{f"therapist_{key}": value for key, value in therapist_ids.items()},
        },
    )
    return _render_move(
        request, visit, appointments, query, form=form, on=on, times=wanted.slots(on, on)
    )


def _move(
    request: HttpRequest,
    visit: Visit,
    appointments: list[Appointment],
    qualified: dict[int, list[Therapist]],
) -> HttpResponse:
    form = MoveForm(request.POST, appointments=appointments, qualified=qualified)
    zone = timezone.get_current_timezone()
    query = MoveQueryForm(
        appointments=appointments,
        qualified=qualified,
        initial={"on": visit.start_at.astimezone(zone).date()},
    )
    if not form.is_valid():
        # The day's times again, for the therapists sent when they are valid.
        sent = {
            a.pk: form.cleaned_data.get(therapist_field_name(a), a.therapist_id)
            for a in appointments
        }
        day = visit.start_at.astimezone(zone).date()
        times = _Wanted(visit, appointments, sent).slots(day, day)
        return _render_move(
            request, visit, appointments, query, form=form, on=day, times=times, status=400
        )
    chosen = form.chosen_ids()
    by_id = {t.pk: t for therapists in qualified.values() for t in therapists}
    therapists = {
        appointment.pk: by_id[chosen[appointment.pk]]
        for appointment in appointments
        if chosen[appointment.pk] != appointment.therapist_id
    }
    start_at: datetime = form.cleaned_data["start"]
    try:
        services.move_visit(
            visit=visit,
            actor=services.Actor.for_user(request.user),
            start_at=start_at,
            therapists=therapists,
            notify=form.cleaned_data["notify"],
        )
    except (errors.SlotUnavailable, errors.InvalidStart) as error:
        message = (
            _("That time was just taken. Choose one of the nearest free times.")
            if isinstance(error, errors.SlotUnavailable)
            else error.message
        )
        form.add_error("start", message)
        nearest = _Wanted(visit, appointments, chosen).nearest(start_at)
        return _render_move(
            request,
            visit,
            appointments,
            query,
            form=form,
            nearest=nearest,
            status=409 if isinstance(error, errors.SlotUnavailable) else 400,
        )
    except errors.BookingError as error:
        form.add_error(None, error.message)
        day = start_at.astimezone(zone).date()
        return _render_move(
            request,
            visit,
            appointments,
            query,
            form=form,
            on=day,
            times=_Wanted(visit, appointments, chosen).slots(day, day),
            status=error.status_code,
        )
    if form.cleaned_data["notify"]:
        messages.success(request, _("The visit is changed; the client is told."))
    else:
        messages.success(request, _("The visit is changed; no message went to the client."))
    return _back_to(visit)


def _render_move(
    request: HttpRequest,
    visit: Visit,
    appointments: list[Appointment],
    query: MoveQueryForm,
    *,
    form: MoveForm | None = None,
    on: date | None = None,
    times: list[datetime] | None = None,
    nearest: list[datetime] | None = None,
    status: int = 200,
) -> HttpResponse:
    zone = timezone.get_current_timezone()
    local_times = [moment.astimezone(zone) for moment in times or []]
    current = slot_value(visit.start_at)
    choices = [(slot_value(moment), moment) for moment in local_times]
    return render(
        request,
        "staff/visits/move.html",
        {
            "visit": visit,
            "appointments": appointments,
            "query": query,
            "form": form,
            "on": on,
            "times": choices,
            "current": current,
            "offers_current": any(value == current for value, _ in choices),
            "nearest": by_day(nearest) if nearest is not None else None,
        },
        status=status,
    )
