"""What a message about a visit says, by e-mail or SMS, and handing it to the backend.

A visit's reminders hang on its lead appointment, and every message
describes the whole visit: each appointment with its time, massage,
therapist and, when it is not the client, whom it is for. A course's
confirmation lists every session; a session's other messages say which
one it is ("session 3 of 10"). E-mails have a plain-text and an HTML
part from templates, in the studio's time zone, with a calendar file of
the same appointments attached, so a client's calendar adds, moves or
removes the events. Text messages are short: the first start and how
many massages. Every message is written in the visit's language, the
one the client booked in, whatever language the worker runs in: its
words, its dates, the links (`/ru/booking/manage/…`) and the calendar
file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy

from booking import message_notes
from booking.calendar import Method, sessions_calendar
from booking.contacts import mailbox, single_line
from booking.guest_access import confirmation_link, manage_link
from booking.models import Appointment, Visit
from booking.outline import Session, cancelled_with, course_sessions, visit_session
from booking.services import clients
from booking.services.visits import can_guest_change
from booking.sms import send_sms
from notifications.models import Message
from studio.identity import studio_identity

Kind = Message.Kind

# The subjects of a visit of one massage, or of one session of a course.
SUBJECTS = {
    Kind.CONFIRMATION: _("Your massage on {when} is booked"),
    Kind.DAY_BEFORE: _("See you tomorrow at {time}"),
    Kind.HOURS_BEFORE: _("See you today at {time}"),
    Kind.CANCELLATION: _("Your massage on {when} is cancelled"),
    Kind.RESCHEDULED: _("Your massage has moved to {when}"),
}
# The subjects of a visit of several massages: a couple's, or one after another.
SEVERAL_SUBJECTS = {
    **SUBJECTS,
    Kind.CONFIRMATION: _("Your massages on {when} are booked"),
    Kind.CANCELLATION: _("Your massages on {when} are cancelled"),
    Kind.RESCHEDULED: _("Your massages have moved to {when}"),
}
# The day before a session of a course.
SESSION_DAY_BEFORE_SUBJECT = _("See you tomorrow at {time}: session {number} of {total}")

# The confirmation of a held booking asks the client to confirm it.
HELD_SUBJECT = _("Please confirm your massage on {when}")
HELD_SEVERAL_SUBJECT = _("Please confirm your massages on {when}")


def appointment_of(message: Message) -> Appointment:
    """The appointment a message about a visit hangs on (the visit's lead)."""
    if message.appointment is None:
        raise ValueError(f"Message {message.pk} is about no appointment")
    return message.appointment


def _course_subject(total: int, *, kind: str, asks_to_confirm: bool) -> str:
    """The subject of a message about several sessions of a course.

    Its confirmation lists every session; the notice of its
    cancellation, every session cancelled.
    """
    if kind == Kind.CANCELLATION:
        return ngettext(
            "{total} session of your course from {when} is cancelled",
            "{total} sessions of your course from {when} are cancelled",
            total,
        )
    if asks_to_confirm:
        return ngettext(
            "Please confirm your course of {total} session from {when}",
            "Please confirm your course of {total} sessions from {when}",
            total,
        )
    return ngettext(
        "Your course of {total} session from {when} is booked",
        "Your course of {total} sessions from {when} is booked",
        total,
    )


# A text says what is booked; then how to change it (SMS_CHANGE_BY_LINK
# while the guests' cut-off is ahead, SMS_CHANGE_BY_PHONE after it).
SMS_TEXTS = {
    Kind.CONFIRMATION: _("{studio}: {offering} booked for {when}."),
    Kind.DAY_BEFORE: _("{studio}: see you tomorrow at {time} for {offering}."),
    Kind.HOURS_BEFORE: _("{studio}: see you today at {time} for {offering}."),
    Kind.CANCELLATION: _("{studio}: your {offering} on {when} is cancelled."),
    Kind.RESCHEDULED: _("{studio}: your {offering} has moved to {when}."),
}
# A text about several massages names how many, not each one: it stays short.
SEVERAL_SMS_TEXTS: dict[str, Callable[[int], str]] = {
    Kind.CONFIRMATION: lambda count: ngettext(
        "{studio}: {count} massage booked for {when}.",
        "{studio}: {count} massages booked for {when}.",
        count,
    ),
    Kind.DAY_BEFORE: lambda count: ngettext(
        "{studio}: see you tomorrow at {time} for {count} massage.",
        "{studio}: see you tomorrow at {time} for {count} massages.",
        count,
    ),
    Kind.HOURS_BEFORE: lambda count: ngettext(
        "{studio}: see you today at {time} for {count} massage.",
        "{studio}: see you today at {time} for {count} massages.",
        count,
    ),
    Kind.CANCELLATION: lambda count: ngettext(
        "{studio}: your {count} massage on {when} is cancelled.",
        "{studio}: your {count} massages on {when} are cancelled.",
        count,
    ),
    Kind.RESCHEDULED: lambda count: ngettext(
        "{studio}: your {count} massage has moved to {when}.",
        "{studio}: your {count} massages have moved to {when}.",
        count,
    ),
}
SMS_CHANGE_BY_LINK = _("Manage: {link}")
SMS_CHANGE_BY_PHONE = _("To change it, call {phone}.")


def _course_sms(total: int, *, kind: str) -> str:
    if kind == Kind.CANCELLATION:
        return ngettext(
            "{studio}: {count} session of your course from {when} is cancelled.",
            "{studio}: {count} sessions of your course from {when} are cancelled.",
            total,
        )
    return ngettext(
        "{studio}: course of {count} session booked from {when}.",
        "{studio}: course of {count} sessions booked from {when}.",
        total,
    )


# How a message writes the appointment's day and time: a Django date
# format (see the `date` template filter), its own in each language,
# "Tuesday 1 December at 10:00" in English.
WHEN_FORMAT = pgettext_lazy(
    "date format of an appointment's day and time in e-mails and texts", r"l j F \a\t H:i"
)
# The time of day alone, on the 24-hour clock in every language.
TIME_FORMAT = "H:i"


@contextmanager
def in_language_of(visit: Visit) -> Iterator[None]:
    """Write what follows in the visit's language, whatever the active one."""
    with translation.override(visit.language):
        yield


def manage_url(appointment: Appointment) -> str:
    """The link that opens the booking; its token is exchanged for a session at once."""
    return f"{settings.STUDIO_BASE_URL}{manage_link(appointment)}"


@dataclass(frozen=True)
class Line:
    """One appointment as a message lists it, its times in the studio's zone."""

    appointment: Appointment
    start: datetime
    end: datetime

    @property
    def guest_name(self) -> str:
        """Whom it is for, when not the client; empty otherwise."""
        return single_line(self.appointment.guest_name)


@dataclass(frozen=True)
class Listed:
    """A session as a message lists it: its place in a course, and its appointments."""

    number: int | None
    total: int | None
    lines: list[Line]


def listed_sessions(reminder: Message) -> list[Session]:
    """What the message lists: the visit; for a course's confirmation, every session.

    A course is confirmed once, on its first session, and cancelled
    with one notice, on the first session cancelled: that notice lists
    every session cancelled with it.
    """
    visit = appointment_of(reminder).visit
    if visit.course is not None and reminder.kind == Kind.CONFIRMATION:
        return course_sessions(visit)
    if visit.course is not None and reminder.kind == Kind.CANCELLATION:
        return cancelled_with(visit)
    return [visit_session(visit)]


def _asks_to_confirm(reminder: Message) -> bool:
    """The confirmation of a held booking: its link confirms it, before the hold expires."""
    return reminder.kind == Kind.CONFIRMATION and appointment_of(reminder).visit.status == (
        Visit.Status.HELD
    )


def _hold(visit: Visit, zone: ZoneInfo) -> dict[str, Any]:
    """How long the client has to confirm, and until when, for the held e-mail."""
    if visit.status != Visit.Status.HELD or visit.hold_expires_at is None:
        return {}
    held_for = visit.hold_expires_at - visit.created_at
    return {
        "hold_minutes": max(1, round(held_for.total_seconds() / 60)),
        "hold_until": formats.date_format(visit.hold_expires_at.astimezone(zone), TIME_FORMAT),
    }


def _total(lines: list[Line]) -> dict[str, Any]:
    """The price of every massage listed, when there are several in one currency."""
    currencies = {line.appointment.currency for line in lines}
    if len(lines) < 2 or len(currencies) != 1:
        return {}
    return {
        "total_price": sum((line.appointment.price for line in lines), Decimal(0)),
        "total_currency": currencies.pop(),
    }


def _context(reminder: Message) -> dict[str, Any]:
    visit = appointment_of(reminder).visit
    zone = ZoneInfo(settings.STUDIO_TIME_ZONE)
    sessions = listed_sessions(reminder)
    listed = [
        Listed(
            number=session.number,
            total=session.total,
            lines=[
                Line(
                    appointment=appointment,
                    start=appointment.start_at.astimezone(zone),
                    end=appointment.end_at.astimezone(zone),
                )
                for appointment in session.appointments
            ],
        )
        for session in sessions
    ]
    lines = [line for session in listed for line in session.lines]
    first = lines[0]
    is_course = len(sessions) > 1
    asks_to_confirm = _asks_to_confirm(reminder)
    return {
        "kind": reminder.kind,
        "sessions": sessions,
        "listed": listed,
        # The details the visit was booked with, never the client
        # record, which someone else may have typed the same e-mail for.
        "contact_name": single_line(visit.contact_name),
        "client_details_url": _client_details_url(reminder),
        "start": first.start,
        "when": formats.date_format(first.start, str(WHEN_FORMAT)),
        "time": formats.date_format(first.start, TIME_FORMAT),
        # Several massages in one visit; several sessions of a course.
        "is_several": len(lines) > 1 and not is_course,
        "course_total": len(sessions) if is_course else None,
        "session": listed[0] if not is_course and listed[0].number else None,
        **_total(lines),
        # The studio's name and address as the reader's language writes them.
        **studio_identity(translation.get_language()),
        "manage_url": manage_url(appointment_of(reminder)),
        "cancel_hours": settings.STUDIO_GUEST_CANCEL_HOURS,
        # Decided when the message is written, not when it was planned:
        # past the cut-off (a reminder sent the evening before, a walk-in's
        # confirmation, a move at short notice) the link would only say
        # "can no longer be changed here", so the message gives the phone.
        "is_changeable_online": can_guest_change(visit, now=timezone.now()),
        "is_cancellation": reminder.kind == Kind.CANCELLATION,
        "asks_to_confirm": asks_to_confirm,
        "confirm_url": (
            f"{settings.STUDIO_BASE_URL}{confirmation_link(appointment_of(reminder))}"
            if asks_to_confirm
            else ""
        ),
        **_hold(visit, zone),
        # What other apps say of the visit (a package's sessions left), except
        # in the notice of its cancellation: `message_notes`.
        "notes": message_notes.of(visit) if reminder.kind != Kind.CANCELLATION else [],
    }


def _subject(reminder: Message, context: dict[str, Any]) -> str:
    kind = Kind(reminder.kind)
    asks_to_confirm = context["asks_to_confirm"]
    session = context["session"]
    if context["course_total"]:
        subject = _course_subject(
            context["course_total"], kind=kind, asks_to_confirm=asks_to_confirm
        )
    elif asks_to_confirm:
        subject = str(HELD_SEVERAL_SUBJECT if context["is_several"] else HELD_SUBJECT)
    elif kind == Kind.DAY_BEFORE and session is not None:
        subject = str(SESSION_DAY_BEFORE_SUBJECT)
    else:
        subject = str((SEVERAL_SUBJECTS if context["is_several"] else SUBJECTS)[kind])
    return subject.format(
        when=context["when"],
        time=context["time"],
        total=context["course_total"] or (session.total if session else None),
        number=session.number if session else None,
    )


def _client_details_url(reminder: Message) -> str | None:
    """The confirmation's link to put the booked name and phone on the client record."""
    appointment = appointment_of(reminder)
    if reminder.kind != Kind.CONFIRMATION or not clients.offers_record_update(appointment):
        return None
    path = reverse(
        "booking:client_details", kwargs={"token": clients.details_link_token(appointment)}
    )
    return f"{settings.STUDIO_BASE_URL}{path}"


def build_email(
    reminder: Message, connection: BaseEmailBackend | None = None
) -> EmailMultiAlternatives:
    """The e-mail of a reminder, in the visit's language, its calendar file attached."""
    with in_language_of(appointment_of(reminder).visit):
        return _build_email(reminder, connection)


def _build_email(reminder: Message, connection: BaseEmailBackend | None) -> EmailMultiAlternatives:
    context = _context(reminder)
    visit = appointment_of(reminder).visit
    message = EmailMultiAlternatives(
        subject=f"{_subject(reminder, context)} · {context['studio_name']}",
        body=render_to_string("booking/email/reminder.txt", context),
        to=[mailbox(name=visit.contact_name, email=visit.contact_email)],
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
        sessions_calendar(context["sessions"], method=method),
        f"text/calendar; method={method}; charset=utf-8",
    )
    return message


def build_sms(reminder: Message) -> str:
    """The text message of a reminder, in the visit's language: short, whatever the visit."""
    with in_language_of(appointment_of(reminder).visit):
        context = _context(reminder)
        lines = [line for session in context["listed"] for line in session.lines]
        if context["course_total"]:
            text = _course_sms(context["course_total"], kind=reminder.kind)
        elif context["is_several"]:
            text = SEVERAL_SMS_TEXTS[Kind(reminder.kind)](len(lines))
        else:
            text = str(SMS_TEXTS[Kind(reminder.kind)])
        text = text.format(
            studio=context["studio_name"],
            offering=lines[0].appointment.offering.name,
            count=context["course_total"] or len(lines),
            when=context["when"],
            time=context["time"],
        )
        change = _sms_change(context)
        return f"{text} {change}" if change else text


def _sms_change(context: dict[str, Any]) -> str:
    """How a text tells the client to change the booking: its link, or the studio's phone."""
    if context["is_cancellation"]:
        return ""
    if context["is_changeable_online"]:
        return str(SMS_CHANGE_BY_LINK).format(link=context["manage_url"])
    if context["studio_phone"]:
        return str(SMS_CHANGE_BY_PHONE).format(phone=context["studio_phone"])
    return ""


def send(reminder: Message, *, connection: BaseEmailBackend | None = None) -> None:
    """Hand the reminder to the e-mail or SMS backend; raises when that fails.

    `connection` lets a batch of e-mails share one connection to the mail server.
    """
    if reminder.channel == Message.Channel.SMS:
        send_sms(to=appointment_of(reminder).visit.contact_phone, text=build_sms(reminder))
    else:
        build_email(reminder, connection).send(fail_silently=False)
