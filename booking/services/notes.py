"""Treatment notes: what a therapist writes about a massage they gave, in the SOAP order.

A note is health data (DESIGN.md, invariant 8): read by staff with
`booking.view_health` and by the appointment's own therapist, exported
and erased with the client (`privacy`), and dropped with the health
answers once the retention period has passed.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.db import transaction
from django.utils import timezone

from booking import errors
from booking.models import Appointment, AppointmentEvent, TreatmentNote
from booking.services.actors import Actor
from booking.services.visits import _record as record

logger = logging.getLogger(__name__)


def may_write_note(*, appointment: Appointment, user: AbstractBaseUser | AnonymousUser) -> bool:
    """Whether `user` is the therapist who gives the appointment, who alone writes its note."""
    return bool(user.is_authenticated) and appointment.therapist.user_id == user.pk


def note_refusal(*, appointment: Appointment, now: datetime) -> errors.BookingError | None:
    """Why no note can be written for the appointment now, or None when one can.

    A note is about a massage given: from its start on (the therapist
    notes what the client says at the start), and never for one that was
    cancelled or missed.
    """
    if appointment.status in {Appointment.Status.CANCELLED, Appointment.Status.NO_SHOW}:
        return errors.NothingToNote()
    if appointment.start_at > now:
        return errors.NoteTooEarly()
    return None


@transaction.atomic(durable=True)
def write_treatment_note(
    *,
    appointment: Appointment,
    author: User,
    subjective: str,
    objective: str,
    assessment: str,
    plan: str,
    now: datetime | None = None,
) -> TreatmentNote:
    """Write or rewrite the treatment note of an appointment, as its therapist.

    The first writing keeps its author and time; a rewrite changes the
    text and `updated_at`. Each is an event in the appointment's history
    (who and when, and for a rewrite which parts changed, never the
    text, which is health data); a rewrite that changes nothing is none.
    Raises NotTheirAppointment for anyone but the
    therapist who gives the massage, NoteTooEarly before it starts and
    NothingToNote once it is cancelled or a no-show (the appointment is
    locked first, so a cancellation at the same moment is seen).
    """
    now = now or timezone.now()
    locked = (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("therapist")
        .get(pk=appointment.pk)
    )
    if not may_write_note(appointment=locked, user=author):
        raise errors.NotTheirAppointment()
    refusal = note_refusal(appointment=locked, now=now)
    if refusal is not None:
        raise refusal
    texts = {
        "subjective": subjective,
        "objective": objective,
        "assessment": assessment,
        "plan": plan,
    }
    note, made = TreatmentNote.objects.get_or_create(
        appointment=locked,
        defaults={**texts, "author": author, "created_at": now, "updated_at": now},
    )
    actor = Actor.for_user(author)
    if made:
        record([locked], AppointmentEvent.Action.NOTE_WRITTEN, actor, now, {})
    else:
        changed = [field for field, text in texts.items() if getattr(note, field) != text]
        if changed:
            for field in changed:
                setattr(note, field, texts[field])
            note.updated_at = now
            note.save(update_fields=[*changed, "updated_at"])
            # The names of the parts changed, not their words.
            record([locked], AppointmentEvent.Action.NOTE_CHANGED, actor, now, {"parts": changed})
    # The note's words are health data: the log names only the rows.
    logger.info("Treatment note of appointment %s written by user %s", locked.pk, author.pk)
    return note
