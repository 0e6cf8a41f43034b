"""What the studio holds about a client: consent, export, erasure, retention.

Health answers and notes are special (DESIGN.md, invariant 8): kept only
with consent (`book_appointment` refuses them without it), seen only by
staff with the `booking.view_health` permission, exported and erased on
request, and dropped once STUDIO_HEALTH_RETENTION_DAYS have passed since
the visit.

A client's data is their record and every appointment linked to it or
booked with their e-mail: an appointment booked with the e-mail before a
record's e-mail changed, or after, carries the same person's contact
details.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, PermissionsMixin
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from booking import errors, selectors
from booking.models import (
    Appointment,
    AppointmentEvent,
    Client,
    TreatmentNote,
    Visit,
    new_manage_token,
)
from booking.outbox import outbox
from booking.services import idempotency
from booking.services.actors import Actor

logger = logging.getLogger(__name__)

ERASED_NAME = "Erased client"
# Event details that are facts of the booking, not words a person typed;
# everything else (a cancellation's reason, say) goes on erasure.
_FACT_DETAILS = {"source", "from", "to"}
# Appointments the retention sweep clears per statement.
_PURGE_BATCH = 500


def erased_email(client_id: int) -> str:
    """The placeholder e-mail an erased client's record and bookings get: unique, never delivered."""
    return f"erased-{client_id}@erased.invalid"


