"""A hold confirmed while the sweep releases it, over their own database connections.

These tests commit for real (`transaction=True`, see test_concurrency.py).
"""

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from threading import Barrier, Event

import pytest
from django.db import connection, transaction

from booking import errors
from booking.models import Appointment, AppointmentEvent
from booking.services import (
    Actor,
    ClientDetails,
    book_appointment,
    confirm_held_appointment,
    release_expired_holds,
)
from tests.booking.conftest import NOW, TUESDAY, at

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("migrated_data_around_module"),
]

EXPIRED = NOW + timedelta(minutes=30)


@pytest.fixture(autouse=True)
def holds(settings):
    settings.STUDIO_WEB_BOOKING_HOLD_MINUTES = 30


def hold(offering, clock: str) -> Appointment:
    return book_appointment(
        offering=offering,
        start_at=at(TUESDAY, clock),
        client=ClientDetails("Mira Example", "mira@example.com", "+49 30 1234567"),
        source=Appointment.Source.WEB,
        actor=Actor.guest(),
        now=NOW,
    )


def test_the_sweep_skips_a_hold_whose_row_a_confirmation_has_locked(classical, anna, two_rooms):
    held = hold(classical, "10:00")
    locked, swept = Event(), Event()

    def confirming() -> None:
        try:
            with transaction.atomic():
                Appointment.objects.select_for_update().get(pk=held.pk)
                locked.set()
                swept.wait(timeout=30)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        done = pool.submit(confirming)
        assert locked.wait(timeout=30)
        released_meanwhile = release_expired_holds(now=EXPIRED)
        swept.set()
        done.result(timeout=30)

    assert released_meanwhile == 0
    assert release_expired_holds(now=EXPIRED) == 1


def test_a_confirmation_racing_the_sweep_has_one_outcome(classical, anna, two_rooms):
    """Whichever locks the row first wins; the other changes nothing."""
    for clock in ["10:00", "11:00", "12:00", "14:00", "15:00"]:
        held = hold(classical, clock)
        barrier = Barrier(2)

        def confirm(held=held, barrier=barrier):
            try:
                barrier.wait(timeout=30)
                return confirm_held_appointment(
                    appointment=held, actor=Actor.guest(), now=EXPIRED - timedelta(seconds=1)
                )
            except errors.BookingError as refused:
                return refused
            finally:
                connection.close()

        def sweep(barrier=barrier):
            try:
                barrier.wait(timeout=30)
                return release_expired_holds(now=EXPIRED)
            finally:
                connection.close()

        with ThreadPoolExecutor(max_workers=2) as pool:
            confirmed, released = pool.submit(confirm), pool.submit(sweep)
            outcome, count = confirmed.result(timeout=30), released.result(timeout=30)

        stored = Appointment.objects.get(pk=held.pk)
        events = set(
            AppointmentEvent.objects.filter(appointment=held).values_list("action", flat=True)
        )
        if stored.status == Appointment.Status.CONFIRMED:
            assert isinstance(outcome, Appointment) and count == 0
            assert events == {"booked", "hold_confirmed"}
        else:
            assert stored.status == Appointment.Status.CANCELLED
            assert isinstance(outcome, errors.NotActive) and count == 1
            assert events == {"booked", "hold_expired"}
