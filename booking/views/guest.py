"""A guest's booking, reached by its manage token: see it, move it, cancel it.

The token opens the pages once, through the session (see
`booking.guest_access`); the pages' own addresses never hold it. A wrong
token, a browser without it, and the token of an appointment that is
over, are a plain 404 that tells nothing about the appointment. The
pages are never cached: they show a state that changes.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from booking import errors, services
from booking.availability import Rules
from booking.calendar import appointment_calendar
from booking.guest_access import exchange_token, exchanges_token, granted_appointment, manage_link
from booking.models import Appointment
from booking.services import limits
from booking.site_forms import CancelForm, SlotQueryForm, StartForm, parse_slot, slot_value
from booking.views.common import on_studio_clock, rate_limited, see_other, with_query
from booking.views.slots import build_picker, by_day, nearest_free
from catalog import selectors as catalog_selectors


def _url(name: str, appointment: Appointment) -> str:
    return reverse(name, kwargs={"appointment_id": appointment.pk})


def _context(request: HttpRequest, appointment: Appointment) -> dict[str, Any]:
    """The appointment, and until when the guests' cancellation policy lets it change.

    The booking service owns the rule; the page only shows it.
    """
    can_change = services.can_guest_change(appointment, now=timezone.now())
    return {
        "appointment": appointment,
        "offering": appointment.offering,
        "is_confirmed": appointment.status == Appointment.Status.CONFIRMED,
        # Held until the client opens the link in the e-mail; it may be
        # cancelled meanwhile, and moved once confirmed.
        "is_held": appointment.is_held,
        "change_until": services.guest_change_deadline(appointment),
        "can_change": can_change,
        "can_move": can_change and not appointment.is_held,
        "cancel_hours": settings.STUDIO_GUEST_CANCEL_HOURS,
        "manage_url": _url("booking:manage", appointment),
        # The link to keep, as the e-mail has it: it opens the booking in
        # any browser, once exchanged for that browser's session.
        "keep_url": request.build_absolute_uri(manage_link(appointment)),
        "calendar_url": _url("booking:calendar", appointment),
    }


@never_cache
def old_link(request: HttpRequest, appointment_id: UUID, token: str, page: str) -> HttpResponse:
    """A link sent before the token left the address: exchanged like `?t=`.

    E-mails already sent keep working; the browser goes on to the same
    page (`page` is the name the URLconf gives) without the token.
    """
    to = reverse(f"booking:{page}", kwargs={"appointment_id": appointment_id})
    if request.GET:
        to = f"{to}?{request.GET.urlencode()}"
    return exchange_token(request, appointment_id=appointment_id, token=token, to=to)


@never_cache
@on_studio_clock
@require_GET
@exchanges_token
def confirmation(request: HttpRequest, appointment_id: UUID) -> HttpResponse:
    appointment = granted_appointment(request, appointment_id)
    if not appointment.is_active:
        return redirect(_url("booking:manage", appointment))
    said_yes = {question for question, answer in appointment.health.items() if answer is True}
    rules = catalog_selectors.contraindications_of(
        massage_type_id=appointment.offering.massage_type_id
    )
    return render(
        request,
        "booking/confirmation.html",
        {
            **_context(request, appointment),
            "talk_first": [rule for rule in rules if rule.question in said_yes],
        },
    )


@never_cache
@on_studio_clock
@require_GET
@exchanges_token
def manage(request: HttpRequest, appointment_id: UUID) -> HttpResponse:
    appointment = granted_appointment(request, appointment_id)
    return render(request, "booking/manage.html", _context(request, appointment))


@never_cache
@require_GET
@exchanges_token
def calendar(request: HttpRequest, appointment_id: UUID) -> HttpResponse:
    appointment = granted_appointment(request, appointment_id)
    local_start = appointment.start_at.astimezone(Rules.from_settings().zone)
    # In the booking's language, as its e-mails' calendar files are.
    with translation.override(appointment.language):
        ics = appointment_calendar(appointment, method="PUBLISH")
    response = HttpResponse(ics, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="massage-{local_start:%Y-%m-%d-%H%M}.ics"'
    )
    return response


@never_cache
@on_studio_clock
@require_http_methods(["GET", "POST"])
@exchanges_token
def cancel(request: HttpRequest, appointment_id: UUID) -> HttpResponse:
    appointment = granted_appointment(request, appointment_id)
    manage_url = _url("booking:manage", appointment)
    context = _context(request, appointment)
    if request.method == "GET":
        if not context["can_change"]:
            return redirect(manage_url)
        return render(request, "booking/cancel.html", {**context, "form": CancelForm()})

    form = CancelForm(request.POST)
    if not form.is_valid():
        return render(request, "booking/cancel.html", {**context, "form": form})
    try:
        services.cancel_appointment(
            appointment=appointment,
            actor=services.Actor.guest(),
            reason=form.cleaned_data["reason"],
        )
    except errors.NotActive:
        # Sent twice, or cancelled by the studio meanwhile: cancelled either way.
        messages.info(request, _("This appointment is already cancelled."))
    except errors.BookingError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("Your appointment is cancelled. We hope to see you another time.")
        )
    return see_other(manage_url)


@never_cache
@on_studio_clock
@require_http_methods(["GET", "POST"])
@exchanges_token
def reschedule(request: HttpRequest, appointment_id: UUID) -> HttpResponse:
    """Choose a new time with the same therapist, confirm it, and move the appointment.

    Without `start` the page is the slot picker; with it, the question
    whether to move there; a POST moves it.
    """
    appointment = granted_appointment(request, appointment_id)
    context = _context(request, appointment)
    if not context["can_move"]:
        return redirect(_url("booking:manage", appointment))
    if request.method == "POST":
        return _move(request, appointment, context)
    start_at = parse_slot(request.GET.get("start"))
    if start_at is not None:
        return _render_move(request, appointment, context, start_at)

    here = _url("booking:reschedule", appointment)
    picker = build_picker(
        offering=appointment.offering,
        therapist_id=appointment.therapist_id,
        query=SlotQueryForm(request.GET, therapists=[]),
        day_url=lambda params: with_query(here, params),
        time_url=lambda slot: with_query(here, {"start": slot_value(slot.start_at)}),
        moving=appointment,
        default_on=appointment.start_at.astimezone(Rules.from_settings().zone).date(),
    )
    return render(
        request,
        "booking/reschedule.html",
        {
            **context,
            "picker": picker,
            "picker_url": here,
            "therapist": appointment.therapist,
            "zone_name": settings.STUDIO_TIME_ZONE,
        },
    )


def _move(request: HttpRequest, appointment: Appointment, context: dict[str, Any]) -> HttpResponse:
    form = StartForm(request.POST)
    if not form.is_valid():
        wanted = parse_slot(request.POST.get("around"))
        return _render_move(request, appointment, context, wanted, _("Choose a time."))
    actor = services.Actor.guest()
    try:
        with limits.limit_guest_change(appointment=appointment, actor=actor):
            moved = services.reschedule_appointment(
                appointment=appointment, start_at=form.cleaned_data["start"], actor=actor
            )
    except errors.RateLimited as error:
        messages.error(request, error.message)
        return rate_limited(render(request, "booking/manage.html", context), error)
    except (errors.SlotUnavailable, errors.InvalidStart) as error:
        return _render_move(
            request, appointment, context, form.cleaned_data["start"], error.message
        )
    except errors.BookingError as error:
        messages.error(request, error.message)
    else:
        # Translators: a Django date format; Russian wants the genitive month, "E".
        when = date_format(timezone.localtime(moved.start_at), _("l j F, H:i"))
        messages.success(request, _("Your appointment is moved to %(when)s.") % {"when": when})
    return see_other(_url("booking:manage", appointment))


def _render_move(
    request: HttpRequest,
    appointment: Appointment,
    context: dict[str, Any],
    start_at: datetime | None,
    problem: str | None = None,
) -> HttpResponse:
    """Ask to confirm the move to `start_at`, or, when it cannot be, offer the nearest times."""
    zone = Rules.from_settings().zone
    new_start = start_at.astimezone(zone) if start_at and not problem else None
    alternatives: list[datetime] = []
    if problem and start_at is not None:
        alternatives = nearest_free(
            offering=appointment.offering,
            wanted=start_at,
            therapist_id=appointment.therapist_id,
            moving=appointment,
        )
    return render(
        request,
        "booking/reschedule_confirm.html",
        {
            **context,
            "new_start": new_start,
            "new_end": (
                new_start + timedelta(minutes=appointment.offering.duration_minutes)
                if new_start
                else None
            ),
            "wanted": slot_value(start_at) if start_at else "",
            "start_errors": [problem] if problem else [],
            "alternatives": by_day(alternatives),
            "picker_url": _url("booking:reschedule", appointment),
        },
    )
