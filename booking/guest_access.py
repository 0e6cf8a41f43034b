"""A guest's way into their booking: the manage token, exchanged for the session.

The e-mails link to a guest page with the token in the query
(`/booking/manage/<id>/?t=<token>`); links sent before it moved there
carry it in the path (`/booking/manage/<id>/<token>/…`). Either way, the
first request checks the token, notes in the session that this browser
may manage the appointment, and redirects to the same page without the
token. So the token never reaches an access log (gunicorn's format
leaves out the query, see gunicorn.conf.py), an error log (Django logs
the path; `studio.log_redaction` scrubs what is left) or a Referer, and
the link keeps working however often it is opened.

The confirmation e-mail of a held booking links with another token, the
appointment's `mailbox_token`, which only that e-mail carries: opening
it proves the person reads that mailbox, and confirms the hold
(`confirm_held_appointment`). The manage token does not: the browser
that booked holds it in its session, and the API answers a booking
with it.

The session keeps the token itself, not only the appointment's id, so
that every page checks it again with `selectors.appointment_for_guest`:
a token that is used up closes the pages to a browser that exchanged it
before.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from booking import selectors
from booking.errors import BookingError
from booking.models import Appointment

View = Callable[..., HttpResponse]

# The query parameter of the links in e-mails; studio.log_redaction
# scrubs its value from log lines, should one ever print a query.
TOKEN_PARAMETER = "t"  # noqa: S105 (the name of a query parameter, not a secret)
# appointment id -> manage token, for every booking this browser opened.
SESSION_KEY = "booking_guest_tokens"


def manage_link(appointment: Appointment) -> str:
    """The manage page's path with the token, as the e-mails link to it."""
    path = reverse("booking:manage", kwargs={"appointment_id": appointment.pk})
    return f"{path}?{TOKEN_PARAMETER}={appointment.manage_token}"


def confirmation_link(appointment: Appointment) -> str:
    """The manage page's path with the mailbox token: it confirms a held booking."""
    path = reverse("booking:manage", kwargs={"appointment_id": appointment.pk})
    return f"{path}?{TOKEN_PARAMETER}={appointment.mailbox_token}"


def grant_access(request: HttpRequest, appointment: Appointment) -> None:
    """Let this browser's session open the appointment's pages.

    The session gets a new key first, as at a login, so that a session
    id planted in the browser beforehand opens nothing.
    """
    request.session.cycle_key()
    tokens = dict(request.session.get(SESSION_KEY, {}))
    tokens[str(appointment.pk)] = appointment.manage_token
    request.session[SESSION_KEY] = tokens


def granted_appointment(request: HttpRequest, appointment_id: UUID) -> Appointment:
    """The appointment this session holds the token of, or a plain 404.

    A visit's appointments, and a course's visits, share one token, so
    a browser that opened one of them opens the others too: the token
    kept for this appointment, or else any this session holds, is
    checked. The 404 is the same for an unknown appointment, one this
    browser never opened, and one whose token is used up (see the
    selector).
    """
    tokens = request.session.get(SESSION_KEY, {})
    own = tokens.get(str(appointment_id))
    candidates = (
        [own] if isinstance(own, str) else [t for t in tokens.values() if isinstance(t, str)]
    )
    if not candidates:
        raise Http404
    appointment = selectors.appointment_for_guest_tokens(
        appointment_id=appointment_id, manage_tokens=candidates, now=timezone.now()
    )
    if appointment is None:
        raise Http404
    return appointment


def exchange_token(
    request: HttpRequest, *, appointment_id: UUID, token: str, to: str
) -> HttpResponse:
    """Check the token, keep it in the session, and send the browser on to `to`.

    The manage token opens the booking; the mailbox token opens it too,
    and confirms it while it is held. A wrong or used-up token is a plain
    404 that leaves the session untouched.
    """
    now = timezone.now()
    appointment = selectors.appointment_for_guest(
        appointment_id=appointment_id, manage_token=token, now=now
    )
    if appointment is None:
        appointment = selectors.appointment_for_mailbox(
            appointment_id=appointment_id, mailbox_token=token, now=now
        )
        if appointment is None:
            raise Http404
        _confirm_hold(request, appointment, now=now)
    grant_access(request, appointment)
    response = HttpResponseRedirect(to, status=303)
    # The address just opened holds the token: no Referer may carry it on.
    response["Referrer-Policy"] = "no-referrer"
    return response


def exchanges_token(view: View) -> View:
    """Exchange a `?t=` token on any guest page, then show the page without it.

    The other query parameters (a chosen start, say) travel along.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, appointment_id: UUID, **kwargs: Any) -> HttpResponse:
        token = request.GET.get(TOKEN_PARAMETER)
        if token is None:
            return view(request, appointment_id, **kwargs)
        rest = request.GET.copy()
        del rest[TOKEN_PARAMETER]
        to = f"{request.path}?{rest.urlencode()}" if rest else request.path
        return exchange_token(request, appointment_id=appointment_id, token=token, to=to)

    return wrapper


def _confirm_hold(request: HttpRequest, appointment: Appointment, *, now: datetime) -> None:
    """The mailbox is proven: confirm the booking if it waits for that, and say so."""
    from booking.services.appointments import (  # noqa: PLC0415 - the services' e-mails take their links from here
        Actor,
        confirm_held_appointment,
    )

    if not appointment.is_held and not (
        appointment.status == Appointment.Status.CANCELLED and appointment.hold_expires_at
    ):
        return
    try:
        confirm_held_appointment(appointment=appointment, actor=Actor.guest(), now=now)
    except BookingError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, gettext("Thank you: your booking is confirmed."))
