"""The booking form: who books, the health questions per person, and booking once per form.

The form books a whole visit: one massage, two people side by side (the
second person's name and their own health answers), or one massage
after another. The visit's shape comes with the form (`people`, `then`),
checked against the offering (`VisitForm`); the booking service places
every appointment of it or none.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django import forms
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
from booking.models import Appointment, Therapist
from booking.services import idempotency, limits
from booking.site_forms import GUEST_PREFIX, BookingForm, VisitForm, parse_slot, slot_value
from booking.views.common import (
    bad_visit,
    offering_context,
    offering_or_404,
    on_studio_clock,
    rate_limited,
    see_other,
    therapists_for,
    visit_context,
    with_query,
)
from booking.views.slots import WantedVisit, by_day, is_offered, nearest_free
from catalog import selectors as catalog_selectors
from catalog.models import Contraindication, MassageType, Offering

# The site's views stand above payments (DESIGN.md): they ask it whether
# a booking is held for a payment; booking's services never do.
from payments.backends.base import PaymentError
from payments.services import payment_for_visit, payment_hold_until
from studio.clientip import client_ip
from studio.formatting import format_list

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


@dataclass(frozen=True)
class Page:
    """What the booking form is for: the offering, the visit chosen around it, who may give it."""

    offering: Offering
    visit_form: VisitForm
    therapists: list[Therapist]

    @classmethod
    def of(cls, offering: Offering, visit_form: VisitForm) -> Page:
        # Two people have a therapist each, whoever is free: there is no one to choose.
        is_couple = visit_form.cleaned_data["people"] > 1
        return cls(offering, visit_form, [] if is_couple else therapists_for(offering))

    @property
    def people(self) -> int:
        people: int = self.visit_form.cleaned_data["people"]
        return people

    def wanted(self, therapist_id: int | None) -> WantedVisit:
        return WantedVisit.chosen(
            offering=self.offering, visit_form=self.visit_form, therapist_id=therapist_id
        )

    def therapist(self, therapist_id: object) -> Therapist | None:
        return next((t for t in self.therapists if str(t.id) == str(therapist_id)), None)


@on_studio_clock
@require_http_methods(["GET", "POST"])
def booking_form(request: HttpRequest, offering_slug: str) -> HttpResponse:
    offering = offering_or_404(offering_slug)
    visit_form = VisitForm(
        request.POST if request.method == "POST" else request.GET, offering=offering
    )
    if not visit_form.is_valid():
        return bad_visit(request, offering, visit_form)
    if visit_form.cleaned_data["course"]:
        # A course is booked on the page of its dates.
        course_url = reverse("booking:course", kwargs={"offering_slug": offering.slug})
        return redirect(with_query(course_url, request.GET.dict()))
    page = Page.of(offering, visit_form)
    if request.method == "POST":
        form = BookingForm(request.POST, therapists=page.therapists, people=page.people)
        if form.is_valid():
            return _book(request, form, page)
        return _render_form(request, form, page)
    return _new_form(request, page)


def _new_form(request: HttpRequest, page: Page) -> HttpResponse:
    """The form for the time chosen in the picker; without one, back to the picker."""
    start_at = parse_slot(request.GET.get("start"))
    if start_at is None:
        return redirect(
            with_query(
                reverse("booking:slots", kwargs={"offering_slug": page.offering.slug}),
                page.visit_form.query(),
            )
        )
    therapist = page.therapist(request.GET.get("therapist"))
    form = BookingForm(
        initial={
            "idempotency_key": uuid.uuid4(),
            "start": slot_value(start_at),
            "therapist": therapist.id if therapist else None,
        },
        therapists=page.therapists,
        people=page.people,
    )
    # Say at once that the time went, rather than after the form is filled in.
    if not is_offered(page.wanted(therapist.id if therapist else None), start_at):
        notice = _(
            "This time can no longer be booked. Please choose one of the nearest free times."
        )
        return _render_form(request, form, page, notice=notice)
    return _render_form(request, form, page)


def _book(request: HttpRequest, form: BookingForm, page: Page) -> HttpResponse:
    """Book the visit the form asks for, once per form."""

    def book(as_guest: dict[str, Any]) -> Appointment:
        wanted = _appointments(form, page)
        # Held for its payment when the studio's policy asks for one online.
        hold = payment_hold_until(
            offerings=[appointment.offering for appointment in wanted], actor=as_guest["actor"]
        )
        visit = services.book_visit(appointments=wanted, hold_for_payment_until=hold, **as_guest)
        return selectors.lead_appointment(visit)

    return book_once(
        request,
        form,
        book=book,
        form_again=lambda is_ruled_out: _render_form(
            request, form, page, is_ruled_out=is_ruled_out
        ),
        together=page.people > 1,
    )


def book_once(
    request: HttpRequest,
    form: BookingForm,
    *,
    book: Callable[[dict[str, Any]], Appointment],
    form_again: Callable[[bool], HttpResponse],
    together: bool,
) -> HttpResponse:
    """Claim the form's key, book within the limits, keep the answer for a resend.

    `book` calls a booking service with the website's arguments (who
    books, as a guest from the web, with consent, in the page's
    language, and the claimed key, which the service keeps with the
    booking as it commits) and returns the lead appointment of what it
    booked;
    `form_again` shows the form
    with its errors (told whether a health answer ruled the massage out).
    A refusal books nothing and frees the key, so that the corrected
    form, which keeps it, can be sent; the reason goes to the field it is
    about (`field_of`).
    """
    try:
        claimed = claim_form_key(str(form.cleaned_data["idempotency_key"]))
    except idempotency.KeyInProgress:
        form.add_error(None, _still_being_made())
        return form_again(False)
    if isinstance(claimed, idempotency.Replay):
        return show_replay(request, claimed, form)

    values = form.cleaned_data
    try:
        with limits.limit_booking(
            ip=client_ip(request), email=values["email"], phone=values["phone"], user=request.user
        ) as booked_from:
            lead = book(
                {
                    "client": form.client(),
                    "source": Appointment.Source.WEB,
                    "actor": services.Actor.guest(),
                    # The form cannot be sent without the agreement.
                    "has_consent": True,
                    "booked_from": booked_from,
                    # The page's language (its /en/ or /ru/): the messages follow it.
                    "language": request.LANGUAGE_CODE,
                    "idempotency_key": claimed,
                }
            )
    except idempotency.KeyInProgress:
        # This request outlasted its claim, and a later submit of the
        # form took it over: that one books, this one booked nothing.
        form.add_error(None, _still_being_made())
        return form_again(False)
    except errors.RateLimited as error:
        # Booked nothing either: the same form books once the limit allows.
        idempotency.release(claimed)
        form.add_error(None, error.message)
        return rate_limited(form_again(False), error)
    except errors.BookingError as error:
        idempotency.release(claimed)
        form.add_error(field_of(error, form, together=together), error.message)
        return form_again(isinstance(error, errors.RuledOut))
    except BaseException:
        idempotency.release(claimed)
        raise
    return to_confirmation(request, lead)


def _still_being_made() -> str:
    return _("Your booking is still being made. Please wait a moment and send the form again.")


def _appointments(form: BookingForm, page: Page) -> list[services.WantedAppointment]:
    """The visit's appointments: the client's, and the second person's or the second massage."""
    values = form.cleaned_data
    wanted = page.wanted(values["therapist"])
    therapist = page.therapist(values["therapist"])
    people = [("", form.health())]
    if page.people > 1:
        people.append((values[GUEST_PREFIX + "name"], form.guest_health()))
    appointments = []
    starts = wanted.starts(values["start"])
    for number, (part, start_at) in enumerate(zip(wanted.parts, starts, strict=True)):
        # Side by side, each part is a person; one after another, all are the client's.
        guest_name, health = people[number] if wanted.together else people[0]
        appointments.append(
            services.WantedAppointment(
                offering=part.offering,
                start_at=start_at,
                therapist=therapist if number == 0 else None,
                guest_name=guest_name,
                health=health,
            )
        )
    return appointments


