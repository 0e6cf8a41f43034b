"""Visits that race each other, and single bookings, over their own connections.

As in `test_concurrency`: each thread has its own connection and waits
at a barrier, the services lock, then check, then write, and the
exclusion constraints stand behind them. A visit is all or nothing: a
loser leaves no appointment, no allocation, no half visit.
"""

from collections.abc import Callable
from datetime import time

import pytest

from booking import errors
from booking.models import Allocation, Appointment, Resource, Therapist, Visit
from booking.services import Actor, ClientDetails, WantedAppointment, book_appointment, book_visit
from catalog.models import Offering, ResourceKind
from tests.booking.conftest import NOW, TUESDAY, at
from tests.booking.test_concurrency import race
from tests.factories import ResourceFactory, TherapistFactory, give_hours, rooms

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("migrated_data_around_module"),
]

RACERS = 8
DESK = Actor(label="desk", is_staff=True)


def guest(number: int) -> ClientDetails:
    return ClientDetails(
        name=f"Guest {number}", email=f"guest{number}@example.com", phone="+49 30 1234567"
    )


def therapists(count: int) -> list[Therapist]:
    made = []
    for number in range(count):
        therapist = TherapistFactory.create(name=f"T{number}", slug=f"t-{number}")
        give_hours(therapist, (time(9), time(18)), weekdays=range(6))
        made.append(therapist)
    return made


def room_for_two() -> Resource:
    return ResourceFactory.create(
        name="Room for two", kind=ResourceKind.objects.get(slug="room"), capacity=2
    )


def for_two() -> Offering:
    offering = Offering.objects.select_related("massage_type").get(slug="classical-foot-30")
    offering.max_people = 2
    offering.save(update_fields=["max_people"])
    return offering


def couples_booking(
    offering: Offering, number: int, pair: tuple[Therapist | None, Therapist | None] = (None, None)
) -> Callable[[], Visit]:
    start_at = at(TUESDAY, "10:00")
    return lambda: book_visit(
        appointments=[
            WantedAppointment(offering=offering, start_at=start_at, therapist=pair[0]),
            WantedAppointment(offering=offering, start_at=start_at, therapist=pair[1]),
        ],
        client=guest(number),
        source="api",
        actor=DESK,
        now=NOW,
    )


def only_refusals(losers: list[object]) -> None:
    # Losing a race is a 409, never anything else (a deadlock, a 500).
    assert all(isinstance(loser, errors.SlotUnavailable) for loser in losers), losers


def test_of_many_couples_racing_for_the_last_room_for_two_one_wins_whole():
    offering = for_two()
    therapists(2 * RACERS)
    room = room_for_two()

    outcomes = race([couples_booking(offering, number) for number in range(RACERS)])

    winners = [outcome for outcome in outcomes if isinstance(outcome, Visit)]
    only_refusals([outcome for outcome in outcomes if not isinstance(outcome, Visit)])
    assert len(winners) == 1
    assert list(Visit.objects.values_list("id", flat=True)) == [winners[0].id]
    assert Appointment.objects.filter(visit=winners[0]).count() == 2
    assert Appointment.objects.count() == 2
    allocation = Allocation.objects.get()
    assert (allocation.resource_id, allocation.visit_id) == (room.id, winners[0].id)


def test_a_couples_visit_racing_single_bookings_of_its_therapist_never_shares_her():
    offering = for_two()
    anna, ben = therapists(2)
    rooms(RACERS)
    room_for_two()

    def single(number: int) -> Callable[[], Visit | Appointment]:
        return lambda: book_appointment(
            offering=offering,
            start_at=at(TUESDAY, "10:00"),
            client=guest(number),
            source="api",
            actor=DESK,
            therapist=anna,
            now=NOW,
        )

    racers: list[Callable[[], Visit | Appointment]] = [couples_booking(offering, 0, (anna, ben))]
    racers += [single(number) for number in range(1, RACERS)]
    outcomes = race(racers)

    only_refusals([o for o in outcomes if not isinstance(o, Visit | Appointment)])
    assert len([o for o in outcomes if isinstance(o, Visit | Appointment)]) == 1
    annas = Appointment.objects.filter(therapist=anna).exclude(status="cancelled")
    assert annas.count() == 1
    # No half visit: the couple has both appointments or none.
    sizes = {visit.appointments.count() for visit in Visit.objects.all()}
    assert sizes in ({2}, {1})
    assert not Allocation.objects.filter(visit__appointments__isnull=True).exists()
