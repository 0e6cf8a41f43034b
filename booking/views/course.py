"""A course of sessions: its dates from the first time chosen, each replaceable, booked at once.

The engine plans the course (`plan_course`): the same local time every
`course_interval_days` days. The page lists every session with radio
buttons, so that it works without JavaScript: the planned time when it
is free, checked; the nearest free times when it is not, none checked,
so the client sees and chooses. Any session may be replaced by another
free time the same day. One POST books every session or none
(`book_course`), once per form like the booking form.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from booking import errors, selectors, services
from booking.availability import Rules, available_slots
from booking.models import Appointment, Course, Therapist
from booking.site_forms import BookingForm, CourseForm, parse_slot, slot_value
from booking.views.book import book_once, questions_for, ruled_out_by
from booking.views.common import (
    offering_context,
    offering_or_404,
    on_studio_clock,
    therapists_for,
    with_query,
)
from booking.visits import CourseSession, plan_course
from catalog.models import Offering

# The site's views stand above payments (DESIGN.md): they ask it whether
# a booking is held for a payment or paid with a package; booking's
# services never do.
from payments.package_access import course_package
from payments.services import packages, payment_hold_until


@dataclass(frozen=True)
class Choice:
    value: str
    start_at: datetime
    is_other_day: bool


@dataclass(frozen=True)
class SessionRow:
    """One session on the page: when it was planned, whether that is free, what may replace it."""

    number: int
    planned_at: datetime
    fits: bool
    planned: Choice | None
    others: list[Choice]
    chosen: str
    field_name: str
    errors: list[str]


@on_studio_clock
@require_http_methods(["GET", "POST"])
def course(request: HttpRequest, offering_slug: str) -> HttpResponse:
    """The course's dates from the first time chosen (`start`), and the form that books them.

    Without a first time, or for an offering not sold as a course, there
    is nothing to plan: back to the picker, or a 404.
    """
    offering = offering_or_404(offering_slug)
    if not offering.is_course:
        raise Http404
    therapists = therapists_for(offering)
    source = request.POST if request.method == "POST" else request.GET
    start_at = parse_slot(source.get("start"))
    picker_url = with_query(
        reverse("booking:slots", kwargs={"offering_slug": offering.slug}), {"course": "1"}
    )
    if start_at is None:
        return redirect(picker_url)
    therapist = next((t for t in therapists if str(t.id) == source.get("therapist")), None)
    sessions: int = offering.course_sessions or 0
    if request.method == "POST":
        form = BookingForm(request.POST, therapists=therapists)
        course_form = CourseForm(request.POST, sessions=sessions)
        if form.is_valid() and course_form.is_valid():
            return _book(request, form, course_form, offering, therapist)
    else:
        form = BookingForm(
            initial={
                "idempotency_key": uuid.uuid4(),
                "start": slot_value(start_at),
                "therapist": therapist.id if therapist else None,
            },
            therapists=therapists,
        )
        course_form = CourseForm(sessions=sessions)
    return _render(
        request, form, course_form, offering=offering, therapist=therapist, start_at=start_at
    )


def _book(
    request: HttpRequest,
    form: BookingForm,
    course_form: CourseForm,
    offering: Offering,
    therapist: Therapist | None,
) -> HttpResponse:
    """Book every session of the course, once per form."""

    def book(as_guest: dict[str, Any]) -> Appointment:
        def book_course(hold: datetime | None = None) -> Course:
            return services.book_course(
                offering=offering,
                starts=course_form.starts(),
                therapist=therapist,
                health=form.health(),
                hold_for_payment_until=hold,
                **as_guest,
            )

        # A package this browser opened by its link pays, one session per session.
        client_package = course_package(request, offering, email=form.cleaned_data["email"])
        if client_package is None:
            # Held for one payment of the whole course when the studio's policy asks for one.
            hold = payment_hold_until(offerings=[offering], actor=as_guest["actor"])
            return selectors.course_lead_appointment(book_course(hold))
        try:
            booked = packages.book_course_with_package(
                client_package=client_package,
                offering=offering,
                email=form.cleaned_data["email"],
                book=book_course,
                actor=as_guest["actor"],
            )
        except packages.PackageError as error:
            # Used up meanwhile: nothing stays booked, and the form says why.
            raise errors.BookingError(error.message) from error
        messages.success(request, _("Every session is paid with your package."))
        return selectors.course_lead_appointment(booked)

    return book_once(
        request,
        form,
        book=book,
        form_again=lambda is_ruled_out: _render(
            request,
            form,
            course_form,
            offering=offering,
            therapist=therapist,
            is_ruled_out=is_ruled_out,
        ),
        together=False,
    )


def _render(
    request: HttpRequest,
    form: BookingForm,
    course_form: CourseForm,
    *,
    offering: Offering,
    therapist: Therapist | None,
    start_at: datetime | None = None,
    is_ruled_out: bool = False,
) -> HttpResponse:
    """The course's dates as the engine plans them now, and the form to book them."""
    zone = Rules.from_settings().zone
    start_at = start_at or parse_slot(form.data.get("start"))
    if start_at is None:
        raise Http404
    plan = plan_course(
        offering=offering,
        first_start=start_at,
        sessions=offering.course_sessions or 0,
        interval_days=offering.course_interval_days,
        therapist_id=therapist.id if therapist else None,
    )
    rows = _rows(plan, offering, therapist, course_form)
    picker_params = {"course": "1", "on": start_at.astimezone(zone).date().isoformat()}
    if therapist:
        picker_params["therapist"] = str(therapist.id)
    return render(
        request,
        "booking/course.html",
        {
            **offering_context(offering),
            "form": form,
            "course_form": course_form,
            "sessions": rows,
            "not_fitting": sum(1 for row in rows if not row.fits),
            "questions": questions_for(form.questions(), [offering.massage_type]),
            "ruled_out": ruled_out_by([offering.massage_type]),
            "therapist": therapist,
            "is_ruled_out": is_ruled_out,
            "course_price": offering.price * len(rows),
            "cancel_hours": settings.STUDIO_GUEST_CANCEL_HOURS,
            "picker_url": with_query(
                reverse("booking:slots", kwargs={"offering_slug": offering.slug}), picker_params
            ),
        },
    )


