"""Bookings that race each other over their own database connections.

Each thread has its own connection (Django gives every thread one) and
waits at a barrier, so all of them ask at once. The services lock, then
check, then write, and the exclusion constraints stand behind them: of
the racers for one time exactly as many win as there is room for, every
other one gets SlotUnavailable, and the losers leave nothing behind.

These tests commit for real (`transaction=True`), so Django empties the
database after each; `serialized_rollback` puts back the catalog that the
data migrations wrote before each of them, and
`migrated_data_around_module` once more after the last.
"""

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from threading import Barrier
from typing import TypeVar

import pytest
from django.db import connection

from booking import errors
from booking.models import Allocation, Appointment, AppointmentEvent, Client, Therapist
from booking.services import (
    Actor,
    ClientDetails,
    book_appointment,
    reschedule_appointment,
)
from catalog.models import Offering
from tests.booking.conftest import NOW, TUESDAY, at
from tests.factories import rooms, vacuum_device

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("migrated_data_around_module"),
]

RACERS = 8


Outcome = Appointment | Exception
# What a racer books: an appointment, or a visit (test_visits_concurrency).
Booked = TypeVar("Booked")


def race(calls: list[Callable[[], Booked]]) -> list[Booked | Exception]:
    """Run every call in its own thread and connection, all released at once."""
    barrier = Barrier(len(calls))

    def run(call: Callable[[], Booked]) -> Booked | Exception:
        try:
            # Connect before the barrier, so that connecting does not space them out.
            connection.ensure_connection()
            barrier.wait(timeout=30)
            return call()
        except Exception as exc:  # the outcome the test inspects
            return exc
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def winners_and_losers(outcomes: list[Outcome]) -> tuple[list[Appointment], list[Exception]]:
    winners = [outcome for outcome in outcomes if isinstance(outcome, Appointment)]
    losers = [outcome for outcome in outcomes if not isinstance(outcome, Appointment)]
    # Losing a race is a 409, never anything else (a deadlock, a 500).
    assert all(isinstance(loser, errors.SlotUnavailable) for loser in losers), losers
    return winners, losers


def booking(
    offering: Offering, start_at: datetime, number: int, therapist: Therapist | None = None
) -> Callable[[], Appointment]:
    """A booking by guest `number`; each guest has an e-mail of their own."""
    return lambda: book_appointment(
        offering=offering,
        start_at=start_at,
        client=ClientDetails(
            name=f"Guest {number}", email=f"guest{number}@example.com", phone="+49 30 1"
        ),
        source="api",
        actor=Actor.guest(),
        therapist=therapist,
        now=NOW,
    )


def rescheduling(appointment: Appointment, start_at: datetime) -> Callable[[], Appointment]:
    return lambda: reschedule_appointment(
        appointment=appointment, start_at=start_at, actor=Actor.guest(), now=NOW
    )


def assert_only_these_were_written(appointments: list[Appointment], allocations_each: int) -> None:
    """The winners' rows, complete, and not one row of any loser."""
    assert set(Appointment.objects.all()) == set(appointments)
    assert all(a.status == Appointment.Status.CONFIRMED for a in appointments)
    for appointment in appointments:
        assert appointment.allocations.filter(is_active=True).count() == allocations_each
        assert list(appointment.events.values_list("action", flat=True)) == ["booked"]
    assert Allocation.objects.count() == allocations_each * len(appointments)
    assert AppointmentEvent.objects.count() == len(appointments)
    assert set(Client.objects.all()) == {a.client for a in appointments}


def assert_losers_stayed_put(losers: list[Appointment], allocations_each: int) -> None:
    """Each loser keeps its old time, its allocations and its history, unchanged."""
    for appointment in losers:
        before = appointment.start_at
        appointment.refresh_from_db()
        assert appointment.start_at == before
        allocations = appointment.allocations.filter(is_active=True)
        assert allocations.count() == allocations_each
        assert all(allocation.start_at == before for allocation in allocations)
        assert list(appointment.events.values_list("action", flat=True)) == ["booked"]


