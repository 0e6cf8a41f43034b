"""Reads of therapists and appointments, each with the joins its caller needs."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Min, Prefetch, Q, QuerySet, Value
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from booking.models import (
    Allocation,
    Appointment,
    Client,
    Reminder,
    Resource,
    Therapist,
    TimeOff,
    WorkingHours,
)


def active_therapists() -> QuerySet[Therapist]:
    return (
        Therapist.objects.filter(is_active=True)
        .prefetch_related("massage_types")
        .order_by("name", "id")
    )


def appointments(
    *, on: date | None = None, therapist_id: int | None = None, status: str | None = None
) -> QuerySet[Appointment]:
    """Appointments for staff and integrations, in start order, with what a list shows."""
    query = Appointment.objects.select_related("client", "offering", "therapist")
    if on is not None:
        zone = ZoneInfo(settings.STUDIO_TIME_ZONE)
        day_start = datetime.combine(on, time(0), tzinfo=zone)
        day_end = datetime.combine(on + timedelta(days=1), time(0), tzinfo=zone)
        query = query.filter(start_at__gte=day_start, start_at__lt=day_end)
    if therapist_id is not None:
        query = query.filter(therapist_id=therapist_id)
    if status is not None:
        query = query.filter(status=status)
    return query.order_by("start_at", "id")


def appointment_for_guest(
    *, appointment_id: UUID, manage_token: str, now: datetime
) -> Appointment | None:
    """The appointment, only if the token is its own and not used up.

    The token is compared in constant time. It is used up once its
    appointment is over: completed, missed, or past its end. A cancelled
    appointment stays visible until then, so that the client who
    cancelled it can see that it is.
    """
    appointment = _appointment_for_guest_pages(appointment_id)
    if appointment is None or not hmac.compare_digest(
        appointment.manage_token.encode(), manage_token.encode()
    ):
        return None
    return None if _is_over(appointment, now) else appointment


def appointment_for_mailbox(
    *, appointment_id: UUID, mailbox_token: str, now: datetime
) -> Appointment | None:
    """The appointment, only if the token is the one its confirmation e-mail carries.

    `Appointment.mailbox_token`, compared in constant time; used up like
    the manage token (`appointment_for_guest`).
    """
    appointment = _appointment_for_guest_pages(appointment_id)
    if appointment is None or not hmac.compare_digest(
        appointment.mailbox_token.encode(), mailbox_token.encode()
    ):
        return None
    return None if _is_over(appointment, now) else appointment


def _appointment_for_guest_pages(appointment_id: UUID) -> Appointment | None:
    return (
        Appointment.objects.select_related("client", "offering", "therapist")
        .filter(pk=appointment_id)
        .first()
    )


def _is_over(appointment: Appointment, now: datetime) -> bool:
    return appointment.status in _OVER or appointment.end_at <= now


_OVER = {Appointment.Status.COMPLETED, Appointment.Status.NO_SHOW}


def therapists_giving(*, massage_type_id: int) -> list[Therapist]:
    """The active therapists who give this massage type, by name."""
    return list(
        Therapist.objects.filter(is_active=True, massage_types=massage_type_id).order_by(
            "name", "id"
        )
    )


@dataclass(frozen=True)
class Absence:
    """Time off as it falls on one day, for the day view."""

    span: str
    reason: str


@dataclass(frozen=True)
class DayAppointment:
    """An appointment in the day view, with the rest of its visit that day.

    `together` are the visit's other appointments at the same start (a
    couples massage), `before` and `after` those one after the other
    ("foot, then back"); `rooms` are the resources the visit holds for
    several of its appointments at once (the room for two).
    """

    appointment: Appointment
    together: list[Appointment]
    before: list[Appointment]
    after: list[Appointment]
    rooms: list[Resource]

    @property
    def is_part_of_a_visit(self) -> bool:
        return bool(self.together or self.before or self.after)


@dataclass(frozen=True)
class TherapistDay:
    therapist: Therapist
    hours: list[WorkingHours]
    time_off: list[Absence]
    appointments: list[DayAppointment]


@dataclass(frozen=True)
class DaySchedule:
    closures: list[Absence]
    therapists: list[TherapistDay]


def day_schedule(*, day: date, zone: ZoneInfo, with_health: bool = False) -> DaySchedule:
    """Each therapist's appointments, hours and time off on one local day.

    Health answers and notes are loaded only `with_health`, for staff
    allowed to see them.

    Four queries however full the day is: the appointments (with their
    clients, offerings and therapists), the therapists (active ones, and any other
    with an appointment that day), their hours on that weekday, and the
    time off overlapping the day; a fifth, the rooms held for a whole
    visit, when some visit that day has several appointments.
    """
    starts = datetime.combine(day, time(0), tzinfo=zone)
    ends = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
    query = Appointment.objects.filter(start_at__gte=starts, start_at__lt=ends)
    if not with_health:
        query = query.defer("health", "notes")
    appointments = list(
        query.select_related("client", "offering", "therapist").order_by("start_at", "id")
    )
    entries = _with_their_visits(appointments)
    busy_ids = {appointment.therapist_id for appointment in appointments}
    therapists = list(
        Therapist.objects.filter(Q(is_active=True) | Q(id__in=busy_ids))
        .prefetch_related(
            Prefetch(
                "working_hours",
                queryset=WorkingHours.objects.filter(weekday=day.weekday()).order_by("start_time"),
            )
        )
        .order_by("name")
    )
    time_off = TimeOff.objects.filter(
        Q(therapist__in=therapists) | Q(therapist__isnull=True),
        start_at__lt=ends,
        end_at__gt=starts,
    ).order_by("start_at")

    absences: dict[int | None, list[Absence]] = {}
    for entry in time_off:
        absences.setdefault(entry.therapist_id, []).append(
            Absence(span=_span_on(entry, starts, ends, zone), reason=entry.reason)
        )
    return DaySchedule(
        closures=absences.get(None, []),
        therapists=[
            TherapistDay(
                therapist=therapist,
                hours=list(therapist.working_hours.all()),
                time_off=absences.get(therapist.id, []),
                appointments=[
                    entry for entry in entries if entry.appointment.therapist_id == therapist.id
                ],
            )
            for therapist in therapists
        ],
    )


def _with_their_visits(appointments: list[Appointment]) -> list[DayAppointment]:
    """Each appointment with the others of its visit among them, and the rooms they share.

    A visit's appointments lie on one day (a couples massage starts at
    once; "foot, then back" follows on), so the day's own list holds
    them; the therapist of each is one of the day's columns.
    """
    by_visit: dict[UUID, list[Appointment]] = {}
    for appointment in appointments:
        by_visit.setdefault(appointment.visit_id, []).append(appointment)
    shared = [visit_id for visit_id, members in by_visit.items() if len(members) > 1]
    rooms: dict[UUID, list[Resource]] = {}
    if shared:
        held = (
            Allocation.objects.filter(visit_id__in=shared, appointment__isnull=True, is_active=True)
            .select_related("resource")
            .order_by("start_at", "id")
        )
        for allocation in held:
            rooms.setdefault(allocation.visit_id, []).append(allocation.resource)
    entries = []
    for appointment in appointments:
        others = [a for a in by_visit[appointment.visit_id] if a.pk != appointment.pk]
        entries.append(
            DayAppointment(
                appointment=appointment,
                together=[a for a in others if a.start_at == appointment.start_at],
                before=[a for a in others if a.start_at < appointment.start_at],
                after=[a for a in others if a.start_at > appointment.start_at],
                rooms=rooms.get(appointment.visit_id, []) if others else [],
            )
        )
    return entries


def _span_on(time_off: TimeOff, starts: datetime, ends: datetime, zone: ZoneInfo) -> str:
    def clock(moment: datetime) -> str:
        return f"{moment.astimezone(zone):%H:%M}"

    if time_off.start_at <= starts and time_off.end_at >= ends:
        return _("All day")
    if time_off.start_at <= starts:
        return _("Until %(time)s") % {"time": clock(time_off.end_at)}
    if time_off.end_at >= ends:
        return _("From %(time)s") % {"time": clock(time_off.start_at)}
    return f"{clock(time_off.start_at)}\u2013{clock(time_off.end_at)}"


@dataclass(frozen=True)
class OutboxHealth:
    """How the reminder outbox is doing: a worker can look alive and send nothing."""

    oldest_due_at: datetime | None
    due: int
    failed: int

    def waiting(self, now: datetime) -> timedelta:
        """How long the oldest due reminder has waited (zero when none waits)."""
        return now - self.oldest_due_at if self.oldest_due_at else timedelta(0)

    def is_stuck(self, now: datetime) -> bool:
        return self.waiting(now) > timedelta(seconds=settings.STUDIO_REMINDER_STALE_SECONDS)


def outbox_health(*, now: datetime) -> OutboxHealth:
    """The oldest due unsent reminder and the counts staff should watch."""
    # Served by the (status, due_at) index: two range scans.
    waiting = Reminder.objects.filter(
        status__in=[Reminder.Status.PENDING, Reminder.Status.SENDING], due_at__lte=now
    ).aggregate(oldest=Min("due_at"), count=Count("id"))
    return OutboxHealth(
        oldest_due_at=waiting["oldest"],
        due=waiting["count"],
        failed=Reminder.objects.filter(status=Reminder.Status.FAILED).count(),
    )


def client_language(*, email: str) -> str:
    """The language on the client record with this e-mail, or the studio's default without one."""
    language: str | None = (
        clients_with_email(email=email).values_list("language", flat=True).first()
    )
    return language or settings.LANGUAGE_CODE


def clients_with_email(*, email: str) -> QuerySet[Client]:
    """The client whose e-mail this is, in any letter case (at most one).

    Compared as lower(email) = lower(%s), the expression of the unique
    index: `iexact` compiles to UPPER() on PostgreSQL and scans the table.
    """
    return Client.objects.alias(email_lower=Lower("email")).filter(email_lower=Lower(Value(email)))


def client_appointments(*, client: Client) -> QuerySet[Appointment]:
    """Every appointment linked to the client or booked with their e-mail.

    The e-mail is compared as lower(contact_email), which the
    `booking_appt_contact_email` index serves.
    """
    return Appointment.objects.alias(contact_email_lower=Lower("contact_email")).filter(
        Q(client=client) | Q(contact_email_lower=Lower(Value(client.email)))
    )
