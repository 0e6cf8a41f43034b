"""What a reminder says, by e-mail or SMS, and handing it to the backend.

E-mails have a plain-text and an HTML part from templates, in the
studio's time zone, with the appointment's calendar file attached, so a
client's calendar adds, moves or removes the event. Text messages are
short. Every message is written in the appointment's language, the one
the client booked in, whatever language the worker runs in: its words,
its dates, the links (`/ru/booking/manage/…`) and the calendar file.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from booking.calendar import Method, appointment_calendar
from booking.contacts import mailbox, single_line
from booking.guest_access import confirmation_link, manage_link
from booking.models import Appointment, Reminder
from booking.services import clients
from booking.sms import send_sms
from studio.identity import studio_identity

Kind = Reminder.Kind

SUBJECTS = {
    Kind.CONFIRMATION: _("Your massage on {when} is booked"),
    Kind.DAY_BEFORE: _("See you tomorrow at {time}"),
    Kind.HOURS_BEFORE: _("See you today at {time}"),
    Kind.CANCELLATION: _("Your massage on {when} is cancelled"),
    Kind.RESCHEDULED: _("Your massage has moved to {when}"),
}

# The confirmation of a held booking asks the client to confirm it.
HELD_SUBJECT = _("Please confirm your massage on {when}")

SMS_TEXTS = {
    Kind.CONFIRMATION: _("{studio}: {offering} booked for {when}. Manage: {link}"),
    Kind.DAY_BEFORE: _("{studio}: see you tomorrow at {time} for {offering}. Manage: {link}"),
    Kind.HOURS_BEFORE: _("{studio}: see you today at {time} for {offering}. Manage: {link}"),
    Kind.CANCELLATION: _("{studio}: your {offering} on {when} is cancelled."),
    Kind.RESCHEDULED: _("{studio}: your {offering} has moved to {when}. Manage: {link}"),
}

# How a message writes the appointment's day and time: a Django date
# format (see the `date` template filter), its own in each language,
# "Tuesday 1 December at 10:00" in English.
WHEN_FORMAT = pgettext_lazy(
    "date format of an appointment's day and time in e-mails and texts", r"l j F \a\t H:i"
)
# The time of day alone, on the 24-hour clock in every language.
TIME_FORMAT = "H:i"


@contextmanager
def in_language_of(appointment: Appointment) -> Iterator[None]:
    """Write what follows in the appointment's language, whatever the active one."""
    with translation.override(appointment.language):
        yield


def manage_url(appointment: Appointment) -> str:
    """The link that opens the booking; its token is exchanged for a session at once."""
    return f"{settings.STUDIO_BASE_URL}{manage_link(appointment)}"


def _asks_to_confirm(reminder: Reminder) -> bool:
    """The confirmation of a held booking: its link confirms it, before the hold expires."""
    return reminder.kind == Kind.CONFIRMATION and reminder.appointment.is_held


def _hold(appointment: Appointment, zone: ZoneInfo) -> dict[str, Any]:
    """How long the client has to confirm, and until when, for the held e-mail."""
    if not appointment.is_held or appointment.hold_expires_at is None:
        return {}
    held_for = appointment.hold_expires_at - appointment.created_at
    return {
        "hold_minutes": max(1, round(held_for.total_seconds() / 60)),
        "hold_until": formats.date_format(
            appointment.hold_expires_at.astimezone(zone), TIME_FORMAT
        ),
    }


def _context(reminder: Reminder) -> dict[str, Any]:
    appointment = reminder.appointment
    zone = ZoneInfo(settings.STUDIO_TIME_ZONE)
    start = appointment.start_at.astimezone(zone)
    end = appointment.end_at.astimezone(zone)
    asks_to_confirm = _asks_to_confirm(reminder)
    return {
        "kind": reminder.kind,
        "appointment": appointment,
        # The details the appointment was booked with, never the client
        # record, which someone else may have typed the same e-mail for.
        "contact_name": single_line(appointment.contact_name),
        "client_details_url": _client_details_url(reminder),
        "offering": appointment.offering,
        "therapist": appointment.therapist,
        "start": start,
        "end": end,
        "when": formats.date_format(start, str(WHEN_FORMAT)),
        "time": formats.date_format(start, TIME_FORMAT),
        # The studio's name and address as the reader's language writes them.
        **studio_identity(translation.get_language()),
        "manage_url": manage_url(appointment),
        "cancel_hours": settings.STUDIO_GUEST_CANCEL_HOURS,
        "is_cancellation": reminder.kind == Kind.CANCELLATION,
        "asks_to_confirm": asks_to_confirm,
        "confirm_url": (
            f"{settings.STUDIO_BASE_URL}{confirmation_link(appointment)}" if asks_to_confirm else ""
        ),
        **_hold(appointment, zone),
    }


def _client_details_url(reminder: Reminder) -> str | None:
    """The confirmation's link to put the booked name and phone on the client record."""
    appointment = reminder.appointment
    if reminder.kind != Kind.CONFIRMATION or not clients.offers_record_update(appointment):
        return None
    path = reverse(
        "booking:client_details", kwargs={"token": clients.details_link_token(appointment)}
    )
    return f"{settings.STUDIO_BASE_URL}{path}"


def build_email(
    reminder: Reminder, connection: BaseEmailBackend | None = None
) -> EmailMultiAlternatives:
    """The e-mail of a reminder, in the appointment's language, its calendar file attached."""
    with in_language_of(reminder.appointment):
        return _build_email(reminder, connection)


def _build_email(reminder: Reminder, connection: BaseEmailBackend | None) -> EmailMultiAlternatives:
    context = _context(reminder)
    subject = (
        HELD_SUBJECT if context["asks_to_confirm"] else SUBJECTS[Kind(reminder.kind)]
    ).format(**context)
    message = EmailMultiAlternatives(
        subject=f"{subject} · {context['studio_name']}",
        body=render_to_string("booking/email/reminder.txt", context),
        to=[
            mailbox(
                name=reminder.appointment.contact_name, email=reminder.appointment.contact_email
            )
        ],
        connection=connection,
    )
    message.attach_alternative(
        render_to_string("booking/email/reminder.html", context), "text/html"
    )
    if context["asks_to_confirm"]:
        # No calendar entry for a time that may be released: the
        # confirmed booking's page and reminders carry one.
        return message
    method: Method = "CANCEL" if reminder.kind == Kind.CANCELLATION else "REQUEST"
    message.attach(
        "appointment.ics",
        appointment_calendar(reminder.appointment, method=method),
        f"text/calendar; method={method}; charset=utf-8",
    )
    return message


def build_sms(reminder: Reminder) -> str:
    """The text message of a reminder, in the appointment's language."""
    with in_language_of(reminder.appointment):
        context = _context(reminder)
        return SMS_TEXTS[Kind(reminder.kind)].format(
            studio=context["studio_name"],
            offering=context["offering"].name,
            when=context["when"],
            time=context["time"],
            link=context["manage_url"],
        )


def send(reminder: Reminder, *, connection: BaseEmailBackend | None = None) -> None:
    """Hand the reminder to the e-mail or SMS backend; raises when that fails.

    `connection` lets a batch of e-mails share one connection to the mail server.
    """
    if reminder.channel == Reminder.Channel.SMS:
        send_sms(to=reminder.appointment.contact_phone, text=build_sms(reminder))
    else:
        build_email(reminder, connection).send(fail_silently=False)
