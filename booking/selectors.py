"""Reads of therapists, appointments, visits and courses, each with the joins its caller needs."""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Prefetch, Q, QuerySet, Value
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from booking.models import (
    Allocation,
    Appointment,
    Client,
    Course,
    Resource,
    Therapist,
    TimeOff,
    Visit,
    WorkingHours,
)
from catalog.models import HealthQuestion


def active_therapists() -> QuerySet[Therapist]:
    return (
        Therapist.objects.filter(is_active=True)
        .prefetch_related("massage_types")
        .order_by("name", "id")
    )


def appointments(
    *,
    start_on: date | None = None,
    end_on: date | None = None,
    therapist_id: int | None = None,
    status: str | None = None,
) -> QuerySet[Appointment]:
    """Appointments for staff and integrations, in start order, with what a list shows.

    `start_on` and `end_on` (inclusive) keep the local days from or
    until a date: a range on `start_at`, which the index on (start_at,
    id) serves in the list's own order.
    """
    query = Appointment.objects.select_related("client", "offering", "therapist")
    if start_on is not None:
        query = query.filter(start_at__gte=local_days(start_on, start_on)[0])
    if end_on is not None:
        query = query.filter(start_at__lt=local_days(end_on, end_on)[1])
    if therapist_id is not None:
        query = query.filter(therapist_id=therapist_id)
    if status is not None:
        query = query.filter(status=status)
    return query.order_by("start_at", "id")


def local_days(start_on: date, end_on: date) -> tuple[datetime, datetime]:
    """From the start of `start_on` to the end of `end_on`, local days in the studio's zone."""
    zone = ZoneInfo(settings.STUDIO_TIME_ZONE)
    return (
        datetime.combine(start_on, time(0), tzinfo=zone),
        datetime.combine(end_on + timedelta(days=1), time(0), tzinfo=zone),
    )


def visits(
    *, start_on: date | None = None, end_on: date | None = None, status: str | None = None
) -> QuerySet[Visit]:
    """Visits in start order, each with its appointments in start order.

    Two queries for any number of visits: the visits, and their
    appointments. With `start_on` and `end_on`, only the visits starting
    on those local days, both included: bounded by time on both sides
    and served by the index on start_at (`booking_visit_start`), so the
    cost follows the days asked for, not the years kept.
    """
    query = Visit.objects.prefetch_related(_appointments_in_order())
    if start_on is not None and end_on is not None:
        starts, ends = local_days(start_on, end_on)
        query = query.filter(start_at__gte=starts, start_at__lt=ends)
    if status is not None:
        query = query.filter(status=status)
    return query.order_by("start_at", "id")


def visit_for_guest(*, visit_id: UUID, manage_token: str, now: datetime) -> Visit | None:
    """The visit, with its appointments, only if the token is its own and not used up.

    As `appointment_for_guest`: the token is compared in constant time,
    and used up once the visit is over (completed, missed, or past its
    end); a cancelled visit stays visible until then.
    """
    visit = visits().filter(pk=visit_id).first()
    if visit is None or not hmac.compare_digest(visit.manage_token.encode(), manage_token.encode()):
        return None
    return None if _is_over(visit, now) else visit


def courses() -> QuerySet[Course]:
    """Courses, each with its sessions (visits, in start order) and their appointments.

    Three queries for any number of courses.
    """
    sessions = Visit.objects.prefetch_related(_appointments_in_order()).order_by("start_at", "id")
    return Course.objects.prefetch_related(Prefetch("visits", queryset=sessions)).order_by(
        "created_at", "id"
    )


def course_for_guest(*, course_id: UUID, manage_token: str, now: datetime) -> Course | None:
    """The course, only if the token is its sessions' own and one of them is not over.

    The sessions of a course share one manage token; it is used up once
    every session is over.
    """
    course = courses().filter(pk=course_id).first()
    sessions = list(course.visits.all()) if course is not None else []
    if not sessions or not hmac.compare_digest(
        sessions[0].manage_token.encode(), manage_token.encode()
    ):
        return None
    if all(_is_over(session, now) for session in sessions):
        return None
    return course


def _appointments_in_order() -> Prefetch[str, QuerySet[Appointment], str]:
    return Prefetch("appointments", queryset=Appointment.objects.order_by("start_at", "id"))


