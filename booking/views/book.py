"""The booking form: who books, the health questions, and booking once per form."""

from __future__ import annotations

import time
import uuid
from datetime import datetime

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from booking import errors, selectors, services
from booking.availability import Rules
from booking.guest_access import grant_access
from booking.models import Appointment, IdempotencyKey, Therapist
from booking.services import idempotency, limits
from booking.site_forms import BookingForm, parse_slot, slot_value
from booking.views.common import (
    offering_context,
    offering_or_404,
    on_studio_clock,
    rate_limited,
    see_other,
    therapists_for,
    with_query,
)
from booking.views.slots import by_day, is_offered, nearest_free
from catalog.models import HealthQuestion, Offering
from studio.clientip import client_ip

# The form's idempotency keys have an owner of their own, apart from the
# API's callers. A key stands for one filled-in form, whatever the form
# holds when it is sent again, so the body it is claimed with is always
# the same: a form sent twice (a double tap, the back button) shows the
# booking it made rather than making a second one.
FORM_KEY_OWNER = "website"
FORM_KEY_BODY = {"form": "booking"}
# A browser that sends a form twice shows only the answer to the second
# request, so that request waits for the first to finish and shows its
# booking. A few seconds cover any booking; polling keeps it simple.
FIRST_SUBMIT_WAIT_SECONDS = 10.0
FIRST_SUBMIT_POLL_SECONDS = 0.2


@on_studio_clock
@require_http_methods(["GET", "POST"])
def booking_form(request: HttpRequest, offering_slug: str) -> HttpResponse:
    offering = offering_or_404(offering_slug)
    therapists = therapists_for(offering)
    if request.method == "POST":
        form = BookingForm(request.POST, therapists=therapists)
        if form.is_valid():
            return _book(request, form, offering, therapists)
        return _render_form(request, form, offering, therapists)

    start_at = parse_slot(request.GET.get("start"))
    if start_at is None:
        return redirect("booking:slots", offering_slug=offering.slug)
    therapist_id = next(
        (
            therapist.id
            for therapist in therapists
            if str(therapist.id) == request.GET.get("therapist")
        ),
        None,
    )
    form = BookingForm(
        initial={
            "idempotency_key": uuid.uuid4(),
            "start": slot_value(start_at),
            "therapist": therapist_id,
        },
        therapists=therapists,
    )
    # Say at once that the time went, rather than after the form is filled in.
    if not is_offered(offering, start_at, therapist_id):
        notice = _(
            "This time can no longer be booked. Please choose one of the nearest free times."
        )
        return _render_form(request, form, offering, therapists, notice=notice)
    return _render_form(request, form, offering, therapists)


def _book(
    request: HttpRequest, form: BookingForm, offering: Offering, therapists: list[Therapist]
) -> HttpResponse:
    """Claim the form's key, call the booking service, keep its answer for a resend."""
    try:
        claimed = _claim_form_key(str(form.cleaned_data["idempotency_key"]))
    except idempotency.KeyInProgress:
        form.add_error(
            None,
            _("Your booking is still being made. Please wait a moment and send the form again."),
        )
        return _render_form(request, form, offering, therapists)
    if isinstance(claimed, idempotency.Replay):
        return _replay(request, claimed, form)

    values = form.cleaned_data
    try:
        with limits.limit_booking(
            ip=client_ip(request), email=values["email"], phone=values["phone"], user=request.user
        ) as booked_from:
            appointment = services.book_appointment(
                offering=offering,
                start_at=values["start"],
                client=services.ClientDetails(
                    name=values["name"], email=values["email"], phone=values["phone"]
                ),
                source=Appointment.Source.WEB,
                actor=services.Actor.guest(),
                therapist=next((t for t in therapists if t.id == values["therapist"]), None),
                health=form.health(),
                # The form cannot be sent without the agreement.
                has_consent=True,
                booked_from=booked_from,
                # The page's language (its /en/ or /ru/): the messages follow it.
                language=request.LANGUAGE_CODE,
            )
    except errors.RateLimited as error:
        # Booked nothing either: the same form books once the limit allows.
        idempotency.release(claimed)
        form.add_error(None, error.message)
        return rate_limited(_render_form(request, form, offering, therapists), error)
    except errors.BookingError as error:
        # A refusal booked nothing: free the key, so that the corrected
        # form, which keeps it, can be sent.
        idempotency.release(claimed)
        return _refused(request, form, offering, therapists, error)
    except BaseException:
        idempotency.release(claimed)
        raise
    idempotency.complete(claimed, status=201, appointment=appointment)
    return _confirmation(request, appointment)