def to_confirmation(request: HttpRequest, appointment: Appointment) -> HttpResponse:
    """On to the confirmation, which this browser opens through its session.

    A visit held for its payment goes to its pay page first (a form sent
    again finds the same payment).
    """
    grant_access(request, appointment)
    if appointment.visit.is_awaiting_payment:
        return to_payment(request, appointment)
    return see_other(reverse("booking:confirmation", kwargs={"appointment_id": appointment.pk}))


def to_payment(request: HttpRequest, appointment: Appointment) -> HttpResponse:
    """On to the pay page of a visit held for its payment; if the gateway refuses, say why."""
    try:
        payment = payment_for_visit(appointment.visit)
    except PaymentError as error:
        messages.error(
            request,
            _("The payment could not be started, so the time was released: %(reason)s")
            % {"reason": error.message},
        )
        return see_other(reverse("booking:manage", kwargs={"appointment_id": appointment.pk}))
    assert payment is not None  # noqa: S101 (a visit awaiting payment gets one)
    name = "payments:pay" if payment.status == payment.Status.PENDING else "payments:status"
    return see_other(reverse(name, kwargs={"payment_id": payment.pk}))


def claim_form_key(key: str) -> idempotency.Replay | idempotency.Claim:
    """Claim the form's key, waiting while a first submit of the same form runs."""
    deadline = time.monotonic() + FIRST_SUBMIT_WAIT_SECONDS
    while True:
        try:
            return idempotency.claim(owner=FORM_KEY_OWNER, key=key, body=FORM_KEY_BODY)
        except idempotency.KeyInProgress:
            if time.monotonic() >= deadline:
                raise
            time.sleep(FIRST_SUBMIT_POLL_SECONDS)


def show_replay(request: HttpRequest, replay: idempotency.Replay, form: forms.Form) -> HttpResponse:
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
    return to_confirmation(request, appointment)