def appointment_for_guest(
    *, appointment_id: UUID, manage_token: str, now: datetime
) -> Appointment | None:
    """The appointment, only if the token is its own and not used up.

    The token is compared in constant time. It is used up once its
    visit is over: the appointment completed or missed, or the visit
    past its end. A cancelled appointment stays visible until then, so
    that the client who cancelled it can see that it is.
    """
    return appointment_for_guest_tokens(
        appointment_id=appointment_id, manage_tokens=[manage_token], now=now
    )


def appointment_for_guest_tokens(
    *, appointment_id: UUID, manage_tokens: Iterable[str], now: datetime
) -> Appointment | None:
    """As `appointment_for_guest`, for whoever holds any one of these tokens.

    A visit's appointments share its manage token, and a course's
    visits share one too: a browser that opened one of them may open
    the others. Each token is compared in constant time.
    """
    appointment = _appointment_for_guest_pages(appointment_id)
    if appointment is None:
        return None
    own = appointment.manage_token.encode()
    # Every token is compared, so the time taken does not tell which one matched.
    matches = [hmac.compare_digest(own, token.encode()) for token in manage_tokens]
    if not any(matches):
        return None
    # Marked done or missed, it is over; otherwise any appointment of a
    # visit opens it until the whole visit is over.
    is_over = appointment.status in _OVER or _is_over(appointment.visit, now)
    return None if is_over else appointment


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
        Appointment.objects.select_related("client", "offering", "therapist", "visit")
        .filter(pk=appointment_id)
        .first()
    )


def _is_over(booking: Appointment | Visit, now: datetime) -> bool:
    return booking.status in _OVER or booking.end_at <= now


_OVER = {Appointment.Status.COMPLETED, Appointment.Status.NO_SHOW}


def lead_appointment(visit: Visit) -> Appointment:
    """The visit's first appointment (by start, then id): its pages' address, its reminders' holder."""
    return (
        Appointment.objects.select_related("client", "offering", "therapist", "visit")
        .filter(visit=visit)
        .earliest("start_at", "id")
    )


def course_lead_appointment(course: Course) -> Appointment:
    """The lead appointment of the course's first visit: where its pages start."""
    return (
        Appointment.objects.select_related("client", "offering", "therapist", "visit")
        .filter(visit__course=course)
        .earliest("start_at", "id")
    )


@dataclass(frozen=True)
class GuestVisit:
    """A visit as its guest pages show it: every appointment, and a course's sessions.

    `lead` is the first appointment (by start, then id), whose id the
    pages' addresses carry; `appointments` are in the order shown, the
    client's before those of the people with them.
    `sessions` are the lead appointments of the course's visits, in
    order (empty for a visit that is not part of a course).
    """

    visit: Visit
    lead: Appointment
    appointments: list[Appointment]
    sessions: list[Appointment]

    @property
    def is_together(self) -> bool:
        """Whether its appointments are side by side (several people), not one after another."""
        first, *rest = self.appointments
        return bool(rest) and all(a.start_at == first.start_at for a in rest)


def guest_visit(appointment: Appointment) -> GuestVisit:
    """The visit of an appointment a guest reached, with all it shows.

    One query for the visit's appointments (with their offerings,
    therapists and the visit), one more for a course's sessions.
    """
    by_start = list(
        Appointment.objects.select_related("offering", "therapist", "visit__course")
        .filter(visit_id=appointment.visit_id)
        .order_by("start_at", "id")
    )
    lead, visit = by_start[0], by_start[0].visit
    # Shown in time order, the client before the people with them.
    appointments = sorted(by_start, key=lambda a: (a.start_at, a.guest_name != ""))
    sessions: list[Appointment] = []
    if visit.course_id is not None:
        leads: dict[UUID, Appointment] = {}
        for session in (
            Appointment.objects.select_related("visit")
            .filter(visit__course_id=visit.course_id)
            .order_by("start_at", "id")
        ):
            leads.setdefault(session.visit_id, session)
        sessions = list(leads.values())
    return GuestVisit(visit=visit, lead=lead, appointments=appointments, sessions=sessions)


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
    """Every appointment linked to the client or booked with their e-mail."""
    return appointments_with_email(
        Appointment.objects.all(), email=client.email, client_ids=[client.pk]
    )


