"""The calendar (a day per therapist, a week, a day per room) and booking at the desk."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext

from booking import errors, selectors
from booking.availability import Rules
from booking.health import answer_label
from booking.models import Appointment, Client, Therapist
from booking.services import Actor, ClientDetails, WantedAppointment, book_visit, can_see_health
from booking.services.visits import waives_notice
from booking.visits import Part, VisitSlot, visit_slots
from catalog.models import HealthQuestion
from staff.access import Scope, reception_only, staff_view
from staff.calendar import grid
from staff.calendar.forms import ClientSearchForm, DeskBookingForm, SlotFinderForm

# How many other free times a taken one offers.
NEAREST = 3

# The desk's client picker lists this many matches; typing more narrows it.
DESK_SEARCH_LIMIT = 10


def _today() -> date:
    return timezone.now().astimezone(Rules.from_settings().zone).date()


def _day_asked(request: HttpRequest) -> date | None:
    """The date in ?date=, today without one, None for one that is no date."""
    text = request.GET.get("date", "")
    if not text:
        return _today()
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _calendar_url(day: date, view: str = "", **extra: str) -> str:
    query = {"date": day.isoformat(), **({"view": view} if view else {}), **extra}
    return f"{reverse('staff:calendar')}?{urlencode(query)}"


@staff_view
def calendar(request: HttpRequest, scope: Scope) -> HttpResponse:
    """The day per therapist (or a week, or a day per room) around ?date=."""
    day = _day_asked(request)
    if day is None or not date.min < day < date.max:
        return HttpResponseBadRequest(gettext("The date is not one of the calendar's."))
    view = request.GET.get("view", "day")
    if view == "week":
        return _week(request, scope, day)
    if view == "rooms":
        return _rooms(request, scope, day)
    with_health = can_see_health(request.user)
    day_grid = grid.day_grid(scope=scope, day=day, with_health=with_health)
    return render(
        request,
        "staff/calendar/day.html",
        {
            **_navigation(day, "day", step=timedelta(days=1)),
            "grid": day_grid,
            "highlight": request.GET.get("highlight", ""),
            "with_health": with_health,
        },
    )


def _navigation(day: date, view: str, *, step: timedelta) -> dict[str, Any]:
    return {
        "day": day,
        "view": view,
        "previous_url": _calendar_url(day - step, view if view != "day" else ""),
        "next_url": _calendar_url(day + step, view if view != "day" else ""),
        "today_url": _calendar_url(_today(), view if view != "day" else ""),
        "day_url": _calendar_url(day),
        "week_url": _calendar_url(day, "week"),
        "rooms_url": _calendar_url(day, "rooms"),
        "is_today": day == _today(),
    }


def _week(request: HttpRequest, scope: Scope, day: date) -> HttpResponse:
    week = grid.week_grid(scope=scope, day=day)
    return render(
        request,
        "staff/calendar/week.html",
        {**_navigation(day, "week", step=timedelta(days=7)), "week": week},
    )


def _rooms(request: HttpRequest, scope: Scope, day: date) -> HttpResponse:
    # The rooms hold every therapist's clients: reception's view.
    reception_only(scope)
    return render(
        request,
        "staff/calendar/rooms.html",
        {
            **_navigation(day, "rooms", step=timedelta(days=1)),
            "grid": grid.rooms_grid(day=day),
        },
    )


@staff_view
def book(request: HttpRequest, scope: Scope) -> HttpResponse:
    """Book at the desk: the free times of a massage, then the client, then book.

    GET finds the times (a gap clicked on the calendar brings its
    therapist, date and time); POST books through the booking service,
    as staff at the studio: a walk-in books the next start, and a
    client may have a phone and no e-mail.
    """
    reception_only(scope)
    actor = Actor.for_user(request.user)
    source = Appointment.Source.DESK
    data = request.POST if request.method == "POST" else request.GET
    finder = SlotFinderForm(data if "offering" in data else None, initial=_finder_initial(data))
    search = ClientSearchForm(request.GET)
    chosen = _chosen_client(data)
    history = selectors.earlier_health_answers(client=chosen) if chosen else None
    context: dict[str, Any] = {
        "finder": finder,
        "search": search,
        "chosen": chosen,
        "history": _history_rows(history),
        "history_on": history.start_at if history else None,
        "found_clients": (
            selectors.search_clients(
                Client.objects.all(), query=search.cleaned_data["q"], limit=DESK_SEARCH_LIMIT
            )
            if search.is_valid() and search.cleaned_data["q"]
            else []
        ),
        "slots": [],
        "form": None,
        "taken": False,
    }
    if not finder.is_bound or not finder.is_valid():
        status = 400 if finder.is_bound else 200
        return render(request, "staff/calendar/book.html", context, status=status)
    wanted = finder.cleaned_data
    people = wanted["people"] or 1
    parts = _parts(wanted, people)
    try:
        slots = visit_slots(
            parts=parts,
            together=people == 2,
            start_on=wanted["date"],
            end_on=wanted["date"],
            staff=waives_notice(actor=actor, source=source),
        )
    except errors.BookingError as refused:
        finder.add_error(None, refused.message)
        return render(request, "staff/calendar/book.html", context, status=400)
    form = DeskBookingForm(
        request.POST if request.method == "POST" else None,
        people=people,
        has_history=history is not None,
        initial=_booking_initial(chosen, history, slots, wanted),
    )
    context.update(form=form, slots=slots, query=urlencode(_finder_query(wanted, chosen)))
    if request.method != "POST":
        context["choices"] = _choices(slots, form["start"].value())
        return render(request, "staff/calendar/book.html", context)
    status = 400
    if form.is_valid():
        try:
            visit = book_visit(
                appointments=_wanted(form, wanted, parts),
                client=_details(form, chosen),
                source=source,
                actor=actor,
                notes=form.cleaned_data["notes"],
                has_consent=form.cleaned_data["consent"],
                language=form.cleaned_data["language"],
            )
        except errors.SlotUnavailable:
            status = 409
            context["taken"] = True
            context["nearest"] = _nearest(slots, form.cleaned_data["start"])
        except errors.BookingError as refused:
            form.add_error(None, refused.message)
        else:
            lead = min(visit.appointments.all(), key=lambda a: (a.start_at, str(a.pk)))
            local = lead.start_at.astimezone(Rules.from_settings().zone)
            messages.success(
                request,
                gettext("Booked: %(name)s at %(time)s.")
                % {"name": visit.contact_name, "time": formats.time_format(local, "H:i")},
            )
            url = _calendar_url(local.date(), highlight=str(lead.pk))
            return HttpResponseRedirect(f"{url}#appointment-{lead.pk}")
    context["choices"] = _choices(slots, form["start"].value())
    return render(request, "staff/calendar/book.html", context, status=status)


def _finder_initial(data: Any) -> dict[str, Any]:
    """What a gap clicked on the calendar brings: its therapist, date and time."""
    asked = {name: data[name] for name in ("therapist", "date", "time") if data.get(name)}
    return {"date": _today(), "people": 1, **asked}


def _finder_query(wanted: dict[str, Any], chosen: Client | None) -> dict[str, str]:
    query = {
        "offering": str(wanted["offering"].pk),
        "date": wanted["date"].isoformat(),
        "therapist": str(wanted["therapist"].pk) if wanted["therapist"] else "",
        "people": str(wanted["people"] or 1),
        "second_therapist": str(_pk(wanted["second_therapist"]) or ""),
    }
    if wanted.get("time"):
        query["time"] = wanted["time"].strftime("%H:%M")
    if chosen is not None:
        query["client"] = str(chosen.pk)
    return query


def _chosen_client(data: Any) -> Client | None:
    text = data.get("client", "")
    if not str(text).isdigit():
        return None
    return Client.objects.filter(pk=int(text)).first()


def _parts(wanted: dict[str, Any], people: int) -> list[Part]:
    """The appointments to find a time for: the client's, and the second person's."""
    offering = wanted["offering"]
    first = Part(offering=offering, therapist_id=_pk(wanted["therapist"]))
    if people == 1:
        return [first]
    second = Part(
        offering=offering, therapist_id=_pk(wanted["second_therapist"]), guest_name="guest"
    )
    return [first, second]


def _pk(therapist: Therapist | None) -> int | None:
    return therapist.pk if therapist is not None else None


def _booking_initial(
    chosen: Client | None,
    history: Appointment | None,
    slots: list[VisitSlot],
    wanted: dict[str, Any],
) -> dict[str, Any]:
    initial: dict[str, Any] = {"language": chosen.language if chosen else settings.LANGUAGE_CODE}
    if chosen is not None:
        initial["client"] = chosen.pk
    if history is not None:
        initial.update({k: v for k, v in history.health.items() if k in HealthQuestion.values})
    zone = Rules.from_settings().zone
    if wanted.get("time"):
        for slot in slots:
            if slot.start_at.astimezone(zone).time() == wanted["time"]:
                initial["start"] = slot.start_at.isoformat()
    return initial


def _choices(slots: list[VisitSlot], value: Any) -> list[dict[str, Any]]:
    """The free times as radios: value, the local time, and whether it is the one chosen."""
    zone = Rules.from_settings().zone
    chosen = _as_moment(value)
    return [
        {
            "value": slot.start_at.isoformat(),
            "local": slot.start_at.astimezone(zone),
            "end": slot.end_at.astimezone(zone),
            "checked": chosen is not None and slot.start_at == chosen,
        }
        for slot in slots
    ]


def _as_moment(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _nearest(slots: list[VisitSlot], wanted_at: datetime) -> list[datetime]:
    zone = Rules.from_settings().zone
    ordered = sorted(slots, key=lambda slot: abs((slot.start_at - wanted_at).total_seconds()))
    return [slot.start_at.astimezone(zone) for slot in ordered[:NEAREST]]


def _wanted(
    form: DeskBookingForm, wanted: dict[str, Any], parts: list[Part]
) -> list[WantedAppointment]:
    start_at = form.cleaned_data["start"]
    first = WantedAppointment(
        offering=wanted["offering"],
        start_at=start_at,
        therapist=wanted["therapist"],
        health=form.health(),
    )
    if len(parts) == 1:
        return [first]
    guest = WantedAppointment(
        offering=wanted["offering"],
        start_at=start_at,
        therapist=wanted["second_therapist"],
        guest_name=form.cleaned_data["guest_name"],
        health=form.guest_health(),
    )
    return [first, guest]


def _details(form: DeskBookingForm, chosen: Client | None) -> ClientDetails:
    if chosen is not None:
        return ClientDetails(name=chosen.name, email=chosen.email, phone=chosen.phone)
    values = form.cleaned_data
    return ClientDetails(name=values["name"], email=values["email"], phone=values["phone"])


def _history_rows(history: Appointment | None) -> list[tuple[str, str]]:
    if history is None:
        return []
    labels = dict(HealthQuestion.choices)
    return [
        (str(labels.get(question, question)), answer_label(answer))
        for question, answer in history.health.items()
        if question in labels
    ]
