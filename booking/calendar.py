"""Calendar files (RFC 5545) for a visit, or for every session of a course.

Each appointment is one calendar event with a stable UID of its own
(`appointment-<id>@<host>`), so a client's calendar updates each entry
when the visit moves and removes it when the visit is cancelled. A
visit made before visits existed kept its appointment's id, so the
events calendars already hold keep matching. SEQUENCE counts each
appointment's changes (the services bump `Appointment.sequence`);
METHOD says what the file asks of the calendar (RFC 5546): PUBLISH for
a download, REQUEST with a booking or a move, CANCEL with a
cancellation.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Literal
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from django.utils.translation import get_language, pgettext
from icalendar import Calendar, Event, vCalAddress, vText

from booking.contacts import single_line
from booking.models import Appointment
from booking.outline import Session, course_sessions, load_visit
from studio.identity import studio_identity

Method = Literal["PUBLISH", "REQUEST", "CANCEL"]


def event_uid(appointment: Appointment) -> str:
    host = urlsplit(settings.STUDIO_BASE_URL).hostname or "studio.invalid"
    return f"appointment-{appointment.pk}@{host}"


def appointment_calendar(
    appointment: Appointment, *, method: Method, now: datetime | None = None
) -> bytes:
    """The calendar file of the booking the appointment is part of.

    Every appointment of its visit; for a session of a course, every
    appointment of every session, so one download puts the whole course
    in the client's calendar.
    """
    visit = load_visit(appointment.visit_id)
    return sessions_calendar(course_sessions(visit), method=method, now=now)


def sessions_calendar(
    sessions: Sequence[Session], *, method: Method, now: datetime | None = None
) -> bytes:
    """A calendar file with one event for each appointment of the sessions."""
    calendar = Calendar()
    calendar.add("prodid", f"-//{settings.STUDIO_NAME}//Studio booking//EN")
    calendar.add("version", "2.0")
    calendar.add("method", method)
    for session in sessions:
        for appointment in session.appointments:
            calendar.add_component(
                _event(appointment, session, method=method, now=now or timezone.now())
            )
    return bytes(calendar.to_ical())


def _event(appointment: Appointment, session: Session, *, method: Method, now: datetime) -> Event:
    visit = session.visit
    event = Event()
    event.add("uid", event_uid(appointment))
    event.add("sequence", appointment.sequence)
    event.add("dtstamp", now)
    event.add("dtstart", appointment.start_at)
    event.add("dtend", appointment.end_at)
    # In the language active now: the reader's, as the page or message
    # rendering the file has set it (`translation.override`).
    studio = studio_identity(get_language())
    event.add(
        "summary",
        pgettext("calendar event", "%(offering)s at %(studio)s")
        % {
            "offering": appointment.offering.name,
            "studio": studio["studio_name"],
        },
    )
    event.add("description", _description(appointment, session))
    if studio["studio_address"]:
        event.add("location", studio["studio_address"])
    is_cancelled = method == "CANCEL" or appointment.status == Appointment.Status.CANCELLED
    # A held booking is not the client's until they confirm it.
    is_held = appointment.status == Appointment.Status.HELD
    event.add("status", "CANCELLED" if is_cancelled else "TENTATIVE" if is_held else "CONFIRMED")
    organizer = vCalAddress(f"mailto:{settings.DEFAULT_FROM_EMAIL}")
    organizer.params["cn"] = vText(studio["studio_name"])
    event["organizer"] = organizer
    # The details the visit was booked with, as its e-mails use (notifications.appointments).
    attendee = vCalAddress(f"mailto:{visit.contact_email}")
    attendee.params["cn"] = vText(single_line(visit.contact_name))
    attendee.params["role"] = vText("REQ-PARTICIPANT")
    event.add("attendee", attendee, encode=False)
    return event


def _description(appointment: Appointment, session: Session) -> str:
    """The massage and the therapist; whom it is for, and which session of a course."""
    names = {
        "offering": appointment.offering.name,
        "therapist": appointment.therapist.name,
        "guest": single_line(appointment.guest_name),
    }
    if names["guest"]:
        text = pgettext("calendar event", "%(offering)s with %(therapist)s, for %(guest)s.") % names
    else:
        text = pgettext("calendar event", "%(offering)s with %(therapist)s.") % names
    if session.number is None:
        return text
    place = pgettext("calendar event", "Session %(number)s of %(total)s.") % {
        "number": session.number,
        "total": session.total,
    }
    return f"{place} {text}"