def _confirmation(request: HttpRequest, appointment: Appointment) -> HttpResponse:
    """On to the confirmation, which this browser opens through its session."""
    grant_access(request, appointment)
    return see_other(reverse("booking:confirmation", kwargs={"appointment_id": appointment.pk}))


def _claim_form_key(key: str) -> idempotency.Replay | IdempotencyKey:
    """Claim the form's key, waiting while a first submit of the same form runs."""
    deadline = time.monotonic() + FIRST_SUBMIT_WAIT_SECONDS
    while True:
        try:
            return idempotency.claim(owner=FORM_KEY_OWNER, key=key, body=FORM_KEY_BODY)
        except idempotency.KeyInProgress:
            if time.monotonic() >= deadline:
                raise
            time.sleep(FIRST_SUBMIT_POLL_SECONDS)


def _replay(request: HttpRequest, replay: idempotency.Replay, form: BookingForm) -> HttpResponse:
    """Show the booking this form already made."""
    # The guest's own rule still holds: a booking that is over is not shown.
    appointment = selectors.appointment_for_guest(
        appointment_id=replay.appointment.pk,
        manage_token=replay.appointment.manage_token,
        now=timezone.now(),
    )
    if appointment is None:
        raise Http404
    if appointment.start_at != form.cleaned_data["start"]:
        # The back button brought the client to the form that booked, and
        # they chose another time: say why they see the first one.
        messages.info(
            request,
            _(
                "This form had already booked the appointment below. To change its time, "
                "choose “Manage your booking”, then “Change the time”."
            ),
        )
    return _confirmation(request, appointment)


def _refused(
    request: HttpRequest,
    form: BookingForm,
    offering: Offering,
    therapists: list[Therapist],
    error: errors.BookingError,
) -> HttpResponse:
    """The form again, with the service's reason tied to the field it is about.

    A time that went, or that no rule offers, is an error of `start`,
    which brings up the nearest free times; a health answer that rules
    the massage out is an error of that question.
    """
    field: str | None
    if isinstance(error, errors.SlotUnavailable | errors.InvalidStart):
        field = "start"
    else:
        named = (name.removeprefix("health.") for name in error.fields)
        field = next((name for name in named if name in form.fields), None)
    form.add_error(field, error.message)
    return _render_form(
        request, form, offering, therapists, is_ruled_out=isinstance(error, errors.RuledOut)
    )


def _render_form(
    request: HttpRequest,
    form: BookingForm,
    offering: Offering,
    therapists: list[Therapist],
    *,
    notice: str | None = None,
    is_ruled_out: bool = False,
) -> HttpResponse:
    """The booking form; when the time is the problem, with the nearest free times.

    While those are offered, the wanted time travels along as `around`,
    so that a form sent without a new choice offers them again.
    """
    data = form.data if form.is_bound else {}
    wanted = parse_slot(data.get("start") or data.get("around") or form.initial.get("start"))
    chosen = str(form["therapist"].value())
    therapist = next((t for t in therapists if str(t.id) == chosen), None)
    start_errors = list(form.errors.get("start", [])) if form.is_bound else []
    if notice:
        start_errors.append(notice)
    alternatives: list[datetime] = []
    if start_errors and wanted is not None:
        alternatives = nearest_free(
            offering=offering, wanted=wanted, therapist_id=therapist.id if therapist else None
        )
    zone = Rules.from_settings().zone
    picker_params = {"therapist": str(therapist.id)} if therapist else {}
    if wanted is not None:
        picker_params["on"] = wanted.astimezone(zone).date().isoformat()
    context = offering_context(offering)
    rules = context["contraindications"]
    return render(
        request,
        "booking/booking_form.html",
        {
            **context,
            "form": form,
            "questions": [(form[question], rules.get(question)) for question in HealthQuestion],
            "start_at": wanted.astimezone(zone) if wanted and not start_errors else None,
            "wanted": slot_value(wanted) if wanted else "",
            "therapist": therapist,
            "start_errors": start_errors,
            "alternatives": by_day(alternatives),
            "is_ruled_out": is_ruled_out,
            "picker_url": with_query(
                reverse("booking:slots", kwargs={"offering_slug": offering.slug}), picker_params
            ),
            "cancel_hours": settings.STUDIO_GUEST_CANCEL_HOURS,
        },
    )
