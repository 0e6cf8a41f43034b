"""A guest's booking, reached by its manage token: see it, move it, cancel it.

The token opens the pages once, through the session (see
`booking.guest_access`); the pages' own addresses never hold it. A wrong
token, a browser without it, and the token of an appointment that is
over, are a plain 404 that tells nothing about the appointment. The
pages are never cached: they show a state that changes.

A booking is a visit: every appointment of it is shown, and it is
cancelled or moved as one. The pages' address carries the id of the
visit's lead appointment (the e-mails link there); the id of any other
appointment of the visit opens the same pages. A course's pages list
its sessions, each a visit of its own.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode
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

from booking import errors, selectors, services
from booking.availability import Rules
from booking.calendar import appointment_calendar
from booking.guest_access import exchange_token, exchanges_token, granted_appointment, manage_link
from booking.models import Appointment, Visit
from booking.selectors import GuestVisit
from booking.services import limits
from booking.site_forms import CancelForm, SlotQueryForm, StartForm, parse_slot, slot_value
from booking.views.common import on_studio_clock, rate_limited, see_other, with_query
from booking.views.slots import WantedVisit, build_picker, by_day, nearest_free
from catalog import selectors as catalog_selectors
from catalog.models import Contraindication

# The site's views stand above payments (DESIGN.md); booking's services never ask it.
from payments.selectors import gift_card_paid, visit_balance
from payments.services import online
from studio.formatting import format_list


def _url(name: str, appointment: Appointment) -> str:
    return reverse(name, kwargs={"appointment_id": appointment.pk})


def _again(booked: GuestVisit) -> dict[str, str]:
    """How "Book again" asks for a visit of the same shape, when the offering's page offers it."""
    appointments = booked.appointments
    if len(appointments) != 2:
        return {}
    if booked.is_together:
        return {"people": "2"}
    return {"then": appointments[1].offering.slug}


def _granted(request: HttpRequest, appointment_id: UUID) -> GuestVisit:
    """The visit of the appointment this session may open, or a plain 404."""
    return selectors.guest_visit(granted_appointment(request, appointment_id))


def _paid_online(visit: Visit) -> dict[str, Any]:
    """What was paid online for a visit that was held for its payment, and of it by gift card."""
    if visit.hold_reason != visit.HoldReason.PAYMENT:
        return {"paid_online": None, "gift_card_paid": None}
    return {"paid_online": visit_balance(visit).paid, "gift_card_paid": gift_card_paid(visit)}


