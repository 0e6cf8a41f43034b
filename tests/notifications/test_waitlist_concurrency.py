"""Two takes of one offer at the same moment, each over its own connection: one booking."""

from concurrent.futures import ThreadPoolExecutor
from datetime import time, timedelta
from threading import Barrier

import pytest
from django.db import connection

from booking.errors import BookingError
from booking.models import AppointmentEvent, Visit
from booking.services.clients import ClientDetails
from notifications import waitlist
from notifications.models import WaitlistOffer
from tests.booking.conftest import NOW, TUESDAY, at

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("migrated_data_around_module"),
]

TAKERS = 4


def test_racing_takes_of_one_offer_make_one_booking(classical, anna, two_rooms, time_machine):
    time_machine.move_to(NOW, tick=False)
    entry = waitlist.join_waitlist(
        details=ClientDetails(name="Nina", email="nina@example.com", phone="+49 30 1111111"),
        offering=classical,
        therapist=None,
        people=1,
        date_from=TUESDAY,
        date_to=TUESDAY,
        time_from=time(9),
        time_to=time(12),
        language="en",
        actor=waitlist.WAITLIST_ACTOR,
        now=NOW,
    )
    offer = waitlist.offer_by_hand(entry=entry, start_at=at(TUESDAY, "10:00"), now=NOW)
    start_line = Barrier(TAKERS)
    made: list[str] = []
    original = waitlist.offer_taken
    waitlist.offer_taken = lambda taken: made.append(str(taken.pk))  # type: ignore[assignment]

    def take() -> str:
        try:
            connection.ensure_connection()
            start_line.wait(timeout=30)
            return str(
                waitlist.take_offer(offer=offer, now=NOW + timedelta(minutes=1)).appointment.pk
            )
        finally:
            connection.close()

    try:
        with ThreadPoolExecutor(TAKERS) as pool:
            booked = set(pool.map(lambda _: take(), range(TAKERS)))
    finally:
        waitlist.offer_taken = original

    assert len(booked) == 1
    assert made == [str(offer.pk)]
    assert Visit.objects.get(pk=offer.visit_id).status == Visit.Status.CONFIRMED
    confirmed = AppointmentEvent.objects.filter(
        appointment__visit_id=offer.visit_id, action=AppointmentEvent.Action.HOLD_CONFIRMED
    )
    assert confirmed.count() == 1
    assert WaitlistOffer.objects.get().status == "taken"


def test_two_offers_cannot_hold_one_time(classical, anna, two_rooms, time_machine):
    """The held visits are bookings like any: the second offer of a time taken is refused."""
    time_machine.move_to(NOW, tick=False)
    entries = [
        waitlist.join_waitlist(
            details=ClientDetails(name=name, email=f"{name}@example.com", phone=""),
            offering=classical,
            therapist=anna,
            people=1,
            date_from=TUESDAY,
            date_to=TUESDAY,
            time_from=time(9),
            time_to=time(12),
            language="en",
            actor=waitlist.WAITLIST_ACTOR,
            now=NOW,
        )
        for name in ("nina", "otto")
    ]
    start_line = Barrier(2)

    def offer(entry) -> str:
        try:
            connection.ensure_connection()
            start_line.wait(timeout=30)
            waitlist.offer_by_hand(entry=entry, start_at=at(TUESDAY, "10:00"), now=NOW)
            return "offered"
        except BookingError as error:
            return error.code
        finally:
            connection.close()

    with ThreadPoolExecutor(2) as pool:
        outcomes = sorted(pool.map(offer, entries))

    assert outcomes == ["offered", "slot_unavailable"]
    assert WaitlistOffer.objects.count() == 1
