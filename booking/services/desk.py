"""What staff do to a booked visit at the front desk: move it, give it to another therapist, mark arrivals.

A move at the desk is a reschedule (`visits.reschedule_visit`) with
the staff's freedoms: no minimum notice, past the guests' cut-off,
other therapists for any of its appointments, and the client's notice
left out when staff say so. It locks, places and writes as every visit
service does (`visits.write_move`), under the same exclusion
constraints, so a time taken meanwhile is SlotUnavailable.

Marks say how an appointment is going: arrived (on the day; the status
stays confirmed), then completed or no-show (`appointments.mark_appointment`).
A mark set by mistake is undone, the last one first, with an event
that says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from uuid import UUID
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from booking import errors
from booking.models import Appointment, AppointmentEvent, Therapist, Visit
from booking.services.actors import Actor
from booking.services.visits import _record as record
from booking.services.visits import (
    check_changeable,
    conflicts_become_unavailable,
    lock_visit,
    write_move,
)
from booking.visits import Part, place_visit

__all__ = ["mark_arrived", "move_visit", "undo_mark"]


@conflicts_become_unavailable
@transaction.atomic(durable=True)
def move_visit(
    *,
    visit: Visit,
    actor: Actor,
    start_at: datetime | None = None,
    therapists: Mapping[UUID, Therapist] | None = None,
    notify: bool = True,
    now: datetime | None = None,
) -> Visit:
    """Staff move a visit to `start_at` and/or give appointments of it to other therapists.

    Every appointment moves by the same time (None keeps the time), in
    the same shape; `therapists` maps an appointment's id to its new
    therapist, who must give its massage and be free then (the others
    keep theirs). The time must be one the visit engine offers staff:
    no minimum notice, still not in the past nor beyond the horizon.
    The guests' cut-off does not apply. With `notify` the client gets
    the notice of the move; either way the reminders follow the new
    time. Raises StaffOnly for anyone but staff, NotActive, NotConfirmed
    for a visit still held, NothingToChange, InvalidVisit for an
    appointment not of this visit, one already marked, or one therapist
    twice side by side, NotQualified, the start-time errors of
    `book_visit`, and SlotUnavailable when the time or therapist was
    taken, also by a concurrent booking or move.
    """
    if not actor.is_staff:
        raise errors.StaffOnly()
    now = now or timezone.now()
    therapists = therapists or {}
    visit, appointments = lock_visit(visit)
    check_changeable(visit, actor, now)
    if visit.status == Visit.Status.HELD:
        raise errors.NotConfirmed(
            gettext("This booking waits for the client to confirm it by e-mail; move it after.")
        )
    if set(therapists) - {appointment.pk for appointment in appointments}:
        raise errors.InvalidVisit(gettext("That appointment is not part of this visit."))
    if any(a.status != Appointment.Status.CONFIRMED for a in appointments):
        raise errors.InvalidVisit(
            gettext("A massage of this visit is already marked; undo the mark to move it.")
        )
    appointments = sorted(appointments, key=lambda a: (a.start_at, str(a.id)))
    new_start = start_at or visit.start_at
    therapist_ids = [
        therapists[a.pk].pk if a.pk in therapists else a.therapist_id for a in appointments
    ]
    unchanged = [a.therapist_id for a in appointments] == therapist_ids
    if new_start == visit.start_at and unchanged:
        raise errors.NothingToChange()
    together = len(appointments) > 1 and len({a.start_at for a in appointments}) == 1
    plan = place_visit(
        parts=[
            Part(offering=a.offering, therapist_id=therapist_id, guest_name=a.guest_name)
            for a, therapist_id in zip(appointments, therapist_ids, strict=True)
        ],
        together=together,
        start_at=new_start,
        now=now,
        ignore_visit=visit.id,
        lock=True,
        staff=True,
    )
    write_move(visit, appointments, plan, actor=actor, now=now, notify=notify)
    return visit


@transaction.atomic(durable=True)
def mark_arrived(
    *, appointment: Appointment, actor: Actor, now: datetime | None = None
) -> Appointment:
    """Mark the client of a confirmed appointment arrived, on its day; the status stays.

    Marking one already arrived changes nothing (a button pressed
    twice). Raises NotActive for an appointment that is not confirmed
    (cancelled, held, or already marked completed or no-show) and
    NotToday on any other day than the appointment's, in the studio's
    time zone.
    """
    now = now or timezone.now()
    _, appointments = lock_visit(appointment.visit)
    appointment = next(found for found in appointments if found.pk == appointment.pk)
    if appointment.status != Appointment.Status.CONFIRMED:
        raise errors.NotActive()
    zone = ZoneInfo(settings.STUDIO_TIME_ZONE)
    if appointment.start_at.astimezone(zone).date() != now.astimezone(zone).date():
        raise errors.NotToday()
    if appointment.arrived_at is not None:
        return appointment
    appointment.arrived_at = now
    appointment.updated_at = now
    appointment.save(update_fields=["arrived_at", "updated_at"])
    record([appointment], AppointmentEvent.Action.ARRIVED, actor, now, {})
    return appointment


@transaction.atomic(durable=True)
def undo_mark(
    *, appointment: Appointment, actor: Actor, now: datetime | None = None
) -> Appointment:
    """Undo the last mark set on an appointment by mistake.

    Completed or no-show goes back to confirmed (the visit too, when it
    had followed its appointments); else an arrival is taken back. The
    event records which mark was undone. Nothing is sent and no
    reminder planned again: a massage is marked completed or no-show
    only once it has started, when every reminder before it is due or
    gone, and those sent stay sent. Raises NothingToUndo for an
    appointment with no mark.
    """
    now = now or timezone.now()
    visit, appointments = lock_visit(appointment.visit)
    appointment = next(found for found in appointments if found.pk == appointment.pk)
    outcomes = {Appointment.Status.COMPLETED, Appointment.Status.NO_SHOW}
    if appointment.status in outcomes:
        undone = str(appointment.status)
        appointment.status = Appointment.Status.CONFIRMED
        fields = ["status", "updated_at"]
    elif appointment.status == Appointment.Status.CONFIRMED and appointment.arrived_at:
        undone = "arrived"
        appointment.arrived_at = None
        fields = ["arrived_at", "updated_at"]
    else:
        raise errors.NothingToUndo()
    appointment.updated_at = now
    appointment.save(update_fields=fields)
    if visit.status in {Visit.Status.COMPLETED, Visit.Status.NO_SHOW}:
        visit.status = Visit.Status.CONFIRMED
        visit.updated_at = now
        visit.save(update_fields=["status", "updated_at"])
    record([appointment], AppointmentEvent.Action.MARK_UNDONE, actor, now, {"undone": undone})
    return appointment
