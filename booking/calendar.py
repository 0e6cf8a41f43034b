"""Calendar files (RFC 5545) for an appointment.

One appointment is one calendar event with a stable UID, so a client's
calendar updates the entry when the appointment moves and removes it
when it is cancelled. SEQUENCE counts those changes (the services bump
`Appointment.sequence`); METHOD says what the file asks of the calendar
(RFC 5546): PUBLISH for a download, REQUEST with a booking or a move,
CANCEL with a cancellation.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from django.utils.translation import get_language, pgettext
from icalendar import Calendar, Event, vCalAddress, vText

from booking.contacts import single_line
from booking.models import Appointment
from studio.identity import studio_identity

Method = Literal["PUBLISH", "REQUEST", "CANCEL"]


def event_uid(appointment: Appointment) -> str:
    host = urlsplit(settings.STUDIO_BASE_URL).hostname or "studio.invalid"
    return f"appointment-{appointment.pk}@{host}"


def appointment_calendar(
    appointment: Appointment, *, method: Method, now: datetime | None = None
) -> bytes:
    """The appointment as a one-event calendar file."""
    calendar = Calendar()
    calendar.add("prodid", f"-//{settings.STUDIO_NAME}//Studio booking//EN")
    calendar.add("version", "2.0")
    calendar.add("method", method)

    event = Event()
    event.add("uid", event_uid(appointment))
    event.add("sequence", appointment.sequence)
    event.add("dtstamp", now or timezone.now())
    event.add("dtstart", appointment.start_at)
    event.add("dtend", appointment.end_at)
    # In the language active now: the reader's, as the page or message
    # rendering the file has set it (`translation.override`).
    studio = studio_identity(get_language())
    names = {
        "offering": appointment.offering.name,
        "studio": studio["studio_name"],
        "therapist": appointment.therapist.name,
    }
    event.add("summary", pgettext("calendar event", "%(offering)s at %(studio)s") % names)
    event.add(
        "description",
        pgettext("calendar event", "%(offering)s with %(therapist)s.") % names,
    )
    if studio["studio_address"]:
        event.add("location", studio["studio_address"])
    is_cancelled = method == "CANCEL" or appointment.status == Appointment.Status.CANCELLED
    # A held booking is not the client's until they confirm it.
    is_held = appointment.status == Appointment.Status.HELD
    event.add("status", "CANCELLED" if is_cancelled else "TENTATIVE" if is_held else "CONFIRMED")
    organizer = vCalAddress(f"mailto:{settings.DEFAULT_FROM_EMAIL}")
    organizer.params["cn"] = vText(studio["studio_name"])
    event["organizer"] = organizer
    # The details it was booked with, as its e-mails use (booking.notifications).
    attendee = vCalAddress(f"mailto:{appointment.contact_email}")
    attendee.params["cn"] = vText(single_line(appointment.contact_name))
    attendee.params["role"] = vText("REQ-PARTICIPANT")
    event.add("attendee", attendee, encode=False)
    calendar.add_component(event)
    return bytes(calendar.to_ical())