def can_see_health(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Whether a staff user or integration may read health answers and notes."""
    # Anonymous visitors hold no permissions at all.
    return isinstance(user, PermissionsMixin) and user.has_perm("booking.view_health")


def _client_emails(client: Client, appointments: list[Appointment]) -> set[str]:
    """The e-mails under which anonymous callers' keys for this client are kept."""
    return {client.email, *(appointment.contact_email for appointment in appointments)} - {""}


def export_client(*, client: Client) -> dict[str, Any]:
    """Everything the studio holds about `client`, as JSON-ready data.

    The record, and for each of their appointments (as
    `selectors.client_appointments` finds them) its facts, the contact
    details it was booked with, health answers,
    notes, treatment note, consent, history, reminders and the stored answers to the
    requests that made it. Manage tokens are left out: they are keys to
    change a booking, not data about the person.
    """
    appointments = list(
        selectors.client_appointments(client=client)
        .select_related("offering", "therapist", "consent_recorded_by", "treatment_note__author")
        .prefetch_related("events")
        .order_by("start_at", "id")
    )
    messages = outbox().exported(appointment_ids=[appointment.pk for appointment in appointments])
    idempotency_keys = idempotency.client_keys(
        emails=_client_emails(client, appointments),
        appointment_ids=[appointment.pk for appointment in appointments],
    )
    return {
        "exported_at": _iso(timezone.now()),
        "client": {
            "id": client.pk,
            "name": client.name,
            "email": client.email,
            "phone": client.phone,
            "language": client.language,
            "email_verified_at": _iso(client.email_verified_at),
            "created_at": _iso(client.created_at),
        },
        "appointments": [
            _export_appointment(appointment, messages[appointment.pk])
            for appointment in appointments
        ],
        "idempotency_keys": [
            {
                "key": row.key,
                "owner": row.owner,
                "state": row.state,
                "created_at": _iso(row.created_at),
                "response_status": row.response_status,
                "appointment": str(row.appointment_id) if row.appointment_id else None,
            }
            for row in idempotency_keys.order_by("created_at", "id")
        ],
    }


def _export_appointment(appointment: Appointment, messages: list[dict[str, Any]]) -> dict[str, Any]:
    recorded_by = appointment.consent_recorded_by
    return {
        "id": str(appointment.pk),
        "client_id": appointment.client_id,
        "is_client_verified": appointment.is_client_verified,
        "contact": {
            "name": appointment.contact_name,
            "email": appointment.contact_email,
            "phone": appointment.contact_phone,
        },
        "offering": appointment.offering.name,
        "therapist": appointment.therapist.name,
        "start_at": _iso(appointment.start_at),
        "end_at": _iso(appointment.end_at),
        "status": appointment.status,
        "source": appointment.source,
        "language": appointment.language,
        "price": str(appointment.price),
        "currency": appointment.currency,
        "health": appointment.health,
        "notes": appointment.notes,
        "treatment_note": _export_treatment_note(appointment),
        "consented_at": _iso(appointment.consented_at),
        "consent_recorded_by": recorded_by.get_username() if recorded_by else None,
        # The keyed hash of the address it was booked from, while it is
        # to come: pseudonymous, but still about the person, so shown.
        "booked_from_hash": appointment.booked_from,
        "created_at": _iso(appointment.created_at),
        "updated_at": _iso(appointment.updated_at),
        "events": [
            {
                "action": event.action,
                "actor": event.actor,
                "created_at": _iso(event.created_at),
                "details": event.details,
            }
            for event in sorted(appointment.events.all(), key=lambda event: event.created_at)
        ],
        "reminders": messages,
    }


def _export_treatment_note(appointment: Appointment) -> dict[str, Any] | None:
    try:
        note = appointment.treatment_note
    except TreatmentNote.DoesNotExist:
        return None
    return {
        "subjective": note.subjective,
        "objective": note.objective,
        "assessment": note.assessment,
        "plan": note.plan,
        "author": note.author.get_username() if note.author else None,
        "created_at": _iso(note.created_at),
        "updated_at": _iso(note.updated_at),
    }


@dataclass(frozen=True)
class Erasure:
    """What an erasure changed, in counts: nothing about the person."""

    client_id: int
    appointments: int
    reminders_cancelled: int
    idempotency_keys: int


@transaction.atomic(durable=True)
def erase_client(*, client: Client, by: Actor, now: datetime | None = None) -> Erasure:
    """Anonymise `client` and their appointments, keeping what the books need.

    The record gets a placeholder name and e-mail and no phone. Each of
    their appointments (as `selectors.client_appointments` finds them)
    gets the same contact placeholders, loses its health answers, notes, treatment note, the hash of the
    address it was booked from and the words typed into
    its history (a cancellation's reason), and gets a new manage token, so
    links already sent stop working; its pending reminders are cancelled,
    reminder errors (which may quote an address) cleared, and the stored
    answers to the requests that booked it deleted. The outbox's
    `forget` gives their waitlist entries and the webhook events kept
    about their visits and entries the same placeholders. The facts the studio's
    books need stay: offering, therapist, times, status, price, source,
    consent time. Each appointment records an "erased" event. Raises
    StillBooked while any of them is still to come: cancel those first.
    """
    now = now or timezone.now()
    client = Client.objects.select_for_update().get(pk=client.pk)
    # Locked in id order, as the booking services lock, so a concurrent
    # cancel or move waits for the erasure instead of undoing part of it.
    appointments = list(
        selectors.client_appointments(client=client)
        .select_for_update(of=("self",))
        .order_by("id")
        .only("id", "contact_email")
    )
    ids = [appointment.pk for appointment in appointments]
    # Before the placeholders replace them: the keys are found by these.
    emails = _client_emails(client, appointments)
    if Appointment.objects.filter(
        pk__in=ids, status__in=Appointment.ACTIVE_STATUSES, end_at__gt=now
    ).exists():
        raise errors.StillBooked()

    placeholder = erased_email(client.pk)
    client.name, client.email, client.phone = ERASED_NAME, placeholder, ""
    client.email_verified_at = None
    client.save(update_fields=["name", "email", "phone", "email_verified_at"])
    # The admin's history names the record as it was shown: "Name <e-mail>".
    LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Client), object_id=str(client.pk)
    ).update(object_repr=str(client))

    for visit_id in sorted({appointment.visit_id for appointment in appointments}):
        # One UPDATE each: every visit gets a token of its own, which its
        # appointments copy, as at booking.
        token = new_manage_token()
        Visit.objects.filter(pk=visit_id).update(
            contact_name=ERASED_NAME,
            contact_email=placeholder,
            contact_phone="",
            notes="",
            booked_from="",
            manage_token=token,
            updated_at=now,
        )
        Appointment.objects.filter(visit_id=visit_id, pk__in=ids).update(
            contact_name=ERASED_NAME,
            contact_email=placeholder,
            contact_phone="",
            guest_name="",
            health={},
            notes="",
            booked_from="",
            manage_token=token,
            updated_at=now,
        )
    # A treatment note is all health data: nothing of it is kept.
    TreatmentNote.objects.filter(appointment_id__in=ids).delete()
    for event in AppointmentEvent.objects.filter(appointment_id__in=ids):
        kept = {key: value for key, value in event.details.items() if key in _FACT_DETAILS}
        if kept != event.details:
            event.details = kept
            event.save(update_fields=["details"])
    reminders_cancelled = outbox().cancel_pending(appointment_ids=ids)
    outbox().forget(appointment_ids=ids, client_id=client.pk, emails=sorted(emails))
    idempotency_keys = idempotency.forget_client_keys(emails=emails, appointment_ids=ids)
    AppointmentEvent.objects.bulk_create(
        AppointmentEvent(
            appointment_id=appointment_id,
            action=AppointmentEvent.Action.ERASED,
            actor=by.label,
            user_id=by.user_id,
            created_at=now,
        )
        for appointment_id in ids
    )
    logger.info("Erased the personal data of client %s and %d appointment(s).", client.pk, len(ids))
    return Erasure(
        client_id=client.pk,
        appointments=len(ids),
        reminders_cancelled=reminders_cancelled,
        idempotency_keys=idempotency_keys,
    )


