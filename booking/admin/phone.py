"""Bookings taken on the phone: one massage, a visit of several, or a course.

The admin's "add" pages of appointments, visits and courses are this one
form, in place of a model form that would skip the rules. It books
through the same services as the website and the API (`book_visit`,
`book_course`), so the admin obeys the same rules.

A course is booked in two steps: the form first shows the dates
`plan_course` finds (a session that does not fit offers the nearest
free times), staff choose a time for each and book them all at once.
"""

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext, ngettext

from booking import selectors
from booking.errors import BookingError
from booking.forms import CourseSessionsForm, PhoneBookingForm
from booking.models import Appointment, Course, Visit
from booking.services import (
    Actor,
    ClientDetails,
    WantedAppointment,
    book_course,
    book_visit,
)
from booking.services.visits import waives_notice
from booking.visits import Part, place_visit, plan_course
from catalog.models import HealthQuestion

# Where a service's error belongs on the phone booking form; the rest,
# such as "that time is taken", is about the booking as a whole.
PHONE_FORM_FIELDS = {
    "start": "start_time",
    "therapist": "therapist",
    "offering": "offering",
    "consent": "consent",
}


def booking_view(
    model_admin: admin.ModelAdmin[Any],
    request: HttpRequest,
    *,
    form_url: str = "",
    extra_context: dict[str, Any] | None = None,
    as_course: bool = False,
) -> HttpResponse:
    """The phone booking form; on a booking, the page of what was booked.

    Not inside the admin's usual transaction: the booking services are
    durable, one transaction each.
    """
    if not model_admin.has_add_permission(request):
        raise PermissionDenied
    sessions: CourseSessionsForm | None = None
    if request.method == "POST":
        form = PhoneBookingForm(request.POST)
        booked: Visit | Course | None = None
        if form.is_valid() and form.cleaned_data["as_course"]:
            sessions = _course_dates(form, request.POST)
            if sessions is not None and sessions.is_for_this_plan() and sessions.is_valid():
                booked = _book_course(request, form, sessions)
        elif form.is_valid():
            booked = _book_visit(request, form)
        if booked is not None:
            return _booked(model_admin, request, booked)
    else:
        initial = model_admin.get_changeform_initial_data(request)
        form = PhoneBookingForm(initial={"as_course": as_course, **initial})
    return _render(
        model_admin,
        request,
        form=form,
        sessions=sessions,
        form_url=form_url,
        extra_context=extra_context,
    )


def _client(form: PhoneBookingForm) -> dict[str, Any]:
    """What every phone booking passes on about the client, whatever its shape."""
    values = form.cleaned_data
    return {
        "client": ClientDetails(
            name=values["client_name"], email=values["client_email"], phone=values["client_phone"]
        ),
        "notes": values["notes"],
        "has_consent": values["consent"],
        "update_client_record": values["update_client"],
        # Blank: as on the client record, if there is one.
        "language": values["language"] or selectors.client_language(email=values["client_email"]),
    }


def _wanted(form: PhoneBookingForm, actor: Actor) -> list[WantedAppointment]:
    """The appointments of the visit asked for: one, two side by side, or two in turn.

    In turn, the second starts where the visit engine places it (where
    the first ends); it raises what would refuse the visit.
    """
    values = form.cleaned_data
    start_at = form.start_at()
    first = WantedAppointment(
        offering=values["offering"],
        start_at=start_at,
        therapist=values["therapist"],
        health=form.health(),
    )
    if values["people"] == 2:
        guest = WantedAppointment(
            offering=values["offering"],
            start_at=start_at,
            therapist=values["second_therapist"],
            guest_name=values["guest_name"],
            health=form.guest_health(),
        )
        return [first, guest]
    if values["second_offering"] is None:
        return [first]
    therapists = [values["therapist"], values["second_therapist"]]
    plan = place_visit(
        parts=[
            Part(offering=offering, therapist_id=therapist.pk if therapist else None)
            for offering, therapist in zip(
                [values["offering"], values["second_offering"]], therapists, strict=True
            )
        ],
        together=False,
        start_at=start_at,
        staff=waives_notice(actor=actor, source=Appointment.Source.ADMIN),
    )
    second = WantedAppointment(
        offering=values["second_offering"],
        start_at=plan.appointments[1].start_at,
        therapist=values["second_therapist"],
        # The same person: their answers go with each massage.
        health=form.health(),
    )
    return [first, second]


def _book_visit(request: HttpRequest, form: PhoneBookingForm) -> Visit | None:
    actor = Actor.for_user(request.user)
    try:
        return book_visit(
            appointments=_wanted(form, actor),
            source=Appointment.Source.ADMIN,
            actor=actor,
            **_client(form),
        )
    except BookingError as refused:
        form.add_error(PHONE_FORM_FIELDS.get(refused.field or ""), refused.message)
        return None