def test_of_many_bookings_of_one_therapists_time_exactly_one_wins(classical, anna, two_rooms):
    start = at(TUESDAY, "10:00")

    outcomes = race([booking(classical, start, n, therapist=anna) for n in range(RACERS)])

    winners, losers = winners_and_losers(outcomes)
    assert len(winners) == 1
    assert len(losers) == RACERS - 1
    assert_only_these_were_written(winners, allocations_each=1)


def test_the_last_vacuum_device_goes_to_exactly_one_of_two_therapists(vacuum, anna, ben, two_rooms):
    device = vacuum_device()
    start = at(TUESDAY, "10:00")
    therapists = [anna, ben]

    outcomes = race([booking(vacuum, start, n, therapist=therapists[n % 2]) for n in range(RACERS)])

    winners, _ = winners_and_losers(outcomes)
    assert len(winners) == 1
    assert_only_these_were_written(winners, allocations_each=2)
    assert winners[0].allocations.filter(resource=device).exists()


def test_the_last_room_goes_to_exactly_one_of_two_massages(classical, vacuum, anna, ben):
    rooms(1)
    vacuum_device()
    start = at(TUESDAY, "10:00")

    outcomes = race(
        [
            booking(classical, start, n, therapist=anna)
            if n % 2
            else booking(vacuum, start, n, therapist=ben)
            for n in range(RACERS)
        ]
    )

    winners, _ = winners_and_losers(outcomes)
    assert len(winners) == 1
    assert_only_these_were_written(
        winners, allocations_each=2 if winners[0].offering == vacuum else 1
    )


def test_bookings_with_any_therapist_fill_exactly_the_therapists_free_then(
    classical, anna, ben, two_rooms
):
    start = at(TUESDAY, "10:00")

    outcomes = race([booking(classical, start, n) for n in range(RACERS)])

    winners, _ = winners_and_losers(outcomes)
    assert len(winners) == 2
    assert {winner.therapist for winner in winners} == {anna, ben}
    assert {winner.allocations.get().resource for winner in winners} == set(two_rooms)
    assert_only_these_were_written(winners, allocations_each=1)


def test_of_reschedules_into_one_therapists_free_time_exactly_one_wins(classical, anna, two_rooms):
    booked = [
        booking(classical, at(TUESDAY, clock), n, therapist=anna)()
        for n, clock in enumerate(["9:00", "10:00", "11:00", "12:00"])
    ]
    target = at(TUESDAY, "15:00")

    outcomes = race([rescheduling(appointment, target) for appointment in booked])

    winners, losers = winners_and_losers(outcomes)
    assert len(winners) == 1
    assert len(losers) == 3
    assert Appointment.objects.filter(start_at=target).get() == winners[0]
    assert_losers_stayed_put([a for a in booked if a != winners[0]], allocations_each=1)


def test_of_reschedules_into_the_last_free_room_exactly_one_wins(classical, anna, ben):
    rooms(1)
    booked = [
        booking(classical, at(TUESDAY, "10:00"), 0, therapist=anna)(),
        booking(classical, at(TUESDAY, "11:00"), 1, therapist=ben)(),
    ]
    target = at(TUESDAY, "15:00")

    outcomes = race([rescheduling(appointment, target) for appointment in booked])

    winners, losers = winners_and_losers(outcomes)
    assert len(winners) == 1
    assert len(losers) == 1
    assert_losers_stayed_put([a for a in booked if a != winners[0]], allocations_each=1)


def test_a_reschedule_and_bookings_into_one_time_let_exactly_one_in(classical, anna, two_rooms):
    moving = booking(classical, at(TUESDAY, "10:00"), 0, therapist=anna)()
    target = at(TUESDAY, "15:00")

    outcomes = race(
        [rescheduling(moving, target)]
        + [booking(classical, target, n, therapist=anna) for n in range(1, RACERS)]
    )

    winners, _ = winners_and_losers(outcomes)
    assert len(winners) == 1
    assert Appointment.objects.filter(start_at=target).get() == winners[0]
    if winners[0] == moving:
        assert Appointment.objects.count() == 1
    else:
        assert_losers_stayed_put([moving], allocations_each=1)
        assert Appointment.objects.count() == 2
