"""A therapist's calendar feed (.ics), and the page where it is turned on, renewed or off.

The feed's address carries the therapist's secret (`Therapist.feed_token`)
instead of a login, because calendar apps subscribe to an address and
cannot log in. It lives on a phone, so each event holds as little about
the client as lets the therapist know whom they see: the massage and the
client's first name; no surname, phone, e-mail or health answer. The
link in each event leads to the visit page, behind the staff login.
In production the address is served over HTTPS only
(SECURE_SSL_REDIRECT), so the secret never travels in the clear, and
studio.log_redaction keeps it out of the logs.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext, pgettext
from django.views.decorators.http import require_GET, require_http_methods
from icalendar import Calendar, Event

from booking import selectors
from booking.contacts import single_line
from booking.models import Appointment, Therapist
from booking.services import Actor
from booking.services.feeds import renew_feed, revoke_feed
from staff.access import Scope, staff_view
from studio.identity import studio_identity

# Calendar apps ask again about this often (those that read the hint).
REFRESH_INTERVAL = timedelta(hours=1)


@require_GET
def feed(request: HttpRequest, token: str) -> HttpResponse:
    """The therapist's appointments as a calendar: 404 for a secret no therapist holds."""
    therapist = selectors.therapist_for_feed(token)
    if therapist is None:
        raise Http404
    now = timezone.now()
    body = therapist_calendar(therapist, selectors.feed_appointments(therapist, now=now), now=now)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    # Personal data: never kept by a shared cache, nor by the app between
    # its polls, so a move or a cancellation shows on the next one.
    response["Cache-Control"] = "private, no-store"
    response["Content-Disposition"] = 'inline; filename="appointments.ics"'
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"
    return response


def therapist_calendar(
    therapist: Therapist, appointments: list[Appointment], *, now: datetime
) -> bytes:
    """A calendar (RFC 5545) with one event for each of the therapist's appointments."""
    studio = studio_identity(get_language())
    calendar = Calendar()
    calendar.add("prodid", f"-//{settings.STUDIO_NAME}//Therapist calendar//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    calendar.add(
        "x-wr-calname",
        pgettext("calendar feed", "%(studio)s: %(therapist)s")
        % {"studio": studio["studio_name"], "therapist": therapist.name},
    )
    calendar.add("refresh-interval", REFRESH_INTERVAL, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    for appointment in appointments:
        calendar.add_component(_event(appointment, studio=studio, now=now))
    return bytes(calendar.to_ical())


def _event(appointment: Appointment, *, studio: dict[str, str], now: datetime) -> Event:
    event = Event()
    event.add("uid", feed_event_uid(appointment))
    event.add("sequence", appointment.sequence)
    event.add("dtstamp", now)
    # In UTC: icalendar writes an aware UTC time with the Z suffix.
    event.add("dtstart", appointment.start_at.astimezone(UTC))
    event.add("dtend", appointment.end_at.astimezone(UTC))
    event.add(
        "summary",
        pgettext("calendar feed", "%(offering)s: %(person)s")
        % {"offering": appointment.offering.name, "person": first_name(appointment)},
    )
    if studio["studio_address"]:
        event.add("location", studio["studio_address"])
    visit_url = f"{settings.STUDIO_BASE_URL}/staff/visits/{appointment.visit_id}/"
    event.add("description", pgettext("calendar feed", "The visit: %(url)s") % {"url": visit_url})
    event.add("url", visit_url)
    is_held = appointment.status == Appointment.Status.HELD
    event.add("status", "TENTATIVE" if is_held else "CONFIRMED")
    return event


def feed_event_uid(appointment: Appointment) -> str:
    """Apart from the client's own calendar file's UID (`booking.calendar.event_uid`)."""
    host = urlsplit(settings.STUDIO_BASE_URL).hostname or "studio.invalid"
    return f"staff-appointment-{appointment.pk}@{host}"


def first_name(appointment: Appointment) -> str:
    """Whom the massage is for, by first name only: the guest of a visit for two, else the client."""
    name = single_line(appointment.guest_name) or single_line(appointment.client.name)
    return name.split(" ", 1)[0] if name else gettext("client")


@require_http_methods(["GET", "POST"])
@staff_view
def settings_page(request: HttpRequest, scope: Scope) -> HttpResponse:
    """Turn a therapist's feed on, renew or turn it off; see and copy its address.

    A therapist manages their own; reception any active therapist's
    (`?therapist=<id>`). A therapist beyond the login's scope is not
    found (404).
    """
    therapists = list(scope.therapists().order_by("name", "id"))
    chosen_id = request.POST.get("therapist") or request.GET.get("therapist")
    if chosen_id:
        if not chosen_id.isdigit():
            raise Http404
        therapist = get_object_or_404(scope.therapists(), pk=int(chosen_id))
    elif scope.therapist is not None:
        therapist = scope.therapist
    else:
        therapist = None
    if request.method == "POST":
        if therapist is None:
            raise Http404
        action = request.POST.get("action")
        actor = Actor.for_user(request.user)
        if action == "renew":
            renew_feed(therapist=therapist, by=actor)
            messages.success(
                request,
                gettext(
                    "The calendar feed has a new address. An address given out before "
                    "no longer works."
                ),
            )
        elif action == "revoke":
            revoke_feed(therapist=therapist, by=actor)
            messages.success(
                request, gettext("The calendar feed is off. Its address no longer works.")
            )
        else:
            return HttpResponse(gettext("Choose to renew the feed or to turn it off."), status=400)
        return HttpResponseRedirect(
            f"{reverse('staff:feed-settings')}?therapist={therapist.pk}", status=303
        )
    if therapist is not None:
        therapist.refresh_from_db(fields=["feed_token"])
    address = (
        f"{settings.STUDIO_BASE_URL}{reverse('staff:feed', args=[therapist.feed_token])}"
        if therapist is not None and therapist.feed_token
        else ""
    )
    return render(
        request,
        "staff/clients/feed_settings.html",
        {
            "therapists": therapists if scope.is_reception else [],
            "therapist": therapist,
            "address": address,
            "webcal_address": "webcal://" + address.split("://", 1)[1] if address else "",
        },
    )