def appointments_with_email(
    among: QuerySet[Appointment], *, email: str, client_ids: list[int] | None = None
) -> QuerySet[Appointment]:
    """The appointments among `among` booked with this e-mail, or of the client record with it.

    The e-mail is compared as lower(contact_email), which the
    `booking_appt_contact_email` index serves; the record's appointments
    are read by their client ids (`client_ids`, else the record with this
    e-mail, looked up first by its unique index), so the two are one
    BitmapOr of two indexes rather than a scan of every appointment.
    """
    if client_ids is None:
        client_ids = list(clients_with_email(email=email).values_list("pk", flat=True))
    return among.alias(contact_email_lower=Lower("contact_email")).filter(
        Q(client_id__in=client_ids) | Q(contact_email_lower=Lower(Value(email)))
    )


# The front desk's client search and record (staff/clients).

# At most this many clients answer one search: the desk narrows a
# longer list by typing more.
CLIENT_SEARCH_LIMIT = 30
# A search needs this many characters: shorter ones match too much to help.
CLIENT_SEARCH_MIN_LENGTH = 2
# At least this many digits make a search one for a phone number.
_PHONE_SEARCH_MIN_DIGITS = 3
_PHONE_SEARCH_CHARACTERS = frozenset("0123456789+ ()./-")
# A client record lists this many of the latest past appointments.
CLIENT_RECORD_PAST_LIMIT = 50
# The health history reads the answers of this many of the client's
# latest appointments that hold any (the retention sweep clears older ones).
_HEALTH_HISTORY_APPOINTMENTS = 20


def client_search_condition(query: str) -> Q | None:
    """What a search at the desk asks for: a phone number, an e-mail, or a name.

    Digits (with the punctuation people write numbers with) search the
    phone numbers, which are stored in E.164 (`booking.phones`): the
    digits typed are looked for inside them, less any leading zeros, so
    "030 1234" and "+49 30 1234" both find +49301234567. A query with an
    @ searches the e-mails; any other the names and the e-mails. Letter
    case never matters. None for a query too short to search.

    On PostgreSQL the trigram indexes of migration 0026 serve each
    `UPPER(…) LIKE` (and the phone's `LIKE`), so a search does not read
    every client.
    """
    text = query.strip()
    if len(text) < CLIENT_SEARCH_MIN_LENGTH:
        return None
    digits = "".join(character for character in text if character.isdigit()).lstrip("0")
    if set(text) <= _PHONE_SEARCH_CHARACTERS and len(digits) >= _PHONE_SEARCH_MIN_DIGITS:
        return Q(phone__contains=digits)
    if "@" in text:
        return Q(email__icontains=text)
    return Q(name__icontains=text) | Q(email__icontains=text)


def search_clients(
    among: QuerySet[Client], *, query: str, limit: int = CLIENT_SEARCH_LIMIT
) -> list[Client]:
    """The clients among `among` that `query` finds, by name, at most `limit` of them."""
    condition = client_search_condition(query)
    if condition is None:
        return []
    return list(among.filter(condition).order_by("name", "id")[:limit])


@dataclass(frozen=True)
class ClientRecord:
    """What the desk shows of a client's appointments: to come, past, and what went wrong."""

    upcoming: list[Appointment]
    past: list[Appointment]
    past_count: int
    no_shows: int
    cancellations: int


def client_record(
    appointments: QuerySet[Appointment],
    *,
    now: datetime,
    past_limit: int = CLIENT_RECORD_PAST_LIMIT,
) -> ClientRecord:
    """The appointments of one client (`appointments`, as the reader may see them), in order.

    Three queries whatever the history: those to come (bounded by the
    booking horizon), the latest `past_limit` past ones, and the counts;
    each appointment with its massage, therapist and treatment
    note, served by the index on the appointment's client.
    """
    with_parts = appointments.select_related(
        "offering", "therapist", "treatment_note", "treatment_note__author"
    )
    upcoming = list(with_parts.filter(start_at__gte=now).order_by("start_at", "id"))
    past = list(with_parts.filter(start_at__lt=now).order_by("-start_at", "-id")[:past_limit])
    counts = appointments.aggregate(
        past=Count("id", filter=Q(start_at__lt=now)),
        no_shows=Count("id", filter=Q(status=Appointment.Status.NO_SHOW)),
        cancellations=Count("id", filter=Q(status=Appointment.Status.CANCELLED)),
    )
    return ClientRecord(
        upcoming=upcoming,
        past=past,
        past_count=counts["past"],
        no_shows=counts["no_shows"],
        cancellations=counts["cancellations"],
    )


