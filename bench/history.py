"""A studio's past, written in bulk with the project's own models.

`bench/growth.py` gives one of its two databases five years of this
history; tests/bench/test_history.py builds a few days of it and checks
that it keeps the database's constraints.

Each working day (Monday to Saturday) every therapist works eight
one-hour blocks (9 to 13 and 14 to 18, the studio's local time), each
filled, so the therapist and resource exclusion constraints hold by
construction: a single massage of at most 45 minutes with its cleanup
in one block, in the therapist's own room (the vacuum device or the Thai
sticks as well for the two therapists who give those); one day in five
the first two therapists give a couples massage in the room for two over
their first two blocks; and some therapists give a foot massage, then a
whole leg, over two blocks of the afternoon. Each appointment has its
visit, its allocations, two or three reminders (mostly sent, some
failed, those of cancelled visits cancelled) and its events.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import connection, transaction

from booking.models import (
    Allocation,
    Appointment,
    AppointmentEvent,
    Client,
    Resource,
    Therapist,
    Visit,
)
from catalog.models import Offering, ResourceKind
from notifications.models import Message

# The local hours at which a working day's blocks start (lunch at 13).
BLOCK_HOURS = (9, 10, 11, 12, 14, 15, 16, 17)
BATCH = 2000
# Offerings that fit one block with their cleanup (at most 45 + 15 minutes).
SINGLES = (
    "classical-foot-30",
    "classical-shin-foot-45",
    "therapeutic-shin-foot-45",
    "anti-cellulite-hip-45",
)
VACUUM = "vacuum-hip-45"
THAI = "thai-foot-45"
COUPLES = "classical-for-two-60"
# "Foot, then whole leg": 30 + 60 minutes, then 15 minutes' cleanup.
FIRST, THEN = "classical-foot-30", "therapeutic-whole-leg-60"
# Shares of the past visits by how they ended, and of the reminders.
CANCELLED_SHARE = 0.03
NO_SHOW_SHARE = 0.03
HOURS_BEFORE_SHARE = 0.31
FAILED_SHARE = 0.01


@dataclass(frozen=True)
class Studio:
    """Who and what the history books: a room of their own for each therapist.

    The first two therapists give the couples massages, the third the
    vacuum massages and the fourth the Thai ones.
    """

    therapists: list[Therapist]
    rooms: list[Resource]
    room_for_two: Resource
    vacuum: Resource
    sticks: Resource
    offerings: dict[str, Offering]

    @classmethod
    def load(cls) -> Studio:
        therapists = list(Therapist.objects.filter(is_active=True).order_by("id"))
        resources = Resource.objects.filter(is_active=True).select_related("kind").order_by("id")
        rooms = [r for r in resources if r.kind.slug == "room" and r.capacity == 1]
        if len(therapists) < 4 or len(rooms) < len(therapists):
            raise RuntimeError("The history needs four therapists or more and a room for each.")
        one_of = {r.kind.slug: r for r in resources if r.kind.slug != "room"}
        return cls(
            therapists=therapists,
            rooms=rooms,
            room_for_two=next(r for r in resources if r.kind.slug == "room" and r.capacity >= 2),
            vacuum=one_of["vacuum-device"],
            sticks=one_of["thai-sticks"],
            offerings={o.slug: o for o in Offering.objects.all()},
        )


@dataclass
class Rows:
    """What one stretch of days writes, in the order it is inserted."""

    visits: list[Visit] = field(default_factory=list)
    appointments: list[Appointment] = field(default_factory=list)
    allocations: list[Allocation] = field(default_factory=list)
    reminders: list[Message] = field(default_factory=list)
    events: list[AppointmentEvent] = field(default_factory=list)

    def write(self) -> None:
        for model, rows in [
            (Visit, self.visits),
            (Appointment, self.appointments),
            (Allocation, self.allocations),
            (Message, self.reminders),
            (AppointmentEvent, self.events),
        ]:
            model.objects.bulk_create(rows, batch_size=BATCH)  # type: ignore[attr-defined]


@dataclass
class Counts:
    clients: int = 0
    visits: int = 0
    appointments: int = 0
    allocations: int = 0
    reminders: int = 0
    events: int = 0

    def add(self, rows: Rows) -> None:
        self.visits += len(rows.visits)
        self.appointments += len(rows.appointments)
        self.allocations += len(rows.allocations)
        self.reminders += len(rows.reminders)
        self.events += len(rows.events)


def add_resources(*, rooms: int) -> None:
    """The resources `Studio` needs: `rooms` rooms, the room for two and the equipment."""
    kinds = {kind.slug: kind for kind in ResourceKind.objects.all()}
    Resource.objects.bulk_create(
        [
            *(Resource(name=f"Room {n}", kind=kinds["room"]) for n in range(1, rooms + 1)),
            Resource(name="Room for two", kind=kinds["room"], capacity=2),
            Resource(name="Vacuum device", kind=kinds["vacuum-device"]),
            Resource(name="Thai sticks", kind=kinds["thai-sticks"]),
        ]
    )


def create_clients(first: int, count: int) -> list[Client]:
    """Clients number `first` to `first + count - 1`, each with an address of their own."""
    return Client.objects.bulk_create(
        (
            Client(name=f"Past client {n}", email=f"past{n}@example.org", phone="+4930555000")
            for n in range(first, first + count)
        ),
        batch_size=BATCH,
    )


class _Day:
    """One working day's rows, added to `rows`."""

    def __init__(
        self, studio: Studio, clients: Sequence[Client], rows: Rows, rng: random.Random
    ) -> None:
        self.studio = studio
        self.clients = clients
        self.rows = rows
        self.rng = rng

    def write(self, day: date, zone: ZoneInfo, *, is_past: bool) -> None:
        self.is_past = is_past
        self.starts = [datetime.combine(day, time(hour), tzinfo=zone) for hour in BLOCK_HOURS]
        self.day_before = datetime.combine(day - timedelta(days=1), time(18), tzinfo=zone)
        offerings = self.studio.offerings
        couples_day = day.toordinal() % 5 == 0
        for index, therapist in enumerate(self.studio.therapists):
            block = 0
            while block < len(BLOCK_HOURS):
                if couples_day and index < 2 and block < 2:
                    if index == 0:
                        self._couples()
                    block = 2
                elif index >= 2 and block == 4 and (day.toordinal() + index) % 3 == 0:
                    room = self.studio.rooms[index]
                    first = offerings[FIRST]
                    start = self.starts[block]
                    self._visit(
                        [
                            (first, therapist, start, start + _minutes(first), [room]),
                            (offerings[THEN], therapist, start + _minutes(first), None, [room]),
                        ]
                    )
                    block += 2
                else:
                    offering, extra = self._single(index)
                    room = self.studio.rooms[index]
                    self._visit([(offering, therapist, self.starts[block], None, [room, *extra])])
                    block += 1

    def _single(self, index: int) -> tuple[Offering, list[Resource]]:
        offerings = self.studio.offerings
        if index == 2:
            return offerings[VACUUM], [self.studio.vacuum]
        if index == 3:
            return offerings[THAI], [self.studio.sticks]
        return offerings[self.rng.choice(SINGLES)], []

    def _couples(self) -> None:
        offering = self.studio.offerings[COUPLES]
        start = self.starts[0]
        pair = self.studio.therapists[:2]
        visit = self._visit([(offering, therapist, start, None, []) for therapist in pair])
        self.rows.allocations.append(
            Allocation(
                visit=visit,
                resource=self.studio.room_for_two,
                start_at=start,
                blocked_until=start + _minutes(offering, cleanup=True),
                is_active=visit.status != Visit.Status.CANCELLED,
            )
        )

    def _visit(
        self,
        parts: list[tuple[Offering, Therapist, datetime, datetime | None, list[Resource]]],
    ) -> Visit:
        """A visit of `parts`: (offering, therapist, start, held until or cleanup, resources)."""
        client = self.rng.choice(self.clients)
        status = self._status()
        start_at = parts[0][2]
        booked_at = start_at - timedelta(
            days=self.rng.randint(1, 30), minutes=self.rng.randint(0, 600)
        )
        last = parts[-1]
        visit = Visit(
            client=client,
            contact_name=client.name,
            contact_email=client.email,
            contact_phone=client.phone,
            status=status,
            source=Appointment.Source.WEB if self.rng.random() < 0.7 else Appointment.Source.ADMIN,
            start_at=start_at,
            end_at=last[2] + _minutes(last[0]),
            created_at=booked_at,
            updated_at=booked_at,
        )
        self.rows.visits.append(visit)
        for offering, therapist, start, held_until, resources in parts:
            blocked_until = held_until or start + _minutes(offering, cleanup=True)
            appointment = Appointment(
                visit=visit,
                client=client,
                contact_name=client.name,
                contact_email=client.email,
                contact_phone=client.phone,
                offering=offering,
                therapist=therapist,
                start_at=start,
                end_at=start + _minutes(offering),
                blocked_until=blocked_until,
                status=status,
                source=visit.source,
                price=offering.price,
                currency=offering.currency,
                created_at=booked_at,
                updated_at=booked_at,
            )
            self.rows.appointments.append(appointment)
            self.rows.allocations += [
                Allocation(
                    visit=visit,
                    appointment=appointment,
                    resource=resource,
                    start_at=start,
                    blocked_until=blocked_until,
                    is_active=status != Visit.Status.CANCELLED,
                )
                for resource in resources
            ]
            self._reminders(appointment, booked_at)
            self._events(appointment, booked_at)
        return visit

    def _status(self) -> str:
        if not self.is_past:
            return Visit.Status.CONFIRMED
        draw = self.rng.random()
        if draw < CANCELLED_SHARE:
            return Visit.Status.CANCELLED
        if draw < CANCELLED_SHARE + NO_SHOW_SHARE:
            return Visit.Status.NO_SHOW
        return Visit.Status.COMPLETED

    def _reminders(self, appointment: Appointment, booked_at: datetime) -> None:
        Kind, Channel = Message.Kind, Message.Channel
        timed = [(Kind.CONFIRMATION, Channel.EMAIL, booked_at)]
        timed.append((Kind.DAY_BEFORE, Channel.EMAIL, self.day_before))
        if self.rng.random() < HOURS_BEFORE_SHARE:
            timed.append(
                (Kind.HOURS_BEFORE, Channel.SMS, appointment.start_at - timedelta(hours=3))
            )
        for kind, channel, due_at in timed:
            reminder = Message(
                appointment=appointment,
                kind=kind,
                channel=channel,
                status=Message.Status.SENT,
                due_at=due_at,
                attempts=1,
                sent_at=due_at + timedelta(seconds=20),
                created_at=booked_at,
            )
            if appointment.status == Appointment.Status.CANCELLED and kind != Kind.CONFIRMATION:
                reminder.status, reminder.attempts, reminder.sent_at = "cancelled", 0, None
            elif self.rng.random() < FAILED_SHARE:
                reminder.status, reminder.attempts, reminder.sent_at = "failed", 5, None
                reminder.last_error = "550 Mailbox unavailable"
            self.rows.reminders.append(reminder)

    def _events(self, appointment: Appointment, booked_at: datetime) -> None:
        Action = AppointmentEvent.Action
        events: list[tuple[str, datetime]] = [(Action.BOOKED, booked_at)]
        ends: dict[str, str] = {
            Appointment.Status.COMPLETED: Action.COMPLETED,
            Appointment.Status.NO_SHOW: Action.NO_SHOW,
            Appointment.Status.CANCELLED: Action.CANCELLED,
        }
        ended = ends.get(appointment.status)
        if ended is not None:
            events.append((ended, appointment.end_at))
        self.rows.events += [
            AppointmentEvent(appointment=appointment, action=action, actor="history", created_at=at)
            for action, at in events
        ]