def field_of(error: errors.BookingError, form: forms.Form, *, together: bool) -> str | None:
    """The form field a refusal is about, or None when it is about the whole form.

    A time that went, or that no rule offers, is an error of `start`,
    which brings up the nearest free times. A health answer that rules a
    massage out is an error of that question, of the person whose
    appointment it is: the service names it `health.<question>` or
    `appointments.<n>.health.<question>`; side by side, the n-th
    appointment is the n-th person's, one after another all are the
    client's.
    """
    if isinstance(error, errors.SlotUnavailable | errors.InvalidStart):
        return "start"
    for name in error.fields:
        parts = name.split(".")
        if "health" in parts[:-1]:
            question = parts[parts.index("health") + 1]
            number = int(parts[1]) if parts[0] == "appointments" and parts[1].isdigit() else 0
            field = (GUEST_PREFIX if together and number > 0 else "") + question
        else:
            field = parts[-1]
        if field in form.fields:
            return field
    return None


@dataclass(frozen=True)
class Question:
    """A yes/no health question on the form, with what each answer means for the visit's massages."""

    field: forms.BoundField
    rules: list[tuple[str, Contraindication]]

    @property
    def described_by(self) -> str:
        ids = [helptext_id for helptext_id, _rule in self.rules]
        if self.field.errors:
            ids.append(f"{self.field.auto_id}_error")
        return " ".join(ids)


def questions_for(
    fields: list[forms.BoundField], massage_types: list[MassageType]
) -> list[Question]:
    """Each question with the rules of every massage type of the visit that has one for it."""
    rules = {
        massage_type.pk: {
            rule.question: rule
            for rule in catalog_selectors.contraindications_of(massage_type_id=massage_type.pk)
        }
        for massage_type in massage_types
    }
    asked = []
    for field in fields:
        found = [
            rules[massage_type.pk][field.name.removeprefix(GUEST_PREFIX)]
            for massage_type in massage_types
            if field.name.removeprefix(GUEST_PREFIX) in rules[massage_type.pk]
        ]
        asked.append(
            Question(
                field=field,
                rules=[
                    (f"{field.auto_id}_helptext" + (f"_{number}" if number > 1 else ""), rule)
                    for number, rule in enumerate(found, start=1)
                ],
            )
        )
    return asked


def ruled_out_by(massage_types: list[MassageType]) -> list[tuple[MassageType, str]]:
    """Each massage type of the visit with the conditions it is not given with, if any."""
    found = []
    for massage_type in massage_types:
        conditions = [
            str(catalog_selectors.HEALTH_CONDITIONS[rule.question])
            for rule in catalog_selectors.contraindications_of(massage_type_id=massage_type.pk)
            if rule.severity == Contraindication.Severity.RULES_OUT
        ]
        if conditions:
            found.append((massage_type, format_list(conditions, style="or")))
    return found


def _render_form(
    request: HttpRequest,
    form: BookingForm,
    page: Page,
    *,
    notice: str | None = None,
    is_ruled_out: bool = False,
) -> HttpResponse:
    """The booking form; when the time is the problem, with the nearest free times.

    While those are offered, the wanted time travels along as `around`,
    so that a form sent without a new choice offers them again.
    """
    offering = page.offering
    data = form.data if form.is_bound else {}
    wanted_at = parse_slot(data.get("start") or data.get("around") or form.initial.get("start"))
    therapist = page.therapist(form["therapist"].value())
    wanted = page.wanted(therapist.id if therapist else None)
    start_errors = list(form.errors.get("start", [])) if form.is_bound else []
    if notice:
        start_errors.append(notice)
    alternatives: list[datetime] = []
    if start_errors and wanted_at is not None:
        alternatives = nearest_free(wanted=wanted, around=wanted_at)
    zone = Rules.from_settings().zone
    picker_params = {**page.visit_form.query()}
    if therapist:
        picker_params["therapist"] = str(therapist.id)
    if wanted_at is not None:
        picker_params["on"] = wanted_at.astimezone(zone).date().isoformat()
    start_at = wanted_at.astimezone(zone) if wanted_at and not start_errors else None
    # Each massage type once, in the visit's order: its health rules apply.
    massage_types = list(
        {
            part.offering.massage_type_id: part.offering.massage_type for part in wanted.parts
        }.values()
    )
    return render(
        request,
        "booking/booking_form.html",
        {
            **offering_context(offering),
            **visit_context(offering, page.visit_form),
            "form": form,
            "questions": questions_for(form.questions(), massage_types),
            "guest_questions": (
                questions_for(form.questions(prefix=GUEST_PREFIX), massage_types)
                if page.people > 1
                else []
            ),
            "ruled_out": ruled_out_by(massage_types),
            "start_at": start_at,
            "parts": [
                (part.offering, start, start + timedelta(minutes=part.offering.duration_minutes))
                for part, start in zip(
                    wanted.parts, wanted.starts(start_at) if start_at else [], strict=False
                )
            ],
            "wanted": slot_value(wanted_at) if wanted_at else "",
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