def purge_old_health_answers(*, now: datetime | None = None) -> int:
    """Drop the health answers, notes and treatment notes of visits older than the retention period.

    An appointment that ended more than STUDIO_HEALTH_RETENTION_DAYS ago
    keeps its facts but loses its health answers and notes, and its
    treatment note is deleted. Run daily by beat; returns how many
    appointments it cleared of answers or notes (treatment notes apart).
    """
    cutoff = (now or timezone.now()) - timedelta(days=settings.STUDIO_HEALTH_RETENTION_DAYS)
    still_held = Appointment.objects.filter(
        ~Q(health={}) | ~Q(notes=""), start_at__lt=cutoff, end_at__lt=cutoff
    )
    cleared = 0
    while True:
        # Oldest first, a batch at a time: the order and the limit lead
        # PostgreSQL to the partial index `booking_appt_health_kept`,
        # which holds only rows not yet cleared, instead of a scan of the
        # years already cleared; and a first run on a long history holds
        # no row lock for long.
        batch = list(still_held.order_by("start_at").values_list("pk", flat=True)[:_PURGE_BATCH])
        if batch:
            cleared += Appointment.objects.filter(pk__in=batch).update(health={}, notes="")
            Visit.objects.filter(appointments__in=batch).exclude(notes="").update(notes="")
        if len(batch) < _PURGE_BATCH:
            break
    if cleared:
        logger.info("Dropped the health answers and notes of %d past appointment(s).", cleared)
    _purge_old_treatment_notes(cutoff)
    return cleared


def _purge_old_treatment_notes(cutoff: datetime) -> None:
    """Delete the treatment notes of appointments that ended before `cutoff`.

    The table holds only the notes still within the retention period (the
    sweep deletes the rest each day), so this reads no more than those,
    not the years of history.
    """
    old = TreatmentNote.objects.filter(
        appointment__start_at__lt=cutoff, appointment__end_at__lt=cutoff
    )
    deleted = 0
    while True:
        batch = list(old.values_list("pk", flat=True)[:_PURGE_BATCH])
        if batch:
            deleted += TreatmentNote.objects.filter(pk__in=batch).delete()[0]
        if len(batch) < _PURGE_BATCH:
            break
    if deleted:
        logger.info("Deleted %d treatment note(s) past the retention period.", deleted)


def forget_booking_addresses(*, now: datetime | None = None) -> int:
    """Clear `booked_from` on the appointments that are no longer to come.

    The hash of the address a booking came from only counts the future
    bookings one address holds (`limits.limit_booking`); once an
    appointment has started, or is cancelled, it counts no more, so it
    is not kept. Run hourly by beat; returns how many it cleared.
    """
    now = now or timezone.now()
    done = Appointment.objects.exclude(booked_from="").filter(
        Q(start_at__lte=now) | ~Q(status__in=Appointment.ACTIVE_STATUSES)
    )
    cleared = 0
    while True:
        # A batch at a time, read through the partial index
        # `booking_appt_booked_from`, which holds only rows that keep an
        # address (the bookings to come, and those this sweep has not
        # reached yet), so its cost never follows the studio's history.
        batch = list(done.values_list("pk", flat=True)[:_PURGE_BATCH])
        if batch:
            cleared += Appointment.objects.filter(pk__in=batch).update(booked_from="")
            Visit.objects.filter(appointments__in=batch).exclude(booked_from="").update(
                booked_from=""
            )
        if len(batch) < _PURGE_BATCH:
            break
    if cleared:
        logger.info("Forgot the booking address of %d appointment(s).", cleared)
    return cleared


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None
