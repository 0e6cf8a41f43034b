"""Every write to appointments: book, cancel, reschedule, mark as done.

Each public service is one transaction that locks, then checks, then
writes. It locks the therapists and resources it may take (in id order,
so two bookings never wait on each other in a circle), checks the time
with the availability engine's own rules, and writes the appointment, its
allocations, its audit event and its reminders together. On PostgreSQL the exclusion
constraints are the final guard; whatever they refuse becomes
`SlotUnavailable`, as does a deadlock between two racing bookings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from booking import errors
from booking.availability import Rules, free_resources, load_schedule, refusal, seconds
from booking.models import (
    Allocation,
    Appointment,
    AppointmentEvent,
    Resource,
    Therapist,
    Visit,
)
from booking.services import access, clients, reminders
from booking.services.clients import ClientDetails
from catalog.models import Contraindication, Offering
from catalog.selectors import is_bookable

P = ParamSpec("P")
R = TypeVar("R")

# PostgreSQL's codes for a refused overlap and for the losers of a race.
_CONFLICT_SQLSTATES = {"23P01", "40P01", "40001"}


@dataclass(frozen=True)
class Actor:
    """Who asks: a guest with a manage token, a staff member or an integration."""

    label: str
    user: AbstractBaseUser | AnonymousUser | None = None
    is_staff: bool = False

    @classmethod
    def guest(cls) -> Actor:
        return cls(label="guest")

    @classmethod
    def for_user(cls, user: AbstractBaseUser | AnonymousUser) -> Actor:
        """A logged-in user; staff only with the permission to change appointments."""
        return cls(
            label=str(user.get_username()), user=user, is_staff=access.may_change_appointments(user)
        )

    @property
    def user_id(self) -> Any:
        return self.user.pk if self.user is not None and self.user.is_authenticated else None


def _conflicts_become_unavailable(service: Callable[P, R]) -> Callable[P, R]:
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


@_conflicts_become_unavailable
@transaction.atomic(durable=True)
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
) -> Appointment:
    """Book `offering` at `start_at`, with `therapist` or any free one.

    The time must be one the availability engine offers. With no
    therapist given, the first free qualified therapist (by id) is taken.
    Health answers (a yes or a no) and notes are kept only with the
    client's consent; a staff member or integration who books with it is
    recorded as the one who asked. The appointment keeps the client's
    details as given, for its messages; it links to the client record
    with that e-mail, verified only when staff book, and never changes
    that record unless staff ask to (`update_client_record`; see
    `clients.client_for_booking`). Raises ConsentRequired for health
    answers or notes without consent, NotBookable for an inactive
    offering, NotQualified for a
    therapist who does not give this massage, RuledOut when a health
    answer rules the massage out, TooSoon, BeyondHorizon,
    OffStep or OutsideHours for a time no rule offers, and
    SlotUnavailable when the time is taken, also by a concurrent booking.
    `booked_from` is what `limits.limit_booking` gives a booking it
    counts (the address's keyed hash), kept for its limit on bookings
    held per address.
    `language` is the client's (one of settings.LANGUAGES): every message
    about the appointment is written in it, and a client record made by
    this booking takes it; any other is a ValueError, since every entry
    point offers only those.
    """
    if language not in dict(settings.LANGUAGES):
        raise ValueError(f"language {language!r} is not one of settings.LANGUAGES")
    now = now or timezone.now()
    rules = Rules.from_settings()
    if _holds_health_data(health or {}, notes) and not has_consent:
        raise errors.ConsentRequired()
    if not is_bookable(offering):
        raise errors.NotBookable()
    if therapist is not None and not _is_qualified(therapist, offering):
        raise errors.NotQualified()
    _check_health(offering, health or {})

    therapist_ids = _lock_therapists(offering, therapist)
    _lock_resources(offering)
    if not therapist_ids:
        raise errors.NotBookable(gettext("No therapist gives this massage at the moment."))
    schedule = load_schedule(
        offering=offering,
        window_start=start_at,
        window_end=start_at + timedelta(seconds=1),
        therapist_id=therapist.id if therapist else None,
    )
    chosen, resources = _choose(schedule, rules, start_at, now)
    hold_expires_at = _hold_until(actor, now)
    status = Appointment.Status.CONFIRMED if hold_expires_at is None else Appointment.Status.HELD
    client_record = clients.client_for_booking(
        details=client,
        actor=actor,
        now=now,
        update_record=update_client_record,
        language=language,
    )
    visit = Visit(
        client=client_record,
        is_client_verified=actor.is_staff,
        contact_name=client.name,
        contact_email=client.email,
        contact_phone=client.phone,
        status=status,
        hold_expires_at=hold_expires_at,
        source=source,
        language=language,
        notes=notes,
        consented_at=now if has_consent else None,
        consent_recorded_by_id=actor.user_id if has_consent else None,
        booked_from=booked_from,
        start_at=start_at,
        end_at=start_at + schedule.duration,
        created_at=now,
        updated_at=now,
    )
    visit.save(force_insert=True)
    appointment = Appointment(
        visit=visit,
        manage_token=visit.manage_token,
        client=client_record,
        is_client_verified=actor.is_staff,
        contact_name=client.name,
        contact_email=client.email,
        contact_phone=client.phone,
        offering=offering,
        therapist=chosen,
        start_at=start_at,
        end_at=start_at + schedule.duration,
        blocked_until=start_at + schedule.duration + schedule.buffer,
        status=status,
        hold_expires_at=hold_expires_at,
        source=source,
        language=language,
        price=offering.price,
        currency=offering.currency,
        health=health or {},
        notes=notes,
        consented_at=now if has_consent else None,
        consent_recorded_by_id=actor.user_id if has_consent else None,
        booked_from=booked_from,
        created_at=now,
        updated_at=now,
    )
    appointment.save(force_insert=True)
    _allocate(appointment, resources)
    details = {"source": source}
    if hold_expires_at is not None:
        details["held_until"] = hold_expires_at.isoformat()
    _record(appointment, AppointmentEvent.Action.BOOKED, actor, now, details)
    reminders.plan_after_booking(appointment, now=now)
    return appointment


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
def confirm_held_appointment(
    *, appointment: Appointment, actor: Actor, now: datetime | None = None
) -> Appointment:
    """Confirm a held appointment before its hold expires; it then stays like any booking.

    Its hold ends, an event records who confirmed it, and the reminders
    before it are planned now: a held appointment gets none, since its
    address is not proven. Whatever the hold waited for (the client
    opening the e-mailed link; later, a payment) the caller has checked.
    Confirming a confirmed appointment again changes nothing, so a link
    opened twice is fine. Raises HoldExpired once the hold has expired
    (the time is released, or will be within a minute by
    `release_expired_holds`) and NotActive for a cancelled appointment.
    """
    now = now or timezone.now()
    appointment = _lock_appointment(appointment)
    if appointment.status == Appointment.Status.CONFIRMED:
        return appointment
    expired = appointment.hold_expires_at is not None and appointment.hold_expires_at <= now
    if appointment.status == Appointment.Status.HELD and not expired:
        appointment.status = Appointment.Status.CONFIRMED
        appointment.hold_expires_at = None
        appointment.updated_at = now
        appointment.save(update_fields=["status", "hold_expires_at", "updated_at"])
        Visit.objects.filter(pk=appointment.visit_id).update(
            status=Visit.Status.CONFIRMED, hold_expires_at=None, updated_at=now
        )
        _record(appointment, AppointmentEvent.Action.HOLD_CONFIRMED, actor, now, {})
        reminders.plan_after_confirmation(appointment, now=now)
        return appointment
    if expired and appointment.status in (Appointment.Status.HELD, Appointment.Status.CANCELLED):
        raise errors.HoldExpired()
    raise errors.NotActive()


# How many expired holds one transaction of the sweep releases, and who
# released them, in the history.
RELEASE_BATCH = 500
SWEEP_ACTOR = "studio (hold expired)"


def release_expired_holds(*, now: datetime | None = None, max_batches: int = 50) -> int:
    """Release every held appointment whose hold has expired; returns how many.

    Each becomes cancelled, with a "hold expired" event, its resources
    freed and its pending reminders cancelled, so its time is offered
    again. No e-mail goes out: the address was never proven, and a
    message to it would let anyone mail anyone. Until this sweep (beat
    runs it every minute) an expired hold still takes its time: the
    availability engine and the exclusion constraints count it like
    any held row, so its time is free again at most a minute late.
    Batches lock their rows with SKIP LOCKED: a hold being confirmed
    right now is left to that confirmation, which checks the expiry too.
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
    expired = list(
        Appointment.objects.select_for_update(of=("self",), skip_locked=True)
        .filter(status=Appointment.Status.HELD, hold_expires_at__lte=now)
        .order_by("hold_expires_at", "id")
        .values_list("id", "hold_expires_at")[:RELEASE_BATCH]
    )
    ids = [appointment_id for appointment_id, _ in expired]
    if not ids:
        return 0
    Appointment.objects.filter(pk__in=ids).update(
        status=Appointment.Status.CANCELLED, updated_at=now
    )
    Visit.objects.filter(appointments__in=ids).update(status=Visit.Status.CANCELLED, updated_at=now)
    Allocation.objects.filter(appointment_id__in=ids).update(is_active=False)
    reminders.cancel_pending_of(ids)
    AppointmentEvent.objects.bulk_create(
        AppointmentEvent(
            appointment_id=appointment_id,
            action=AppointmentEvent.Action.HOLD_EXPIRED,
            actor=SWEEP_ACTOR,
            # Never empty: held rows have an expiry (a check constraint).
            details={"held_until": held_until.isoformat() if held_until else None},
            created_at=now,
        )
        for appointment_id, held_until in expired
    )
    return len(ids)


@transaction.atomic(durable=True)
def cancel_appointment(
    *, appointment: Appointment, actor: Actor, reason: str = "", now: datetime | None = None
) -> Appointment:
    """Cancel an active appointment and free its therapist and resources at once.

    Guests may cancel until STUDIO_GUEST_CANCEL_HOURS before the start;
    staff and integrations always may. A held appointment may be
    cancelled too, without a notice to its unproven address. Raises
    NotActive for an appointment that is neither confirmed nor held and
    CancellationClosed after the guests' cut-off.
    """
    now = now or timezone.now()
    appointment = _lock_appointment(appointment)
    _check_changeable(appointment, actor, now)
    was_held = appointment.status == Appointment.Status.HELD
    appointment.status = Appointment.Status.CANCELLED
    appointment.updated_at = now
    # The row is locked, so a plain increment cannot lose a concurrent one.
    appointment.sequence += 1
    appointment.save(update_fields=["status", "updated_at", "sequence"])
    Visit.objects.filter(pk=appointment.visit_id).update(
        status=Visit.Status.CANCELLED, updated_at=now
    )
    appointment.allocations.update(is_active=False)
    _record(appointment, AppointmentEvent.Action.CANCELLED, actor, now, {"reason": reason})
    if was_held:
        # Nothing to the address of a hold: it was never proven.
        reminders.cancel_pending(appointment)
    else:
        reminders.plan_after_cancellation(appointment, now=now)
    return appointment


@_conflicts_become_unavailable
@transaction.atomic(durable=True)
def reschedule_appointment(
    *, appointment: Appointment, start_at: datetime, actor: Actor, now: datetime | None = None
) -> Appointment:
    """Move an active appointment to `start_at`, with the same therapist.

    The new time must be one the availability engine offers, not counting
    the appointment's own old time. The same cut-off as for cancelling
    applies to guests. A held appointment is moved only once confirmed:
    a move sends a notice, which must not go to an unproven address.
    Raises NotActive, NotConfirmed, CancellationClosed, the start-time
    errors of `book_appointment`, and SlotUnavailable.
    """
    now = now or timezone.now()
    rules = Rules.from_settings()
    appointment = _lock_appointment(appointment)
    _check_changeable(appointment, actor, now)
    if appointment.status == Appointment.Status.HELD:
        raise errors.NotConfirmed()
    offering = appointment.offering
    _lock_therapists(offering, appointment.therapist)
    _lock_resources(offering)
    schedule = load_schedule(
        offering=offering,
        window_start=start_at,
        window_end=start_at + timedelta(seconds=1),
        therapist_id=appointment.therapist_id,
        ignore_appointment=appointment.id,
    )
    if not schedule.therapists:
        raise errors.NotQualified(gettext("This therapist no longer gives this massage."))
    refused = refusal(schedule, rules, appointment.therapist_id, start_at, now)
    if refused is not None:
        raise refused
    resources = free_resources(schedule, seconds(start_at)) or []

    previous_start = appointment.start_at
    appointment.start_at = start_at
    appointment.end_at = start_at + schedule.duration
    appointment.blocked_until = appointment.end_at + schedule.buffer
    appointment.updated_at = now
    appointment.sequence += 1
    appointment.save(
        update_fields=["start_at", "end_at", "blocked_until", "updated_at", "sequence"]
    )
    Visit.objects.filter(pk=appointment.visit_id).update(
        start_at=appointment.start_at, end_at=appointment.end_at, updated_at=now
    )
    appointment.allocations.all().delete()
    _allocate(appointment, resources)
    _record(
        appointment,
        AppointmentEvent.Action.RESCHEDULED,
        actor,
        now,
        {"from": previous_start.isoformat(), "to": start_at.isoformat()},
    )
    reminders.plan_after_reschedule(appointment, now=now)
    return appointment


@transaction.atomic(durable=True)
def mark_appointment(
    *, appointment: Appointment, status: str, actor: Actor, now: datetime | None = None
) -> Appointment:
    """Staff record how a past appointment went: completed or no-show.

    Only a confirmed appointment that has started can be marked. Raises
    NotActive otherwise, and BookingError for any other status.
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
    appointment = _lock_appointment(appointment)
    if appointment.status != Appointment.Status.CONFIRMED:
        raise errors.NotActive()
    if appointment.start_at > now:
        raise errors.BookingError(gettext("An appointment can be marked only once it has started."))
    appointment.status = status
    appointment.updated_at = now
    appointment.save(update_fields=["status", "updated_at"])
    Visit.objects.filter(pk=appointment.visit_id).update(status=status, updated_at=now)
    _record(appointment, actions[Appointment.Status(status)], actor, now, {})
    reminders.cancel_pending(appointment)
    return appointment


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


def _check_health(offering: Offering, health: dict[str, Any]) -> None:
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
            ruled_out.explanation, fields={f"health.{ruled_out.question}": [ruled_out.explanation]}
        )


def _lock_therapists(offering: Offering, therapist: Therapist | None) -> list[int]:
    """Lock the therapists who may take the booking, in id order."""
    query = Therapist.objects.select_for_update(of=("self",)).filter(
        is_active=True, massage_types=offering.massage_type_id
    )
    if therapist is not None:
        query = query.filter(id=therapist.id)
    return list(query.order_by("id").values_list("id", flat=True))


def _lock_resources(offering: Offering) -> None:
    """Lock every resource of the kinds the offering needs, in id order.

    Two bookings that want the one vacuum device then queue up here
    instead of both seeing it free.
    """
    list(
        Resource.objects.select_for_update()
        .filter(kind__in=offering.resource_kinds.all(), is_active=True)
        .order_by("id")
        .values_list("id", flat=True)
    )


def _lock_appointment(appointment: Appointment) -> Appointment:
    return (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("offering", "therapist")
        .get(pk=appointment.pk)
    )


def _choose(
    schedule: Any, rules: Rules, start_at: datetime, now: datetime
) -> tuple[Therapist, list[int]]:
    refusals: list[errors.BookingError] = []
    for candidate in schedule.therapists:
        refused = refusal(schedule, rules, candidate.id, start_at, now)
        if refused is None:
            return candidate, free_resources(schedule, seconds(start_at)) or []
        refusals.append(refused)
    # With several therapists, "taken" says more than "outside hours":
    # someone works then, but nobody is free.
    taken = [r for r in refusals if isinstance(r, errors.SlotUnavailable)]
    raise (taken or refusals)[0]


def guest_change_deadline(appointment: Appointment) -> datetime:
    """Until when a guest may cancel or move the appointment themselves."""
    return appointment.start_at - timedelta(hours=settings.STUDIO_GUEST_CANCEL_HOURS)


def can_guest_change(appointment: Appointment, *, now: datetime) -> bool:
    """Whether cancel (and, once confirmed, reschedule) would accept a guest now; pages show it."""
    return appointment.is_active and now <= guest_change_deadline(appointment)


def _check_changeable(appointment: Appointment, actor: Actor, now: datetime) -> None:
    if not appointment.is_active:
        raise errors.NotActive()
    if not actor.is_staff and now > guest_change_deadline(appointment):
        hours = settings.STUDIO_GUEST_CANCEL_HOURS
        raise errors.CancellationClosed(
            ngettext(
                "Appointments can be changed online until %(count)d hour before they start. "
                "Please call the studio.",
                "Appointments can be changed online until %(count)d hours before they start. "
                "Please call the studio.",
                hours,
            )
            % {"count": hours}
        )


def _allocate(appointment: Appointment, resource_ids: list[int]) -> None:
    Allocation.objects.bulk_create(
        Allocation(
            visit_id=appointment.visit_id,
            appointment=appointment,
            resource_id=resource_id,
            start_at=appointment.start_at,
            blocked_until=appointment.blocked_until,
        )
        for resource_id in resource_ids
    )


def _record(
    appointment: Appointment,
    action: str,
    actor: Actor,
    now: datetime,
    details: dict[str, Any],
) -> None:
    AppointmentEvent.objects.create(
        appointment=appointment,
        action=action,
        actor=actor.label,
        user_id=actor.user_id,
        details=details,
        created_at=now,
    )