def _rows(
    plan: list[CourseSession],
    offering: Offering,
    therapist: Therapist | None,
    course_form: CourseForm,
) -> list[SessionRow]:
    """Each session with its choices, and which one is chosen.

    The other free times of a session's day come from one engine call
    over the whole course. A time the client chose that is no longer
    among the choices (someone took it) is an error of its session.
    """
    zone = Rules.from_settings().zone
    by_day: dict[date, list[datetime]] = defaultdict(list)
    if plan:
        first_on = plan[0].start_at.astimezone(zone).date()
        last_on = plan[-1].start_at.astimezone(zone).date()
        for slot in available_slots(
            offering=offering,
            start_on=first_on,
            end_on=last_on,
            therapist_id=therapist.id if therapist else None,
        ):
            by_day[slot.start_at.astimezone(zone).date()].append(slot.start_at)
    posted = course_form.data if course_form.is_bound else {}
    rows = []
    for session in plan:
        planned_at = session.start_at.astimezone(zone)
        planned_on = planned_at.date()

        def choice(moment: datetime, planned_on: date = planned_on) -> Choice:
            local = moment.astimezone(zone)
            return Choice(slot_value(moment), local, is_other_day=local.date() != planned_on)

        if session.fits:
            # Every other free time of its day, behind "Another time that day".
            others = [choice(moment) for moment in by_day[planned_on] if moment != session.start_at]
        else:
            others = [choice(moment) for moment in sorted(session.alternatives)]
        planned = choice(session.start_at) if session.fits else None
        field_name = f"session_{session.number}"
        values = {c.value for c in [*([planned] if planned else []), *others]}
        chosen = str(posted.get(field_name, planned.value if planned else ""))
        if chosen and chosen not in values:
            if course_form.is_bound and field_name not in course_form.errors:
                course_form.add_error(
                    field_name,
                    _(
                        "The time you chose for this session is no longer free. Please choose another."
                    ),
                )
            chosen = ""
        rows.append(
            SessionRow(
                number=session.number,
                planned_at=planned_at,
                fits=session.fits,
                planned=planned,
                others=others,
                chosen=chosen,
                field_name=field_name,
                errors=(
                    [str(error) for error in course_form.errors.get(field_name, [])]
                    if course_form.is_bound
                    else []
                ),
            )
        )
    return rows
