"""Desks booking the same new phone number at once, over their own connections.

A client booked at the desk with a phone and no e-mail is found by the
number (`clients._client_by_phone`). Racing desks that each find no
record with a new number would each make one; the lookup waits on a
PostgreSQL lock on the number, so they share one record.
"""

from datetime import time

import pytest

from booking.models import Appointment, Client
from booking.services import Actor, ClientDetails, WantedAppointment, book_visit
from catalog.models import Offering
from tests.booking.conftest import NOW, TUESDAY, at
from tests.booking.test_concurrency import race
from tests.factories import TherapistFactory, give_hours, rooms

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("migrated_data_around_module"),
]

DESKS = 6
PHONE = "+493055501234"


def desk_booking(offering: Offering, clock: str, number: int):
    return lambda: book_visit(
        appointments=[WantedAppointment(offering=offering, start_at=at(TUESDAY, clock))],
        client=ClientDetails(name=f"Walk-in {number}", email="", phone=PHONE),
        source=Appointment.Source.DESK,
        actor=Actor(label=f"desk {number}", is_staff=True),
        now=NOW,
    )


def test_desks_booking_one_new_phone_at_once_make_one_client():
    anna = TherapistFactory.create(name="Anna", slug="anna")
    give_hours(anna, (time(9), time(18)), weekdays=range(6))
    rooms(1)
    foot = Offering.objects.get(slug="classical-foot-30")

    outcomes = race([desk_booking(foot, f"{10 + number}:00", number) for number in range(DESKS)])

    assert not [outcome for outcome in outcomes if isinstance(outcome, Exception)], outcomes
    assert Client.objects.filter(phone=PHONE).count() == 1
    clients = set(Appointment.objects.values_list("client_id", flat=True))
    assert clients == {Client.objects.get(phone=PHONE).pk}
