"""What a message about a visit lists: its appointments in order, and a course's sessions.

Every message about a visit (its e-mails, texts and calendar files)
describes all of it: each appointment, first by start, then by id, the
order in which the first is the lead that the visit's reminders hang on.
A session of a course is named by its place among the course's visits
("session 3 of 10"); the course's confirmation and its calendar download
list every session.

These read the relations `visit.appointments` and `course.visits`, so a
caller that describes many visits loads them first with `prefetch`, in
a fixed number of queries however many visits and appointments there are.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.db.models import Prefetch

from booking.models import Appointment, Course, Visit


@dataclass(frozen=True)
class Session:
    """One visit as a message lists it."""

    visit: Visit
    appointments: list[Appointment]
    # Its place in its course, from 1, and how many sessions the course
    # has; both None for a visit outside a course.
    number: int | None = None
    total: int | None = None


def in_order(appointments: Iterable[Appointment]) -> list[Appointment]:
    """First by start, then by id: the lead first."""
    return sorted(appointments, key=lambda appointment: (appointment.start_at, appointment.pk))


def visit_session(visit: Visit) -> Session:
    """The visit with its appointments, and its place in its course if it has one."""
    if visit.course is None:
        return Session(visit=visit, appointments=in_order(visit.appointments.all()))
    visits = _course_visits(visit.course)
    number = [session.pk for session in visits].index(visit.pk) + 1
    return Session(
        visit=visit,
        appointments=in_order(visit.appointments.all()),
        number=number,
        total=len(visits),
    )


def course_sessions(visit: Visit) -> list[Session]:
    """Every session of the visit's course in order; outside a course, the visit alone."""
    if visit.course is None:
        return [visit_session(visit)]
    visits = _course_visits(visit.course)
    return [
        Session(
            visit=session,
            appointments=in_order(session.appointments.all()),
            number=number,
            total=len(visits),
        )
        for number, session in enumerate(visits, start=1)
    ]


def cancelled_with(visit: Visit) -> list[Session]:
    """The sessions of the visit's course cancelled in the same action as it, in order.

    Cancelling a course cancels every session still to come at once,
    each with the same `updated_at`, and sends one notice, on the first
    of them; cancelling one session leaves the others as they were. So
    a notice about a cancelled session lists the sessions cancelled with
    it: the whole rest of the course, or that session alone.
    """
    return [
        session
        for session in course_sessions(visit)
        if session.visit.status == Visit.Status.CANCELLED
        and session.visit.updated_at == visit.updated_at
    ] or [visit_session(visit)]


def _course_visits(course: Course) -> list[Visit]:
    return sorted(course.visits.all(), key=lambda session: (session.start_at, session.pk))


def load_visit(visit_id: UUID) -> Visit:
    """The visit with what its outline reads, in four queries, for a page or a download."""
    return Visit.objects.select_related("course").prefetch_related(*prefetch()).get(pk=visit_id)


def prefetch(to_visit: str = "") -> list[str | Prefetch[Any]]:
    """The lookups that load what an outline reads, for visits reached by `to_visit`.

    `to_visit` is the path from the queried model to the visit
    ("appointment__visit" from a reminder, "" from a visit); the query
    should also `select_related` the path to the course.
    Three queries at most: the visits' appointments, their courses'
    visits, and those visits' appointments, each with its offering and
    therapist.
    """
    appointments = Appointment.objects.select_related("offering", "therapist")
    below = f"{to_visit}__" if to_visit else ""
    return [
        Prefetch(f"{below}appointments", queryset=appointments),
        f"{below}course__visits",
        Prefetch(f"{below}course__visits__appointments", queryset=appointments),
    ]
