"""Every write to one appointment: book, cancel, reschedule, confirm, mark as done.

An appointment belongs to a visit (booking/services/visits.py), which is
booked, cancelled and moved as one: booking one massage is the simplest
visit, and cancelling or moving one appointment of a visit of several
acts on the whole visit. Marking how an appointment went is per
appointment; the visit follows once all of them are marked.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from booking import errors
from booking.models import Allocation, Appointment, AppointmentEvent, Therapist, Visit
from booking.outbox import VISIT_BOOKED, VISIT_COMPLETED, VISIT_NO_SHOW, outbox
from booking.services import idempotency, reminders
from booking.services.actors import Actor
from booking.services.clients import ClientDetails
from booking.services.visits import (
    WantedAppointment,
    book_visit,
    can_guest_change,
    cancel_visit,
    guest_change_deadline,
    lock_visit,
    reschedule_visit,
)
from booking.services.visits import _record as record
from catalog.models import Offering

__all__ = [
    "Actor",
    "book_appointment",
    "can_guest_change",
    "cancel_appointment",
    "confirm_held_appointment",
    "confirm_held_visit",
    "guest_change_deadline",
    "mark_appointment",
    "release_expired_holds",
    "reschedule_appointment",
]


def book_appointment(
    *,
    offering: Offering,
    start_at: datetime,
    client: ClientDetails,
    source: str,
    actor: Actor,
    therapist: Therapist | None = None,
    health: dict[str, Any] | None = None,
    notes: str = "",
    has_consent: bool = False,
    update_client_record: bool = False,
    booked_from: str = "",
    language: str = settings.LANGUAGE_CODE,
    now: datetime | None = None,
    idempotency_key: idempotency.Claim | None = None,
    hold_for_payment_until: datetime | None = None,
) -> Appointment:
    """Book `offering` at `start_at`, with `therapist` or any free one: a visit of one.

    The rules, the errors it raises and what it writes are those of
    `visits.book_visit` for one appointment: the time must be one the
    availability engine offers; with no therapist given, the first free
    qualified therapist (by id) is taken; health answers (a yes or a no)
    and notes are kept only with consent (ConsentRequired otherwise);
    NotBookable, NotQualified, RuledOut, TooSoon, BeyondHorizon, OffStep,
    OutsideHours and SlotUnavailable as there. A claimed `idempotency_key`
    is kept with the appointment, in its transaction; a
    `hold_for_payment_until` holds it for its payment.
    """
    visit = book_visit(
        appointments=[
            WantedAppointment(
                offering=offering, start_at=start_at, therapist=therapist, health=health or {}
            )
        ],
        client=client,
        source=source,
        actor=actor,
        notes=notes,
        has_consent=has_consent,
        update_client_record=update_client_record,
        booked_from=booked_from,
        language=language,
        now=now,
        idempotency_key=idempotency_key,
        hold_for_payment_until=hold_for_payment_until,
    )
    # The visit comes with the appointment it wrote (`book_visit`).
    [appointment] = visit.appointments.all()
    return appointment


@transaction.atomic(durable=True)
def confirm_held_appointment(
    *, appointment: Appointment, actor: Actor, now: datetime | None = None
) -> Appointment:
    """Confirm a held booking (see `confirm_held_visit`) in a transaction of its own."""
    return confirm_held_visit(appointment=appointment, actor=actor, now=now)


@transaction.atomic
def confirm_held_visit(
    *,
    appointment: Appointment,
    actor: Actor,
    now: datetime | None = None,
    for_payment: bool = False,
) -> Appointment:
    """Confirm a held booking before its hold expires; it then stays like any booking.

    The whole visit is confirmed (and, for a session of a course, every
    held session of it: the course was booked, and its one confirmation
    sent, as one). Its hold ends, an event records who confirmed each
    appointment, and the reminders before each visit are planned now: a
    held visit gets none, since its address is not proven. Whatever the
    hold waited for (the client opening the e-mailed link, or the
    payment) the caller has checked. A visit held for its payment is
    confirmed only by the payment (`for_payment`, AwaitingPayment
    otherwise), and gets its confirmation e-mail now. Confirming a
    confirmed appointment again changes nothing, so a link opened twice
    is fine. Raises HoldExpired once the hold has expired (the time is
    released, or will be within a minute by `release_expired_holds`) and
    NotActive for a cancelled appointment. This one joins the caller's
    transaction (the payments webhook confirms in its own, with the
    payment's rows); `confirm_held_appointment` is the durable one.
    """
    now = now or timezone.now()
    visit, appointments = lock_visit(appointment.visit)
    appointment = next(found for found in appointments if found.pk == appointment.pk)
    if appointment.status == Appointment.Status.CONFIRMED:
        return appointment
    expired = appointment.hold_expires_at is not None and appointment.hold_expires_at <= now
    if visit.is_awaiting_payment and not for_payment and not expired:
        raise errors.AwaitingPayment()
    if appointment.status == Appointment.Status.HELD and not expired:
        visits = [(visit, appointments)]
        if visit.course_id is not None:
            visits += [
                lock_visit(other)
                for other in Visit.objects.filter(
                    course_id=visit.course_id, status=Visit.Status.HELD
                )
                .exclude(pk=visit.pk)
                .order_by("start_at", "id")
            ]
        for number, (held_visit, held) in enumerate(visits):
            # A course paid for as one gets one confirmation, on the visit paid for.
            _confirm(held_visit, held, actor=actor, now=now, confirmation=number == 0)
        return next(found for found in appointments if found.pk == appointment.pk)
    if expired and appointment.status in (Appointment.Status.HELD, Appointment.Status.CANCELLED):
        raise errors.HoldExpired()
    raise errors.NotActive()


def _confirm(
    visit: Visit,
    appointments: list[Appointment],
    *,
    actor: Actor,
    now: datetime,
    confirmation: bool = True,
) -> None:
    held = [found for found in appointments if found.status == Appointment.Status.HELD]
    for appointment in held:
        appointment.status = Appointment.Status.CONFIRMED
        appointment.hold_expires_at = None
        appointment.updated_at = now
        appointment.save(update_fields=["status", "hold_expires_at", "updated_at"])
    visit.status = Visit.Status.CONFIRMED
    visit.hold_expires_at = None
    visit.updated_at = now
    visit.save(update_fields=["status", "hold_expires_at", "updated_at"])
    record(held, AppointmentEvent.Action.HOLD_CONFIRMED, actor, now, {})
    if held:
        # Booked, as integrations hear of it, now (booking.outbox).
        outbox().visit_event(visit=visit, type=VISIT_BOOKED, now=now)
        lead = min(appointments, key=lambda found: (found.start_at, str(found.id)))
        reminders.plan_after_confirmation(
            lead,
            now=now,
            confirmation=confirmation
            and visit.hold_reason in (Visit.HoldReason.PAYMENT, Visit.HoldReason.OFFER),
        )


# How many expired holds one transaction of the sweep releases, and who
# released them, in the history.
RELEASE_BATCH = 500
SWEEP_ACTOR = "studio (hold expired)"


def release_expired_holds(*, now: datetime | None = None, max_batches: int = 50) -> int:
    """Release every held visit whose hold has expired; returns how many appointments.

    Each of its appointments becomes cancelled, with a "hold expired"
    event, its resources are freed and its pending reminders cancelled,
    so its time is offered again. No e-mail goes out: the address was
    never proven, and a message to it would let anyone mail anyone.
    Until this sweep (beat runs it every minute) an expired hold still
    takes its time: the availability engine and the exclusion
    constraints count it like any held row, so its time is free again at
    most a minute late. Batches lock their rows with SKIP LOCKED: a hold
    being confirmed right now is left to that confirmation, which checks
    the expiry too.
    """
    now = now or timezone.now()
    released = 0
    for _ in range(max_batches):
        batch = _release_expired_batch(now=now)
        released += batch
        if batch < RELEASE_BATCH:
            break
    return released


@transaction.atomic(durable=True)
def _release_expired_batch(*, now: datetime) -> int:
    # The partial index on held rows' expiry serves this: its size
    # follows the holds open now, not the history.
    expired = Appointment.objects.filter(
        status=Appointment.Status.HELD, hold_expires_at__lte=now
    ).order_by("hold_expires_at", "id")
    # Visits first, then their appointments: the order every service
    # that changes a visit locks in (`visits.lock_visit`).
    visit_ids = list(
        Visit.objects.select_for_update(skip_locked=True)
        .filter(pk__in=expired.values("visit_id")[:RELEASE_BATCH], status=Visit.Status.HELD)
        .order_by("id")
        .values_list("id", flat=True)
    )
    held = Appointment.objects.filter(visit_id__in=visit_ids, status=Appointment.Status.HELD)
    locked = list(
        held.select_for_update(of=("self",), skip_locked=True)
        .order_by("id")
        .values_list("id", "visit_id", "hold_expires_at")
    )
    # A visit with a row locked elsewhere (being confirmed) is left whole.
    busy = set(held.exclude(pk__in=[row[0] for row in locked]).values_list("visit_id", flat=True))
    expired_rows = [row for row in locked if row[1] not in busy]
    ids = [appointment_id for appointment_id, _, _ in expired_rows]
    if not ids:
        return 0
    released_visits = {visit_id for _, visit_id, _ in expired_rows}
    Appointment.objects.filter(pk__in=ids).update(
        status=Appointment.Status.CANCELLED, updated_at=now
    )
    Visit.objects.filter(pk__in=released_visits).update(
        status=Visit.Status.CANCELLED, updated_at=now
    )
    Allocation.objects.filter(visit_id__in=released_visits).update(is_active=False)
    reminders.cancel_pending_of(ids)
    # The waitlist may offer the released times (a lapsed offer passes on).
    for appointment in Appointment.objects.filter(pk__in=ids).order_by("start_at", "id"):
        outbox().time_freed(
            appointment=appointment,
            start_at=appointment.start_at,
            therapist_id=appointment.therapist_id,
            now=now,
        )
    AppointmentEvent.objects.bulk_create(
        AppointmentEvent(
            appointment_id=appointment_id,
            action=AppointmentEvent.Action.HOLD_EXPIRED,
            actor=SWEEP_ACTOR,
            # Never empty: held rows have an expiry (a check constraint).
            details={"held_until": held_until.isoformat() if held_until else None},
            created_at=now,
        )
        for appointment_id, _, held_until in expired_rows
    )
    return len(ids)


def cancel_appointment(
    *, appointment: Appointment, actor: Actor, reason: str = "", now: datetime | None = None
) -> Appointment:
    """Cancel an appointment's visit (`visits.cancel_visit`): the whole visit, at once.

    Raises NotActive for an appointment that is neither confirmed nor
    held and CancellationClosed after the guests' cut-off.
    """
    cancel_visit(visit=appointment.visit, actor=actor, reason=reason, now=now)
    return _reloaded(appointment)


def reschedule_appointment(
    *, appointment: Appointment, start_at: datetime, actor: Actor, now: datetime | None = None
) -> Appointment:
    """Move an appointment to `start_at`, with the same therapist; its visit moves with it.

    Every appointment of the visit moves by the same time
    (`visits.reschedule_visit`). Raises NotActive, NotConfirmed,
    CancellationClosed, the start-time errors of `book_appointment`, and
    SlotUnavailable.
    """
    reschedule_visit(
        visit=appointment.visit, start_at=start_at, actor=actor, now=now, anchor=appointment
    )
    return _reloaded(appointment)


def _reloaded(appointment: Appointment) -> Appointment:
    return Appointment.objects.select_related("offering", "therapist", "visit").get(
        pk=appointment.pk
    )


@transaction.atomic(durable=True)
def mark_appointment(
    *, appointment: Appointment, status: str, actor: Actor, now: datetime | None = None
) -> Appointment:
    """Staff record how a past appointment went: completed or no-show.

    Only a confirmed appointment that has started can be marked. Once
    every appointment of its visit is marked, the visit is too:
    completed if anyone came, else no-show. Raises NotActive otherwise,
    and BookingError for any other status, or a no-show of a client
    marked arrived.
    """
    now = now or timezone.now()
    actions = {
        Appointment.Status.COMPLETED: AppointmentEvent.Action.COMPLETED,
        Appointment.Status.NO_SHOW: AppointmentEvent.Action.NO_SHOW,
    }
    if status not in actions:
        raise errors.BookingError(
            gettext("An appointment cannot be marked “%(status)s”.") % {"status": status}
        )
    visit, appointments = lock_visit(appointment.visit)
    appointment = next(found for found in appointments if found.pk == appointment.pk)
    if appointment.status != Appointment.Status.CONFIRMED:
        raise errors.NotActive()
    if appointment.start_at > now:
        raise errors.BookingError(gettext("An appointment can be marked only once it has started."))
    if status == Appointment.Status.NO_SHOW and appointment.arrived_at is not None:
        raise errors.BookingError(
            gettext("This client was marked arrived: undo that first to mark a no-show.")
        )
    appointment.status = status
    appointment.updated_at = now
    appointment.save(update_fields=["status", "updated_at"])
    record([appointment], actions[Appointment.Status(status)], actor, now, {})
    reminders.cancel_pending(appointment)
    outcomes = {found.status for found in appointments}
    if outcomes <= {Appointment.Status.COMPLETED, Appointment.Status.NO_SHOW}:
        visit.status = (
            Visit.Status.COMPLETED
            if Appointment.Status.COMPLETED in outcomes
            else Visit.Status.NO_SHOW
        )
        visit.updated_at = now
        visit.save(update_fields=["status", "updated_at"])
        outbox().visit_event(
            visit=visit,
            type=VISIT_COMPLETED if visit.status == Visit.Status.COMPLETED else VISIT_NO_SHOW,
            now=now,
        )
    return appointment
