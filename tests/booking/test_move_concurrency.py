"""Moves at the desk racing each other and bookings, over their own connections.

As in `test_concurrency`: each racer has its own connection and waits
at a barrier. The move locks its visit and the therapists it may take,
then places and writes, and the exclusion constraints stand behind it:
of two moves into one time one wins, the other is SlotUnavailable and
its visit stays where it was.
"""

from collections.abc import Callable
from datetime import time

import pytest

from booking import errors
from booking.models import Allocation, Appointment, Therapist, Visit
from booking.services import Actor, ClientDetails, book_appointment, move_visit
from catalog.models import Offering
from tests.booking.conftest import NOW, TUESDAY, at
from tests.booking.test_concurrency import race
from tests.factories import TherapistFactory, give_hours, rooms

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("migrated_data_around_module"),
]

DESK = Actor(label="desk", is_staff=True)


def therapist(name: str) -> Therapist:
    made = TherapistFactory.create(name=name, slug=name.lower())
    give_hours(made, (time(9), time(18)), weekdays=range(6))
    return made


def booked(offering: Offering, who: Therapist, clock: str, number: int) -> Appointment:
    return book_appointment(
        offering=offering,
        start_at=at(TUESDAY, clock),
        therapist=who,
        client=ClientDetails(
            name=f"Guest {number}", email=f"guest{number}@example.com", phone="+49 30 1234567"
        ),
        source="desk",
        actor=DESK,
        now=NOW,
    )


def moving(
    appointment: Appointment, clock: str, to: Therapist | None = None
) -> Callable[[], Visit]:
    return lambda: move_visit(
        visit=appointment.visit,
        start_at=at(TUESDAY, clock),
        therapists={appointment.pk: to} if to else None,
        actor=DESK,
        now=NOW,
    )


def outcomes_of(outcomes: list) -> tuple[list, list]:
    won = [outcome for outcome in outcomes if not isinstance(outcome, Exception)]
    lost = [outcome for outcome in outcomes if isinstance(outcome, Exception)]
    # Losing a race is a 409, never anything else (a deadlock, a 500).
    assert all(isinstance(loser, errors.SlotUnavailable) for loser in lost), lost
    return won, lost


def foot() -> Offering:
    return Offering.objects.select_related("massage_type").get(slug="classical-foot-30")


def test_of_two_moves_into_one_time_of_one_therapist_one_wins():
    anna = therapist("Anna")
    rooms(4)
    first = booked(foot(), anna, "10:00", 1)
    second = booked(foot(), anna, "11:00", 2)

    won, lost = outcomes_of(race([moving(first, "15:00"), moving(second, "15:00")]))

    assert (len(won), len(lost)) == (1, 1)
    starts = sorted(Appointment.objects.values_list("start_at", flat=True))
    assert at(TUESDAY, "15:00") in starts
    # The loser stayed where it was.
    assert len(set(starts)) == 2
    assert Appointment.objects.filter(start_at=at(TUESDAY, "15:00")).count() == 1


def test_of_two_visits_given_to_one_free_therapist_at_once_one_gets_her():
    anna, ben, dora = therapist("Anna"), therapist("Ben"), therapist("Dora")
    rooms(4)
    first = booked(foot(), anna, "10:00", 1)
    second = booked(foot(), ben, "10:00", 2)

    won, lost = outcomes_of(
        race([moving(first, "10:00", to=dora), moving(second, "10:00", to=dora)])
    )

    assert (len(won), len(lost)) == (1, 1)
    assert Appointment.objects.filter(therapist=dora).count() == 1
    assert set(Appointment.objects.values_list("status", flat=True)) == {"confirmed"}


def test_a_move_racing_a_booking_into_the_same_time_never_shares_the_therapist():
    anna = therapist("Anna")
    rooms(4)
    visit = booked(foot(), anna, "10:00", 1)

    racers: list[Callable[[], object]] = [
        moving(visit, "15:00"),
        lambda: booked(foot(), anna, "15:00", 2),
    ]
    won, lost = outcomes_of(race(racers))

    assert (len(won), len(lost)) == (1, 1)
    at_three = Appointment.objects.filter(therapist=anna, start_at=at(TUESDAY, "15:00"))
    assert at_three.exclude(status="cancelled").count() == 1
    # Every appointment still holds exactly one room, and no room twice at once.
    assert Allocation.objects.filter(is_active=True).count() == Appointment.objects.count()


def test_a_move_racing_a_booking_for_the_last_room_leaves_one_in_it():
    anna, ben = therapist("Anna"), therapist("Ben")
    [room] = rooms(1)
    visit = booked(foot(), anna, "10:00", 1)

    racers: list[Callable[[], object]] = [
        moving(visit, "15:00"),
        lambda: booked(foot(), ben, "15:00", 2),
    ]
    won, lost = outcomes_of(race(racers))

    assert (len(won), len(lost)) == (1, 1)
    in_the_room = Allocation.objects.filter(
        resource=room, is_active=True, start_at=at(TUESDAY, "15:00")
    )
    assert in_the_room.count() == 1