def _context(request: HttpRequest, booked: GuestVisit) -> dict[str, Any]:
    """The visit, and until when the guests' cancellation policy lets it change.

    The booking service owns the rule; the page only shows it. The lead
    appointment starts the visit and shares its status, so the rule
    asked of it is the visit's.
    """
    appointment = booked.lead
    can_change = services.can_guest_change(appointment, now=timezone.now())
    return {
        "appointment": appointment,
        "visit": booked.visit,
        "appointments": booked.appointments,
        "is_visit": len(booked.appointments) > 1,
        "is_together": booked.is_together,
        "visit_price": sum(a.price for a in booked.appointments),
        **_paid_online(booked.visit),
        "sessions": booked.sessions,
        "course": booked.visit.course,
        "offering": appointment.offering,
        # Each massage once, in the visit's order, for the page's title.
        "visit_name": format_list(a.offering.name for a in booked.appointments),
        "again_query": urlencode(_again(booked)),
        "now": timezone.now(),
        "is_confirmed": appointment.status == Appointment.Status.CONFIRMED,
        # Held until the client opens the link in the e-mail; it may be
        # cancelled meanwhile, and moved once confirmed.
        "is_held": appointment.is_held,
        "is_awaiting_payment": booked.visit.is_awaiting_payment,
        "pay_url": _pay_url(booked),
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


def _pay_url(booked: GuestVisit) -> str:
    """Where a visit held for its payment is paid (its newest attempt), else nothing."""
    if not booked.visit.is_awaiting_payment:
        return ""
    payment = online.latest_payment(booked.visit)
    if payment is None:
        return ""
    name = "payments:pay" if payment.status == payment.Status.PENDING else "payments:status"
    return reverse(name, kwargs={"payment_id": payment.pk})


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
    booked = _granted(request, appointment_id)
    if not booked.lead.is_active:
        return redirect(_url("booking:manage", booked.lead))
    if booked.visit.is_awaiting_payment:
        from booking.views.book import to_payment  # noqa: PLC0415 (book imports this module's neighbours)

        return to_payment(request, booked.lead)
    return render(
        request,
        "booking/confirmation.html",
        {
            **_context(request, booked),
            "talk_first": _talk_first(booked),
            # What the studio's policy asks beforehand, paid at the studio
            # (the pay-at-studio backend); what was paid online is in `_context`.
            "due_at_studio": online.due_at_studio(booked.visit),
        },
    )


def _talk_first(booked: GuestVisit) -> list[tuple[str, Contraindication]]:
    """What to mention on arrival: each person's yes that their massage asks a word about.

    Each with the person's name when the visit is for more than the client.
    """
    found: list[tuple[str, Contraindication]] = []
    rules: dict[int, list[Contraindication]] = {}
    for appointment in booked.appointments:
        massage_type_id = appointment.offering.massage_type_id
        if massage_type_id not in rules:
            rules[massage_type_id] = catalog_selectors.contraindications_of(
                massage_type_id=massage_type_id
            )
        said_yes = {question for question, answer in appointment.health.items() if answer is True}
        name = (appointment.guest_name or booked.visit.contact_name) if booked.is_together else ""
        for rule in rules[massage_type_id]:
            if rule.question in said_yes and (name, rule) not in found:
                found.append((name, rule))
    return found


@never_cache
@on_studio_clock
@require_GET
@exchanges_token
def manage(request: HttpRequest, appointment_id: UUID) -> HttpResponse:
    booked = _granted(request, appointment_id)
    return render(request, "booking/manage.html", _context(request, booked))


@never_cache
@require_GET
@exchanges_token
def calendar(request: HttpRequest, appointment_id: UUID) -> HttpResponse:
    appointment = _granted(request, appointment_id).lead
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
    """Cancel the whole visit; on a course's page, this session or every one still to come."""
    booked = _granted(request, appointment_id)
    manage_url = _url("booking:manage", booked.lead)
    context = _context(request, booked)
    if request.method == "GET":
        if not context["can_change"]:
            return redirect(manage_url)
        form = CancelForm(has_course=booked.visit.course is not None)
        return render(request, "booking/cancel.html", {**context, "form": form})

    form = CancelForm(request.POST, has_course=booked.visit.course is not None)
    if not form.is_valid():
        return render(request, "booking/cancel.html", {**context, "form": form})
    actor = services.Actor.guest()
    reason = form.cleaned_data["reason"]
    try:
        if form.cleaned_data.get("what") == CancelForm.COURSE and booked.visit.course:
            services.cancel_course(course=booked.visit.course, actor=actor, reason=reason)
            done = _("Your course is cancelled: every session still to come.")
        else:
            services.cancel_visit(visit=booked.visit, actor=actor, reason=reason)
            done = (
                _("Your visit is cancelled. We hope to see you another time.")
                if len(booked.appointments) > 1
                else _("Your appointment is cancelled. We hope to see you another time.")
            )
    except errors.NotActive:
        # Sent twice, or cancelled by the studio meanwhile: cancelled either way.
        messages.info(request, _("This appointment is already cancelled."))
    except errors.BookingError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    return see_other(manage_url)


@never_cache
@on_studio_clock
@require_http_methods(["GET", "POST"])
@exchanges_token
def reschedule(request: HttpRequest, appointment_id: UUID) -> HttpResponse:
    """Choose a new time for the whole visit, confirm it, and move the visit.

    The visit keeps its shape and its therapists: the picker offers only
    the starts where all of it fits again, its own time not counting.
    Without `start` the page is the slot picker; with it, the question
    whether to move there; a POST moves it.
    """
    booked = _granted(request, appointment_id)
    context = _context(request, booked)
    if not context["can_move"]:
        return redirect(_url("booking:manage", booked.lead))
    wanted = WantedVisit.of(booked.visit, booked.lead)
    if request.method == "POST":
        return _move(request, booked, wanted, context)
    start_at = parse_slot(request.GET.get("start"))
    if start_at is not None:
        return _render_move(request, booked, wanted, context, start_at=start_at)

    here = _url("booking:reschedule", booked.lead)
    picker = build_picker(
        wanted=wanted,
        query=SlotQueryForm(request.GET, therapists=[]),
        day_url=lambda params: with_query(here, params),
        time_url=lambda slot: with_query(here, {"start": slot_value(slot.start_at)}),
        default_on=booked.lead.start_at.astimezone(Rules.from_settings().zone).date(),
    )
    return render(
        request,
        "booking/reschedule.html",
        {
            **context,
            "picker": picker,
            "picker_url": here,
            "therapist": booked.lead.therapist,
            "therapists": [],
            "visit_therapists": format_list(a.therapist.name for a in booked.appointments),
            "zone_name": settings.STUDIO_TIME_ZONE,
        },
    )


def _move(
    request: HttpRequest, booked: GuestVisit, wanted: WantedVisit, context: dict[str, Any]
) -> HttpResponse:
    form = StartForm(request.POST)
    if not form.is_valid():
        around = parse_slot(request.POST.get("around"))
        return _render_move(
            request, booked, wanted, context, start_at=around, problem=_("Choose a time.")
        )
    actor = services.Actor.guest()
    try:
        with limits.limit_guest_change(appointment=booked.lead, actor=actor):
            moved = services.reschedule_visit(
                visit=booked.visit, start_at=form.cleaned_data["start"], actor=actor
            )
    except errors.RateLimited as error:
        messages.error(request, error.message)
        return rate_limited(render(request, "booking/manage.html", context), error)
    except (errors.SlotUnavailable, errors.InvalidStart) as error:
        return _render_move(
            request,
            booked,
            wanted,
            context,
            start_at=form.cleaned_data["start"],
            problem=error.message,
        )
    except errors.BookingError as error:
        messages.error(request, error.message)
    else:
        # Translators: a Django date format; Russian wants the genitive month, "E".
        when = date_format(timezone.localtime(moved.start_at), _("l j F, H:i"))
        moved_message = (
            _("Your visit is moved to %(when)s.")
            if len(booked.appointments) > 1
            else _("Your appointment is moved to %(when)s.")
        )
        messages.success(request, moved_message % {"when": when})
    return see_other(_url("booking:manage", booked.lead))


def _render_move(
    request: HttpRequest,
    booked: GuestVisit,
    wanted: WantedVisit,
    context: dict[str, Any],
    *,
    start_at: datetime | None,
    problem: str | None = None,
) -> HttpResponse:
    """Ask to confirm the move to `start_at`, or, when it cannot be, offer the nearest times."""
    zone = Rules.from_settings().zone
    new_start = start_at.astimezone(zone) if start_at and not problem else None
    alternatives: list[datetime] = []
    if problem and start_at is not None:
        alternatives = nearest_free(wanted=wanted, around=start_at)
    visit = booked.visit
    return render(
        request,
        "booking/reschedule_confirm.html",
        {
            **context,
            "new_start": new_start,
            # The visit keeps its length: it moves as one.
            "new_end": new_start + (visit.end_at - visit.start_at) if new_start else None,
            "wanted": slot_value(start_at) if start_at else "",
            "start_errors": [problem] if problem else [],
            "alternatives": by_day(alternatives),
            "picker_url": _url("booking:reschedule", booked.lead),
            "visit_therapists": format_list(a.therapist.name for a in booked.appointments),
        },
    )