def _minutes(offering: Offering, *, cleanup: bool = False) -> timedelta:
    return timedelta(
        minutes=offering.duration_minutes + (offering.buffer_minutes if cleanup else 0)
    )


def working_days_back(last: date) -> Iterator[date]:
    """`last` and the days before it, Mondays to Saturdays only."""
    day = last
    while True:
        if day.weekday() < 6:
            yield day
        day -= timedelta(days=1)


def write_history(
    *,
    studio: Studio,
    clients: Sequence[Client],
    last_day: date,
    appointments: int,
    zone: ZoneInfo,
    seed: int,
    days_per_batch: int = 30,
) -> Counts:
    """Past working days back from `last_day` until `appointments` are written (whole days)."""
    rng = random.Random(seed)
    counts = Counts()
    days = working_days_back(last_day)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # A build, not a studio's data: nothing to lose if the server crashes.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit = off")
        while counts.appointments < appointments:
            rows = Rows()
            writer = _Day(studio, clients, rows, rng)
            for _ in range(days_per_batch):
                writer.write(next(days), zone, is_past=True)
                if counts.appointments + len(rows.appointments) >= appointments:
                    break
            rows.write()
            counts.add(rows)
    return counts


def write_day(*, studio: Studio, clients: Sequence[Client], day: date, zone: ZoneInfo) -> Counts:
    """One day full of confirmed bookings (today's calendar), their reminders already sent."""
    rows = Rows()
    _Day(studio, clients, rows, random.Random(day.toordinal())).write(day, zone, is_past=False)
    rows.write()
    counts = Counts()
    counts.add(rows)
    return counts