@dataclass(frozen=True)
class HealthAnswer:
    """The client's latest answer to one health question, and when they gave it."""

    question: str
    label: str
    answer: bool
    answered_at: datetime

    @property
    def asks_for_care(self) -> bool:
        # Every question asks about a condition: a "yes" is one to mind.
        return self.answer


@dataclass(frozen=True)
class HealthHistory:
    """The client's latest health answers, and the latest note they left for the therapist."""

    answers: list[HealthAnswer]
    note: str
    noted_at: datetime | None

    def __bool__(self) -> bool:
        return bool(self.answers or self.note)


def health_history(client: Client) -> HealthHistory:
    """The latest answer to each health question from the client's earlier bookings, with its date.

    Health data (DESIGN.md, invariant 8): only for staff with
    `booking.view_health`. Only the client's own answers count, not those
    a second person gave on a visit for two (`guest_name`); a question
    left unasked (no answer, or None) keeps the answer before it. One
    query: the latest appointments of the client that hold answers, read
    through the index on the appointment's client.
    """
    rows = (
        Appointment.objects.filter(client_id=client.pk, guest_name="")
        .exclude(health={})
        .order_by("-start_at", "-id")
        .values_list("health", "start_at")[:_HEALTH_HISTORY_APPOINTMENTS]
    )
    latest: dict[str, tuple[bool, datetime]] = {}
    note, noted_at = "", None
    for health, start_at in rows:
        if not isinstance(health, dict):
            continue
        for question in HealthQuestion:
            answer = health.get(question.value)
            if isinstance(answer, bool) and question.value not in latest:
                latest[question.value] = (answer, start_at)
        if not note and isinstance(health.get("note"), str) and health["note"].strip():
            note, noted_at = health["note"].strip(), start_at
    answers = [
        HealthAnswer(
            question=question.value,
            label=str(question.label),
            answer=latest[question.value][0],
            answered_at=latest[question.value][1],
        )
        for question in HealthQuestion
        if question.value in latest
    ]
    return HealthHistory(answers=answers, note=note, noted_at=noted_at)


def therapist_for_feed(token: str) -> Therapist | None:
    """The active therapist whose calendar feed has this secret, or None.

    Compared in constant time against each therapist's secret (a handful
    of rows), so the time a request takes tells nothing of how much of a
    guess was right. A blank token never matches: blank means no feed.
    """
    if not token:
        return None
    found = None
    for therapist in Therapist.objects.filter(is_active=True).exclude(feed_token=""):
        if hmac.compare_digest(therapist.feed_token.encode(), token.encode()):
            found = therapist
    return found


# How far back and ahead a therapist's calendar feed reaches: recent
# weeks for what was done, and at least half a year ahead, beyond the
# booking horizon, for a course's last sessions.
FEED_DAYS_BACK = 28
FEED_DAYS_AHEAD = 183


def feed_appointments(therapist: Therapist, *, now: datetime) -> list[Appointment]:
    """The therapist's appointments for their calendar feed: all but the cancelled ones.

    Bounded by time on both sides (FEED_DAYS_BACK, and the later of the
    booking horizon and FEED_DAYS_AHEAD), read through the index on
    (therapist, start_at, blocked_until). A cancelled appointment is left
    out, so the phone's calendar drops it.
    """
    ahead = max(FEED_DAYS_AHEAD, settings.STUDIO_HORIZON_DAYS + 1)
    return list(
        Appointment.objects.filter(
            therapist_id=therapist.pk,
            start_at__gte=now - timedelta(days=FEED_DAYS_BACK),
            start_at__lt=now + timedelta(days=ahead),
        )
        .exclude(status=Appointment.Status.CANCELLED)
        .select_related("offering", "client")
        .order_by("start_at", "id")
    )


def earlier_health_answers(*, client: Client) -> Appointment | None:
    """The client's own latest appointment with health answers, for the desk to go over again.

    Their own: not one given to a second person (`guest_name`). Served
    by the index on the appointments' client.
    """
    return (
        Appointment.objects.filter(client=client, guest_name="")
        .exclude(health={})
        .only("id", "start_at", "health")
        .order_by("-start_at")
        .first()
    )
