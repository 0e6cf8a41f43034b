"""Bookings of different therapists that race for the same rooms.

A booking locks only its therapists; rooms are not locked. Both
bookings here read the schedule before either writes (each waits for
the other after placing its visit), so both choose the same first room:
the exclusion constraint lets one have it, and the other takes the next
free room, or gets SlotUnavailable (a 409) when none is left. Had
bookings locked the rooms, the second would wait for the first before
placing and never meet it at the barrier.

These tests commit for real, as test_concurrency.py explains.
"""

from collections.abc import Callable
from threading import Barrier
from typing import Any

import pytest

from booking import errors
from booking import visits as engine
from booking.models import Appointment
from booking.services import visits
from tests.booking.conftest import TUESDAY, at
from tests.booking.test_concurrency import (
    assert_only_these_were_written,
    booking,
    race,
    winners_and_losers,
)
from tests.factories import rooms

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("migrated_data_around_module"),
]


@pytest.fixture
def both_placed_before_either_writes(monkeypatch) -> None:
    """Each of two bookings waits, once its visit is placed, until the other has placed its own."""
    barrier = Barrier(2)
    place_visit: Callable[..., Any] = engine.place_visit

    def placed_then_wait(**kwargs: Any) -> Any:
        plan = place_visit(**kwargs)
        barrier.wait(timeout=10)
        return plan

    # Where the booking services find it.
    monkeypatch.setattr(visits, "place_visit", placed_then_wait)


@pytest.mark.usefixtures("both_placed_before_either_writes")
def test_two_therapists_who_chose_the_same_room_both_book_with_two_rooms_free(classical, anna, ben):
    two_rooms = rooms(2)
    start = at(TUESDAY, "10:00")

    outcomes = race(
        [booking(classical, start, 1, therapist=anna), booking(classical, start, 2, ben)]
    )

    winners, losers = winners_and_losers(outcomes)
    assert losers == []
    assert {winner.therapist for winner in winners} == {anna, ben}
    assert {winner.allocations.get().resource for winner in winners} == set(two_rooms)
    assert_only_these_were_written(winners, allocations_each=1)


@pytest.mark.usefixtures("both_placed_before_either_writes")
def test_two_therapists_who_chose_the_last_room_one_books_and_one_gets_a_409(classical, anna, ben):
    [room] = rooms(1)
    start = at(TUESDAY, "10:00")

    outcomes = race(
        [booking(classical, start, 1, therapist=anna), booking(classical, start, 2, ben)]
    )

    winners, losers = winners_and_losers(outcomes)
    assert len(winners) == 1
    assert [loser.code for loser in losers if isinstance(loser, errors.BookingError)] == [
        "slot_unavailable"
    ]
    assert winners[0].allocations.get().resource == room
    assert_only_these_were_written(winners, allocations_each=1)
    assert Appointment.objects.count() == 1