def _course_dates(form: PhoneBookingForm, data: Any) -> CourseSessionsForm | None:
    """The course's dates for the first start asked for, or None with the reason on the form."""
    values = form.cleaned_data
    offering = values["offering"]
    if offering.course_sessions is None:
        form.add_error("as_course", gettext("This massage is not sold as a course."))
        return None
    start_at = form.start_at()
    therapist = values["therapist"]
    try:
        planned = plan_course(
            offering=offering,
            first_start=start_at,
            sessions=offering.course_sessions,
            interval_days=offering.course_interval_days,
            therapist_id=therapist.pk if therapist else None,
        )
    except BookingError as refused:
        form.add_error(PHONE_FORM_FIELDS.get(refused.field or ""), refused.message)
        return None
    plan = f"{offering.pk}:{start_at.isoformat()}:{therapist.pk if therapist else ''}"
    # Bound only to the dates chosen for this very plan; others are shown afresh.
    sessions = CourseSessionsForm(data, sessions=planned, plan=plan, prefix="course")
    if not sessions.is_for_this_plan():
        sessions = CourseSessionsForm(sessions=planned, plan=plan, prefix="course")
    return sessions


def _book_course(
    request: HttpRequest, form: PhoneBookingForm, sessions: CourseSessionsForm
) -> Course | None:
    values = form.cleaned_data
    try:
        return book_course(
            offering=values["offering"],
            starts=sessions.starts(),
            therapist=values["therapist"],
            health=form.health(),
            source=Appointment.Source.ADMIN,
            actor=Actor.for_user(request.user),
            **_client(form),
        )
    except BookingError as refused:
        form.add_error(PHONE_FORM_FIELDS.get(refused.field or ""), refused.message)
        return None


def _booked(
    model_admin: admin.ModelAdmin[Any], request: HttpRequest, booked: Visit | Course
) -> HttpResponse:
    """Say what was booked, and open its page: the course, the visit, or the one appointment."""
    model_admin.log_addition(request, booked, [{"added": {}}])
    message, target = (
        _course_booked(booked)
        if isinstance(booked, Course)
        else _visit_booked(booked, show_appointment=model_admin.model is Appointment)
    )
    model_admin.message_user(request, message, messages.SUCCESS)
    return HttpResponseRedirect(target)


def _course_booked(course: Course) -> tuple[str, str]:
    count = course.visits.count()
    message = ngettext(
        "Booked a course of %(count)d session for %(name)s.",
        "Booked a course of %(count)d sessions for %(name)s.",
        count,
    ) % {"count": count, "name": course.client.name}
    return message, reverse("admin:booking_course_change", args=[course.pk])


def _visit_booked(visit: Visit, *, show_appointment: bool) -> tuple[str, str]:
    """A visit of one massage booked from the appointments opens that appointment."""
    appointments = list(visit.appointments.select_related("offering", "therapist"))
    if len(appointments) == 1 and show_appointment:
        message = gettext("Booked %(appointment)s for %(name)s.") % {
            "appointment": appointments[0],
            "name": visit.contact_name,
        }
        return message, reverse("admin:booking_appointment_change", args=[appointments[0].pk])
    message = ngettext(
        "Booked a visit of %(count)d appointment for %(name)s.",
        "Booked a visit of %(count)d appointments for %(name)s.",
        len(appointments),
    ) % {"count": len(appointments), "name": visit.contact_name}
    return message, reverse("admin:booking_visit_change", args=[visit.pk])


def _render(
    model_admin: admin.ModelAdmin[Any],
    request: HttpRequest,
    *,
    form: PhoneBookingForm,
    sessions: CourseSessionsForm | None,
    form_url: str,
    extra_context: dict[str, Any] | None,
) -> HttpResponse:
    fieldsets: list[tuple[str | None, dict[str, Any]]] = [
        (None, {"fields": ["offering", "therapist", ("start_on", "start_time")]}),
        (
            gettext("Client"),
            {
                "fields": [
                    *["client_name", "client_email", "client_phone", "language"],
                    "update_client",
                ]
            },
        ),
        (
            gettext("Health"),
            {"fields": ["consent", *[question.value for question in HealthQuestion]]},
        ),
        (None, {"fields": ["notes"]}),
        (
            gettext("A second person, or a second massage"),
            {
                "fields": [
                    "people",
                    "guest_name",
                    *[f"guest_{question.value}" for question in HealthQuestion],
                    "second_offering",
                    "second_therapist",
                ],
            },
        ),
        (gettext("Course"), {"fields": ["as_course"]}),
    ]
    # The admin's form helpers render any form; the stubs ask for a ModelForm.
    admin_form = helpers.AdminForm(form, fieldsets, {}, model_admin=model_admin)  # type: ignore[arg-type]
    context = {
        **model_admin.admin_site.each_context(request),
        "title": gettext("Book by phone"),
        "subtitle": None,
        "adminform": admin_form,
        "course_sessions": sessions,
        "object_id": None,
        "original": None,
        "is_popup": False,
        "to_field": None,
        "media": model_admin.media + admin_form.media,
        "inline_admin_formsets": [],
        "errors": helpers.AdminErrorList(form, []),  # type: ignore[arg-type] # as above
        "preserved_filters": model_admin.get_preserved_filters(request),
        **(extra_context or {}),
    }
    return model_admin.render_change_form(request, context, add=True, form_url=form_url)
