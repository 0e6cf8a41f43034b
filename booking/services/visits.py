"""Every write to visits: book, cancel and move a visit, book and cancel a course.

A visit is what a client books in one go: one massage, a couples
massage, or several one after the other. Each public service is one
transaction that locks, then checks, then writes. It locks only the
therapists the visit may take (in id order, so two bookings never wait
on each other in a circle; bookings of other therapists never wait on
them), as the visit engine reads them to place the visit with its own
rules (`booking.visits.place_visit`), and writes the visit, its
appointments, their allocations, audit events and the reminders
together: all or nothing. Rooms and equipment are not locked: the
exclusion constraint on allocations decides between two bookings that
chose the same free resource, and the one refused takes the next free
one the engine saw (SlotUnavailable when none is left). On PostgreSQL
the exclusion constraints are the final guard; whatever they refuse
becomes `SlotUnavailable`, as does a deadlock between two racing
bookings. On SQLite the transaction is immediate, so check-then-write
is serialised anyway.

A visit's reminders hang on its lead appointment (the first by start,
then id). The one-massage services of `appointments` are this module's
simplest case.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import wraps
from itertools import pairwise
from typing import Any, ParamSpec, TypeVar
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import get_language, gettext, ngettext

from booking import errors, signals
from booking.availability import resources_taken
from booking.models import (
    Allocation,
    Appointment,
    AppointmentEvent,
    Client,
    Course,
    Therapist,
    Visit,
    new_manage_token,
)
from booking.outbox import VISIT_BOOKED, VISIT_CANCELLED, VISIT_MOVED, outbox
from booking.services import clients, idempotency, reminders
from booking.services.actors import Actor
from booking.services.clients import ClientDetails
from booking.services.writes import Writes
from booking.visits import Part, VisitPlan, check_parts, place_visit
from catalog.models import Contraindication, Offering
from studio.identity import studio_identity

P = ParamSpec("P")
R = TypeVar("R")

# PostgreSQL's codes for a refused overlap and for the losers of a race.
_CONFLICT_SQLSTATES = {"23P01", "40P01", "40001"}


@dataclass(frozen=True)
class WantedAppointment:
    """One massage asked for in a visit: for whom, what, when, with whom."""

    offering: Offering
    start_at: datetime
    # None: any qualified free therapist.
    therapist: Therapist | None = None
    # The person who receives it, when not the client.
    guest_name: str = ""
    # This person's answers to the massage's health questions.
    health: dict[str, Any] = field(default_factory=dict)


def conflicts_become_unavailable(service: Callable[P, R]) -> Callable[P, R]:
    """Turn what the database refuses in a race into `SlotUnavailable`."""

    @wraps(service)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return service(*args, **kwargs)
        except (IntegrityError, OperationalError) as exc:
            if getattr(exc.__cause__, "sqlstate", None) in _CONFLICT_SQLSTATES:
                raise errors.SlotUnavailable() from exc
            raise

    return wrapper


def visit_is_together(appointments: Sequence[WantedAppointment]) -> bool:
    """Whether the appointments start together (True) or one after the other (False).

    Raises InvalidVisit when they do neither: together means the same
    start for all; one after the other, each starts where the one before
    ends.
    """
    if not appointments:
        raise errors.InvalidVisit(gettext("A visit needs at least one massage."))
    starts = [wanted.start_at for wanted in appointments]
    if len(appointments) > 1 and all(start == starts[0] for start in starts):
        return True
    for before, after in pairwise(appointments):
        if after.start_at != before.start_at + timedelta(minutes=before.offering.duration_minutes):
            raise errors.InvalidVisit()
    return False


@conflicts_become_unavailable
@transaction.atomic(durable=True)
def book_visit(
    *,
    appointments: Sequence[WantedAppointment],
    client: ClientDetails,
    source: str,
    actor: Actor,
    notes: str = "",
    has_consent: bool = False,
    update_client_record: bool = False,
    booked_from: str = "",
    language: str = settings.LANGUAGE_CODE,
    now: datetime | None = None,
    idempotency_key: idempotency.Claim | None = None,
    hold_for_payment_until: datetime | None = None,
    hold_for_offer_until: datetime | None = None,
) -> Visit:
    """Book a visit of one or more appointments, all of them or none.

    The appointments start together (a couples massage: different
    therapists, one room that fits them all) or each where the one before
    ends ("foot, then back"); anything else is InvalidVisit. The first
    start must be one the visit engine offers (`booking.visits`). With no
    therapist given, the engine chooses. Health answers are per person
    (each appointment's offering rules on its own answers); they and the
    notes are kept only with the client's consent. The visit and every
    appointment keep the client's details as given, for their messages;
    they link to the client record with that e-mail, verified only when
    staff book, and never change it unless staff ask to
    (`update_client_record`). A booking without login is held until its
    e-mailed link is opened (STUDIO_WEB_BOOKING_HOLD_MINUTES), the whole
    visit together. Reminders go on the lead appointment. A caller that
    asks for a payment online first (the payments app, which booking
    does not know) gives `hold_for_payment_until`: the visit is then held
    for the payment until then instead (`Visit.HoldReason.PAYMENT`), its
    confirmation e-mail waits for the payment, and only the payment
    confirms it (`confirm_held_visit(for_payment=True)`). The waitlist
    (notifications, which booking does not know) holds a freed time it
    offers with `hold_for_offer_until` (`Visit.HoldReason.OFFER`): no
    confirmation e-mail (the offer is the message) until it is taken.

    Raises ConsentRequired, InvalidVisit, NotBookable, NotQualified,
    RuledOut, TooSoon, BeyondHorizon, OffStep, OutsideHours, and
    SlotUnavailable when a time is taken, also by a concurrent booking.
    `booked_from` is the keyed hash `limits.limit_booking` gives a
    booking it counts. `language` is the client's (one of
    settings.LANGUAGES); any other is a ValueError. A claimed
    `idempotency_key` is kept with the visit, in its transaction
    (`idempotency.keep`, which raises KeyInProgress for a claim taken
    over meanwhile).
    """
    now = now or timezone.now()
    together = _check_request(appointments, notes=notes, has_consent=has_consent, language=language)
    request = _VisitRequest.make(
        client=client,
        source=source,
        actor=actor,
        notes=notes,
        has_consent=has_consent,
        update_client_record=update_client_record,
        booked_from=booked_from,
        language=language,
        now=now,
    )
    if hold_for_payment_until is not None:
        request = replace(
            request, hold_expires_at=hold_for_payment_until, hold_reason=Visit.HoldReason.PAYMENT
        )
    elif hold_for_offer_until is not None:
        request = replace(
            request, hold_expires_at=hold_for_offer_until, hold_reason=Visit.HoldReason.OFFER
        )
    return _write_visit(request, appointments, together=together, idempotency_key=idempotency_key)


def _check_request(
    appointments: Sequence[WantedAppointment], *, notes: str, has_consent: bool, language: str
) -> bool:
    """The checks that need no lock; returns whether the appointments go together."""
    if language not in dict(settings.LANGUAGES):
        raise ValueError(f"language {language!r} is not one of settings.LANGUAGES")
    together = visit_is_together(appointments)
    holds_health = any(_holds_health_data(wanted.health, "") for wanted in appointments)
    if (holds_health or _holds_health_data({}, notes)) and not has_consent:
        raise errors.ConsentRequired()
    # Whether a therapist asked for gives the massage the engine checks
    # (NotQualified), as it reads and locks them.
    check_parts(_parts(appointments), together=together)
    for index, wanted in enumerate(appointments):
        # One appointment answers as "health"; a visit of several per appointment.
        prefix = "health" if len(appointments) == 1 else f"appointments.{index}.health"
        _check_health(wanted.offering, wanted.health, prefix=prefix)
    return together


def _parts(appointments: Sequence[WantedAppointment]) -> list[Part]:
    return [
        Part(
            offering=wanted.offering,
            therapist_id=wanted.therapist.id if wanted.therapist else None,
            guest_name=wanted.guest_name,
        )
        for wanted in appointments
    ]


@dataclass(frozen=True)
class _VisitRequest:
    """What every visit of one booking (a visit, or a course's sessions) shares."""

    client: ClientDetails
    client_record: Client
    source: str
    actor: Actor
    notes: str
    has_consent: bool
    booked_from: str
    language: str
    hold_expires_at: datetime | None
    now: datetime
    hold_reason: str = ""
    course: Course | None = None
    manage_token: str | None = None

    @classmethod
    def make(
        cls,
        *,
        client: ClientDetails,
        source: str,
        actor: Actor,
        notes: str,
        has_consent: bool,
        update_client_record: bool,
        booked_from: str,
        language: str,
        now: datetime,
    ) -> _VisitRequest:
        """The client record the booking links to (see `clients.client_for_booking`), and the hold."""
        client_record = clients.client_for_booking(
            details=client,
            actor=actor,
            now=now,
            update_record=update_client_record,
            language=language,
        )
        hold_expires_at = _hold_until(actor, now)
        return cls(
            client=client,
            client_record=client_record,
            source=source,
            actor=actor,
            notes=notes,
            has_consent=has_consent,
            booked_from=booked_from,
            language=language,
            hold_expires_at=hold_expires_at,
            hold_reason=Visit.HoldReason.EMAIL if hold_expires_at is not None else "",
            now=now,
        )


def _write_visit(
    request: _VisitRequest,
    appointments: Sequence[WantedAppointment],
    *,
    together: bool,
    confirmation: bool = True,
    idempotency_key: idempotency.Claim | None = None,
) -> Visit:
    """Place the visit and write it, its appointments, allocations, events and reminders.

    The engine locks the therapists it may give the visit to as it reads
    them. The rows go to the database together (`Writes`), with the
    claimed `idempotency_key` kept with the visit. The visit comes back
    with its appointments (`visit.appointments.all()` reads no more).
    """
    now = request.now
    plan = place_visit(
        parts=_parts(appointments),
        together=together,
        start_at=appointments[0].start_at,
        now=now,
        lock=True,
        staff=waives_notice(actor=request.actor, source=request.source),
    )
    status = Visit.Status.CONFIRMED if request.hold_expires_at is None else Visit.Status.HELD
    consented_at = now if request.has_consent else None
    consent_recorded_by_id = request.actor.user_id if request.has_consent else None
    visit = Visit(
        client=request.client_record,
        is_client_verified=request.actor.is_staff,
        contact_name=request.client.name,
        contact_email=request.client.email,
        contact_phone=request.client.phone,
        status=status,
        hold_expires_at=request.hold_expires_at,
        hold_reason=request.hold_reason,
        source=request.source,
        language=request.language,
        notes=request.notes,
        consented_at=consented_at,
        consent_recorded_by_id=consent_recorded_by_id,
        booked_from=request.booked_from,
        course=request.course,
        start_at=plan.start_at,
        end_at=plan.end_at,
        created_at=now,
        updated_at=now,
    )
    if request.manage_token is not None:
        visit.manage_token = request.manage_token
    rows = [
        Appointment(
            visit=visit,
            manage_token=visit.manage_token,
            client=request.client_record,
            is_client_verified=request.actor.is_staff,
            contact_name=request.client.name,
            contact_email=request.client.email,
            contact_phone=request.client.phone,
            guest_name=placed.guest_name,
            offering=wanted.offering,
            therapist_id=placed.therapist_id,
            start_at=placed.start_at,
            end_at=placed.end_at,
            blocked_until=placed.blocked_until,
            status=status,
            hold_expires_at=request.hold_expires_at,
            source=request.source,
            language=request.language,
            price=wanted.offering.price,
            currency=wanted.offering.currency,
            health=wanted.health,
            notes=request.notes,
            consented_at=consented_at,
            consent_recorded_by_id=consent_recorded_by_id,
            booked_from=request.booked_from,
            created_at=now,
            updated_at=now,
        )
        for placed, wanted in zip(plan.appointments, appointments, strict=True)
    ]
    lead = _lead(rows)
    writes = Writes()
    writes.insert([visit])
    # The therapist exclusion constraint checks each row as it goes in.
    writes.insert(rows)
    take_the_rest = _queue_allocations(writes, visit, rows, plan)
    details = {"source": request.source}
    if request.hold_expires_at is not None:
        details["held_until"] = request.hold_expires_at.isoformat()
    writes.insert(_events(rows, AppointmentEvent.Action.BOOKED, request.actor, now, details))
    # A visit held for its payment is confirmed by the payment, not by
    # the e-mail: its confirmation goes out once paid (`_confirm`).
    is_for_payment = request.hold_reason in (Visit.HoldReason.PAYMENT, Visit.HoldReason.OFFER)
    planned = reminders.planned_after_booking(
        lead, now=now, confirmation=confirmation and not is_for_payment
    )
    writes.insert(planned)
    if idempotency_key is not None:
        idempotency.keep(idempotency_key, visit=visit, lead=lead, writes=writes)
    writes.send()
    take_the_rest()
    reminders.created(planned, now=now)
    _remember_appointments(visit, rows)
    if visit.status != Visit.Status.HELD:
        # A held one is "booked" for integrations when confirmed (`_confirm`).
        outbox().visit_event(visit=visit, type=VISIT_BOOKED, now=now)
    return visit


def _remember_appointments(visit: Visit, rows: list[Appointment]) -> None:
    """`visit.appointments.all()` gives the rows just written, as a prefetch would: no query."""
    written = visit.appointments.all()
    written._result_cache = list(rows)
    written._prefetch_done = True  # type: ignore[attr-defined]
    visit._prefetched_objects_cache = {"appointments": written}  # type: ignore[attr-defined]


def _allocate(visit: Visit, appointments: list[Appointment], plan: VisitPlan) -> None:
    """Write the resources the visit takes (see `_queue_allocations`) at once."""
    writes = Writes()
    take_the_rest = _queue_allocations(writes, visit, appointments, plan)
    writes.send()
    take_the_rest()


def _queue_allocations(
    writes: Writes, visit: Visit, appointments: list[Appointment], plan: VisitPlan
) -> Callable[[], None]:
    """Queue the resources each appointment takes alone, and those the visit holds once.

    Each takes the engine's first choice. On PostgreSQL one a concurrent
    booking has taken meanwhile (the exclusion constraint leaves it out)
    gives way to the next free one the engine saw: the function returned
    writes those once `writes` is sent, and raises SlotUnavailable when
    none is left.
    """
    wanted: list[tuple[Allocation, tuple[int, ...]]] = [
        (
            Allocation(
                visit=visit,
                appointment=appointment,
                resource_id=resource_id,
                start_at=placed.start_at,
                blocked_until=placed.resources_until or placed.blocked_until,
            ),
            choices,
        )
        for appointment, placed in zip(appointments, plan.appointments, strict=True)
        for resource_id, choices in zip(
            placed.resource_ids,
            placed.resource_choices or tuple((taken,) for taken in placed.resource_ids),
            strict=True,
        )
    ]
    wanted += [
        (
            Allocation(
                visit=visit,
                appointment=None,
                resource_id=shared.resource_id,
                start_at=shared.start_at,
                blocked_until=shared.blocked_until,
            ),
            shared.choices or (shared.resource_id,),
        )
        for shared in plan.shared
    ]
    if connection.vendor != "postgresql":
        # The immediate transaction serialises bookings: the choice stands.
        writes.insert([allocation for allocation, _ in wanted])
        return lambda: None
    went_in: set[tuple[int, datetime]] = set()
    if wanted:
        writes.raw(
            *_insert_if_free_sql([allocation for allocation, _ in wanted]),
            then=lambda returned, _count: went_in.update((row[0], row[1]) for row in returned),
        )

    def take_the_rest() -> None:
        for allocation, choices in wanted:
            first_went_in = (allocation.resource_id, allocation.start_at) in went_in
            if not first_went_in and not _insert_next_free(allocation, choices[1:]):
                raise resources_taken()

    return take_the_rest


def _insert_next_free(allocation: Allocation, choices: Sequence[int]) -> bool:
    """Take the first of `choices` still free for the allocation; whether one was."""
    for resource_id in choices:
        allocation.resource_id = resource_id
        if _insert_if_free([allocation])[0]:
            return True
    return False


# ON CONFLICT DO NOTHING: a row the exclusion constraint refuses is left
# out (after waiting, like any insert, for a concurrent booking of that
# resource to commit or roll back) where a plain INSERT would abort the
# transaction; it costs no savepoint. Only that constraint can conflict.
_INSERT_IF_FREE = """
    INSERT INTO booking_allocation
        (visit_id, appointment_id, resource_id, start_at, blocked_until, is_active)
    VALUES {rows}
    ON CONFLICT DO NOTHING
    RETURNING resource_id, start_at
"""


def _insert_if_free(allocations: list[Allocation]) -> list[bool]:
    """Insert the allocations whose resource is still free, in one statement; which went in."""
    with connection.cursor() as cursor:
        cursor.execute(*_insert_if_free_sql(allocations))
        inserted = set(cursor.fetchall())
    return [(allocation.resource_id, allocation.start_at) in inserted for allocation in allocations]


def _insert_if_free_sql(allocations: list[Allocation]) -> tuple[str, list[Any]]:
    """The INSERT of `_insert_if_free`, and its parameters."""
    params: list[Any] = []
    for allocation in allocations:
        params += [
            allocation.visit_id,
            allocation.appointment_id,
            allocation.resource_id,
            allocation.start_at,
            allocation.blocked_until,
        ]
    rows = ", ".join(["(%s, %s, %s, %s, %s, true)"] * len(allocations))
    return _INSERT_IF_FREE.format(rows=rows), params


def _lead(appointments: Sequence[Appointment]) -> Appointment:
    """The visit's first appointment (by start, then id): its reminders hang on it."""
    return min(appointments, key=lambda appointment: (appointment.start_at, str(appointment.id)))


# Where staff book in person with the client in front of them or on
# the phone: the front desk and the admin's phone form.
_AT_THE_STUDIO = frozenset({Appointment.Source.DESK, Appointment.Source.ADMIN})


def waives_notice(*, actor: Actor, source: str) -> bool:
    """Whether a booking needs no minimum notice: staff booking at the studio.

    A walk-in books the next start on the studio's grid. The API keeps
    the notice for everyone, integrations too, so its listing (which
    applies the notice) offers exactly what it books; the desk's slot
    finder lists with this same answer (DESIGN.md, invariant 2). The
    past and the horizon still apply.
    """
    return actor.is_staff and source in _AT_THE_STUDIO


def _hold_until(actor: Actor, now: datetime) -> datetime | None:
    """Until when a booking is only held, or None to confirm it at once.

    With STUDIO_WEB_BOOKING_HOLD_MINUTES set, a booking made without a
    login (the website, the API without a token) is held until the
    client opens the link in the confirmation e-mail, so a made-up
    address cannot keep a time: nobody opens its link. Staff and
    integrations log in, and their bookings are confirmed at once.
    """
    minutes: int = settings.STUDIO_WEB_BOOKING_HOLD_MINUTES
    if minutes <= 0 or actor.user_id is not None:
        return None
    return now + timedelta(minutes=minutes)


@transaction.atomic(durable=True)
def cancel_visit(
    *,
    visit: Visit,
    actor: Actor,
    reason: str = "",
    now: datetime | None = None,
    notify: bool = True,
    by_studio: bool = False,
) -> Visit:
    """Cancel an active visit: every appointment of it, every resource it holds.

    Guests may cancel until STUDIO_GUEST_CANCEL_HOURS before the visit
    starts; staff and integrations always may. A held visit may be
    cancelled too, without a notice to its unproven address. Staff may
    leave the client's notice out (`notify=False`: the client cancelled
    at the desk, or was told on the phone); a guest always gets it.
    Staff may cancel on the studio's behalf (`by_studio`: the therapist
    is ill, the room flooded): the history says so, and no
    late-cancellation fee follows (payments reads it). After the commit,
    `signals.visit_cancelled` tells the apps that settle money.
    Raises NotActive for a visit that is neither confirmed nor held and
    CancellationClosed after the guests' cut-off.
    """
    now = now or timezone.now()
    visit, appointments = lock_visit(visit)
    check_changeable(visit, actor, now)
    notify = notify or not actor.is_staff
    _cancel(
        visit,
        appointments,
        actor=actor,
        reason=reason,
        now=now,
        notify=notify,
        by_studio=by_studio and actor.is_staff,
    )
    return visit


def _cancel(
    visit: Visit,
    appointments: list[Appointment],
    *,
    actor: Actor,
    reason: str,
    now: datetime,
    notify: bool,
    by_studio: bool = False,
) -> None:
    """Cancel a locked visit; `notify` sends the notice (unless it was only held)."""
    was_held = visit.status == Visit.Status.HELD
    active = [appointment for appointment in appointments if appointment.is_active]
    visit.status = Visit.Status.CANCELLED
    visit.updated_at = now
    visit.save(update_fields=["status", "updated_at"])
    for appointment in active:
        appointment.status = Appointment.Status.CANCELLED
        appointment.updated_at = now
        # The rows are locked, so a plain increment cannot lose a concurrent one.
        appointment.sequence += 1
    Appointment.objects.filter(pk__in=[a.pk for a in active]).update(
        status=Appointment.Status.CANCELLED, updated_at=now, sequence=F("sequence") + 1
    )
    Allocation.objects.filter(visit=visit).update(is_active=False)
    details: dict[str, Any] = {"reason": reason}
    if by_studio:
        details["by_studio"] = True
    _record(active, AppointmentEvent.Action.CANCELLED, actor, now, details)
    for appointment in active:
        outbox().time_freed(
            appointment=appointment,
            start_at=appointment.start_at,
            therapist_id=appointment.therapist_id,
            now=now,
        )
    if not was_held:
        outbox().visit_event(visit=visit, type=VISIT_CANCELLED, now=now)
    reminders.cancel_pending_of([appointment.id for appointment in appointments])
    if notify and not was_held and appointments:
        # Nothing to the address of a hold: it was never proven.
        reminders.plan_after_cancellation(_lead(appointments), now=now)
    if not was_held:
        # Nothing was paid or owed for a hold nobody confirmed.
        visit_id = visit.pk
        transaction.on_commit(lambda: signals.visit_cancelled.send(sender=Visit, visit_id=visit_id))


@conflicts_become_unavailable
@transaction.atomic(durable=True)
def reschedule_visit(
    *,
    visit: Visit,
    start_at: datetime,
    actor: Actor,
    now: datetime | None = None,
    anchor: Appointment | None = None,
) -> Visit:
    """Move an active visit to start at `start_at`, every appointment by the same time.

    The same therapists, the same shape (together, or one after the
    other); its resources are chosen again. The new time must be one the
    visit engine offers, not counting the visit's own old time. The
    guests' cut-off of `cancel_visit` applies. A held visit is moved
    only once confirmed: a move sends a notice, which must not go to an
    unproven address. Raises NotActive, NotConfirmed, CancellationClosed,
    NotQualified when a therapist no longer gives their massage, the
    start-time errors of `book_visit`, and SlotUnavailable. With an
    `anchor` (one of the visit's appointments), `start_at` is that
    appointment's new start, and the others move by as much.
    """
    now = now or timezone.now()
    visit, appointments = lock_visit(visit)
    check_changeable(visit, actor, now)
    if visit.status == Visit.Status.HELD:
        raise errors.NotConfirmed()
    appointments = sorted(appointments, key=lambda a: (a.start_at, str(a.id)))
    if anchor is not None:
        # The anchor as locked, not as the caller last read it.
        moved = next(a for a in appointments if a.pk == anchor.pk)
        start_at = visit.start_at + (start_at - moved.start_at)
    for appointment in appointments:
        if not _is_qualified(appointment.therapist, appointment.offering):
            raise errors.NotQualified(gettext("This therapist no longer gives this massage."))
    together = len(appointments) > 1 and len({a.start_at for a in appointments}) == 1
    parts = [
        Part(offering=a.offering, therapist_id=a.therapist_id, guest_name=a.guest_name)
        for a in appointments
    ]
    plan = place_visit(
        parts=parts,
        together=together,
        start_at=start_at,
        now=now,
        ignore_visit=visit.id,
        lock=True,
    )
    write_move(visit, appointments, plan, actor=actor, now=now, notify=True)
    return visit


def write_move(
    visit: Visit,
    appointments: list[Appointment],
    plan: VisitPlan,
    *,
    actor: Actor,
    now: datetime,
    notify: bool,
) -> None:
    """Write a locked visit's move to `plan`: its times, therapists, resources, events, reminders.

    `appointments` are the visit's, sorted by start then id as `plan`
    placed them. An appointment whose time changes gets a "rescheduled"
    event, one whose therapist changes a "reassigned" event, each with
    from and to. The reminders are retimed to the new start; `notify`
    sends the client the notice of the move. An arrival marked on
    another day than the new one no longer holds.
    """
    zone = ZoneInfo(settings.STUDIO_TIME_ZONE)
    # Out of the therapists' exclusion constraint while they move: it
    # checks each row as it is written, so two appointments of the visit
    # trading therapists, or one moving onto the time another is leaving,
    # would collide with a row of their own not yet written. Each row
    # comes back in below with its new time and therapist and is checked
    # against every other active row then, its own visit's included.
    Appointment.objects.filter(pk__in=[a.pk for a in appointments]).update(
        status=Appointment.Status.CANCELLED
    )
    for appointment, placed in zip(appointments, plan.appointments, strict=True):
        moved_from = appointment.start_at
        therapist_from = appointment.therapist
        if moved_from != placed.start_at or therapist_from.pk != placed.therapist_id:
            outbox().time_freed(
                appointment=appointment,
                start_at=moved_from,
                therapist_id=therapist_from.pk,
                now=now,
            )
        appointment.start_at = placed.start_at
        appointment.end_at = placed.end_at
        appointment.blocked_until = placed.blocked_until
        appointment.therapist_id = placed.therapist_id
        appointment.updated_at = now
        appointment.sequence += 1
        fields = ["status", "therapist", "start_at", "end_at", "blocked_until", "updated_at"]
        fields.append("sequence")
        if appointment.arrived_at is not None and (
            appointment.arrived_at.astimezone(zone).date()
            != placed.start_at.astimezone(zone).date()
        ):
            appointment.arrived_at = None
            fields.append("arrived_at")
        appointment.save(update_fields=fields)
        if moved_from != placed.start_at:
            _record(
                [appointment],
                AppointmentEvent.Action.RESCHEDULED,
                actor,
                now,
                {"from": moved_from.isoformat(), "to": placed.start_at.isoformat()},
            )
        if therapist_from.pk != placed.therapist_id:
            therapist_to = Therapist.objects.get(pk=placed.therapist_id)
            appointment.therapist = therapist_to
            _record(
                [appointment],
                AppointmentEvent.Action.REASSIGNED,
                actor,
                now,
                {
                    "from": therapist_from.name,
                    "to": therapist_to.name,
                    "from_id": therapist_from.pk,
                    "to_id": therapist_to.pk,
                },
            )
    visit.start_at = plan.start_at
    visit.end_at = plan.end_at
    visit.updated_at = now
    visit.save(update_fields=["start_at", "end_at", "updated_at"])
    Allocation.objects.filter(visit=visit).delete()
    _allocate(visit, appointments, plan)
    reminders.plan_after_reschedule(_lead(appointments), now=now, notify=notify)
    if visit.status != Visit.Status.HELD:
        outbox().visit_event(visit=visit, type=VISIT_MOVED, now=now)


@conflicts_become_unavailable
@transaction.atomic(durable=True)
def book_course(
    *,
    offering: Offering,
    starts: Sequence[datetime],
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
) -> Course:
    """Book a course: one visit of `offering` at each start, every session or none.

    The offering must be sold as a course (`Offering.course_sessions`),
    and the starts are its sessions, as many as it has: usually those
    `booking.visits.plan_course` proposes, with any replaced by another
    free time. Each session is placed and checked like any visit, and
    the course's visits share one manage token, one client, consent and
    notes. The confirmation goes out once, on the first session; each
    session has its own reminders. Raises InvalidVisit for an offering
    not sold as a course, the wrong number of sessions or two at one
    time, and whatever `book_visit` raises for any session. A claimed
    `idempotency_key` is kept with the first session, in the course's
    transaction (`idempotency.keep`). With `hold_for_payment_until` (the
    payments app asks for the course to be paid online first, as for
    `book_visit`) every session is held for the payment until then; the
    one payment confirms them all, and the course's one confirmation
    goes out then, on the first session.
    """
    now = now or timezone.now()
    if not offering.is_course:
        raise errors.InvalidVisit(
            gettext("This massage is not sold as a course."), fields={"offering": []}
        )
    ordered = sorted(starts)
    sessions = offering.course_sessions or 0
    if len(ordered) != sessions:
        message = ngettext(
            "A course of this massage has %(count)d session.",
            "A course of this massage has %(count)d sessions.",
            sessions,
        ) % {"count": sessions}
        raise errors.InvalidVisit(message, fields={"starts": [message]})
    if len(set(ordered)) != len(ordered):
        message = gettext("Two sessions of a course cannot start at the same time.")
        raise errors.InvalidVisit(message, fields={"starts": [message]})
    sessions_wanted = [
        [
            WantedAppointment(
                offering=offering, start_at=start, therapist=therapist, health=health or {}
            )
        ]
        for start in ordered
    ]
    _check_request(sessions_wanted[0], notes=notes, has_consent=has_consent, language=language)
    request = _VisitRequest.make(
        client=client,
        source=source,
        actor=actor,
        notes=notes,
        has_consent=has_consent,
        update_client_record=update_client_record,
        booked_from=booked_from,
        language=language,
        now=now,
    )
    if hold_for_payment_until is not None:
        request = replace(
            request, hold_expires_at=hold_for_payment_until, hold_reason=Visit.HoldReason.PAYMENT
        )
    course = Course.objects.create(
        client=request.client_record,
        offering=offering,
        interval_days=offering.course_interval_days,
        session_count=len(ordered),
        created_at=now,
    )
    request = replace(request, course=course, manage_token=new_manage_token())
    # Each session is placed after the ones before are written, so two
    # sessions never take one time.
    for number, wanted in enumerate(sessions_wanted):
        # The first session carries the confirmation and the key.
        _write_visit(
            request,
            wanted,
            together=False,
            confirmation=number == 0,
            idempotency_key=idempotency_key if number == 0 else None,
        )
    return course


@transaction.atomic(durable=True)
def cancel_course(
    *, course: Course, actor: Actor, reason: str = "", now: datetime | None = None
) -> Course:
    """Cancel every session of a course still to come.

    Staff cancel every active session that has not started; a guest
    those still before the guests' cut-off (the others stay: call the
    studio). One cancellation notice goes out, on the first session
    cancelled. Raises NotActive when no session is left to cancel, and
    CancellationClosed when a guest is too late for every one left.
    """
    now = now or timezone.now()
    to_come = list(
        Visit.objects.select_for_update()
        .filter(course=course, start_at__gt=now, status__in=Visit.ACTIVE_STATUSES)
        .order_by("start_at", "id")
    )
    if not to_come:
        raise errors.NotActive()
    cancellable = [visit for visit in to_come if actor.is_staff or can_guest_change(visit, now=now)]
    if not cancellable:
        check_changeable(to_come[0], actor, now)
    notified = False
    for visit in cancellable:
        locked, appointments = lock_visit(visit)
        _cancel(locked, appointments, actor=actor, reason=reason, now=now, notify=not notified)
        notified = notified or locked.status == Visit.Status.CANCELLED
    return course


def lock_visit(visit: Visit) -> tuple[Visit, list[Appointment]]:
    """Lock a visit, then its appointments in id order; the rows as they are now.

    Every service that changes a visit locks in this order, so two of
    them never wait on each other in a circle.
    """
    locked = Visit.objects.select_for_update().get(pk=visit.pk)
    appointments = list(
        Appointment.objects.select_for_update(of=("self",))
        .filter(visit=locked)
        .select_related("offering", "therapist")
        .order_by("id")
    )
    return locked, appointments


def guest_change_deadline(booking: Visit | Appointment) -> datetime:
    """Until when a guest may cancel or move the visit (or appointment) themselves."""
    return booking.start_at - timedelta(hours=settings.STUDIO_GUEST_CANCEL_HOURS)


def can_guest_change(booking: Visit | Appointment, *, now: datetime) -> bool:
    """Whether cancel (and, once confirmed, reschedule) would accept a guest now; pages show it."""
    return booking.is_active and now <= guest_change_deadline(booking)


def check_changeable(booking: Visit | Appointment, actor: Actor, now: datetime) -> None:
    """NotActive for a booking no longer to come; CancellationClosed for a guest too late."""
    if not booking.is_active:
        raise errors.NotActive()
    if not actor.is_staff and now > guest_change_deadline(booking):
        hours = settings.STUDIO_GUEST_CANCEL_HOURS
        message = ngettext(
            "Appointments can be changed online until %(count)d hour before they start. "
            "Please call the studio.",
            "Appointments can be changed online until %(count)d hours before they start. "
            "Please call the studio.",
            hours,
        ) % {"count": hours}
        phone = studio_identity(get_language())["studio_phone"]
        if phone:
            phone_line = gettext("Phone: %(phone)s.") % {"phone": phone}
            message = f"{message} {phone_line}"
        raise errors.CancellationClosed(message)


def _is_qualified(therapist: Therapist, offering: Offering) -> bool:
    return (
        therapist.is_active and therapist.massage_types.filter(id=offering.massage_type_id).exists()
    )


def _holds_health_data(health: dict[str, Any], notes: str) -> bool:
    """Whether there is anything the client's consent is needed to keep.

    A "no" is an answer about the client's health too; only questions left
    out (or empty) are not.
    """
    return any(answer not in (None, "") for answer in health.values()) or bool(notes.strip())


def _check_health(offering: Offering, health: dict[str, Any], *, prefix: str = "health") -> None:
    """A "yes" to a question that rules the massage type out refuses the booking."""
    said_yes = [question for question, answer in health.items() if answer is True]
    if not said_yes:
        return
    ruled_out = (
        Contraindication.objects.filter(
            massage_type_id=offering.massage_type_id,
            severity=Contraindication.Severity.RULES_OUT,
            question__in=said_yes,
        )
        .order_by("question")
        .first()
    )
    if ruled_out is not None:
        raise errors.RuledOut(
            ruled_out.explanation,
            fields={f"{prefix}.{ruled_out.question}": [ruled_out.explanation]},
        )


def _record(
    appointments: Sequence[Appointment],
    action: str,
    actor: Actor,
    now: datetime,
    details: dict[str, Any],
) -> None:
    """One audit event per appointment."""
    AppointmentEvent.objects.bulk_create(_events(appointments, action, actor, now, details))


def _events(
    appointments: Sequence[Appointment],
    action: str,
    actor: Actor,
    now: datetime,
    details: dict[str, Any],
) -> list[AppointmentEvent]:
    """The audit events of `_record`, not saved."""
    return [
        AppointmentEvent(
            appointment=appointment,
            action=action,
            actor=actor.label,
            user_id=actor.user_id,
            details=details,
            created_at=now,
        )
        for appointment in appointments
    ]
