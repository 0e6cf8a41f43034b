"""The database's own guards, met by writers that bypass the booking service.

The shell, the admin or a careless data fix write rows with the ORM; the
exclusion constraints (PostgreSQL) and the check constraint (any database)
must refuse what the services would never write.
"""

from datetime import datetime, timedelta

import pytest
from django.db import IntegrityError, transaction

from booking import availability, errors
from booking.models import (
    LONGEST_HOLD,
    Allocation,
    Appointment,
    Client,
    Resource,
    Therapist,
)
from booking.services import Actor, book_appointment
from booking.visits import MAX_APPOINTMENTS
from catalog.models import Offering
from tests.booking.conftest import NOW, TUESDAY, at
from tests.factories import visit_for

pytestmark = pytest.mark.django_db

THERAPIST_OVERLAP = "booking_appointment_no_therapist_overlap"
RESOURCE_OVERLAP = "booking_allocation_no_resource_overlap"
TIMES_ORDERED = "booking_appointment_times_ordered"


@pytest.fixture
def client_row(db) -> Client:
    return Client.objects.create(name="Mira Example", email="mira@example.com", phone="+49 30 1")


def write_appointment(
    offering: Offering,
    therapist: Therapist,
    client: Client,
    start_at: datetime,
    *,
    minutes: int = 30,
    buffer: int = 10,
    status: str = Appointment.Status.CONFIRMED,
) -> Appointment:
    """An appointment saved straight with the ORM, as the shell or admin could."""
    return Appointment.objects.create(
        visit=visit_for(client, start_at, start_at + timedelta(minutes=30)),
        client=client,
        offering=offering,
        therapist=therapist,
        start_at=start_at,
        end_at=start_at + timedelta(minutes=minutes),
        blocked_until=start_at + timedelta(minutes=minutes + buffer),
        status=status,
        source=Appointment.Source.ADMIN,
        price=offering.price,
        currency=offering.currency,
    )


def write_allocation(
    appointment: Appointment, resource: Resource, *, is_active: bool = True
) -> Allocation:
    return Allocation.objects.create(
        visit_id=appointment.visit_id,
        appointment=appointment,
        resource=resource,
        start_at=appointment.start_at,
        blocked_until=appointment.blocked_until,
        is_active=is_active,
    )


# One therapist --------------------------------------------------------------


@pytest.mark.postgres
def test_the_database_refuses_an_overlapping_appointment_for_one_therapist(
    classical, anna, client_row
):
    write_appointment(classical, anna, client_row, at(TUESDAY, "10:00"))

    with pytest.raises(IntegrityError, match=THERAPIST_OVERLAP), transaction.atomic():
        write_appointment(classical, anna, client_row, at(TUESDAY, "10:15"))

    assert Appointment.objects.count() == 1


@pytest.mark.postgres
def test_the_database_refuses_an_appointment_inside_another_ones_buffer(
    classical, anna, client_row
):
    # 10:00-10:30 plus ten minutes' cleanup: 10:35 is after the massage but in the buffer.
    write_appointment(classical, anna, client_row, at(TUESDAY, "10:00"))

    with pytest.raises(IntegrityError, match=THERAPIST_OVERLAP), transaction.atomic():
        write_appointment(classical, anna, client_row, at(TUESDAY, "10:35"))


@pytest.mark.postgres
def test_the_database_refuses_an_appointment_whose_buffer_reaches_the_next_one(
    classical, anna, client_row
):
    write_appointment(classical, anna, client_row, at(TUESDAY, "10:00"))

    # 9:25-9:55 plus ten minutes' cleanup runs into 10:00.
    with pytest.raises(IntegrityError, match=THERAPIST_OVERLAP), transaction.atomic():
        write_appointment(classical, anna, client_row, at(TUESDAY, "9:25"))


@pytest.mark.postgres
def test_the_database_refuses_moving_an_appointment_onto_another(classical, anna, client_row):
    write_appointment(classical, anna, client_row, at(TUESDAY, "10:00"))
    later = write_appointment(classical, anna, client_row, at(TUESDAY, "11:00"))

    later.start_at, later.end_at, later.blocked_until = (
        at(TUESDAY, "10:10"),
        at(TUESDAY, "10:40"),
        at(TUESDAY, "10:50"),
    )
    with pytest.raises(IntegrityError, match=THERAPIST_OVERLAP), transaction.atomic():
        later.save()


@pytest.mark.postgres
def test_appointments_that_touch_buffer_included_are_allowed(classical, anna, client_row):
    first = write_appointment(classical, anna, client_row, at(TUESDAY, "10:00"))

    second = write_appointment(classical, anna, client_row, first.blocked_until)

    assert second.start_at == at(TUESDAY, "10:40")
    assert Appointment.objects.count() == 2


@pytest.mark.postgres
def test_a_cancelled_appointment_does_not_hold_its_time_in_the_database(
    classical, anna, client_row
):
    write_appointment(
        classical, anna, client_row, at(TUESDAY, "10:00"), status=Appointment.Status.CANCELLED
    )

    write_appointment(classical, anna, client_row, at(TUESDAY, "10:00"))

    assert Appointment.objects.filter(status=Appointment.Status.CONFIRMED).count() == 1


@pytest.mark.postgres
def test_the_database_refuses_to_revive_a_cancelled_appointment_over_a_newer_one(
    classical, anna, client_row
):
    cancelled = write_appointment(
        classical, anna, client_row, at(TUESDAY, "10:00"), status=Appointment.Status.CANCELLED
    )
    write_appointment(classical, anna, client_row, at(TUESDAY, "10:00"))

    cancelled.status = Appointment.Status.CONFIRMED
    with pytest.raises(IntegrityError, match=THERAPIST_OVERLAP), transaction.atomic():
        cancelled.save(update_fields=["status"])


@pytest.mark.postgres
def test_two_therapists_may_take_the_same_time(classical, anna, ben, client_row):
    write_appointment(classical, anna, client_row, at(TUESDAY, "10:00"))

    write_appointment(classical, ben, client_row, at(TUESDAY, "10:00"))

    assert Appointment.objects.count() == 2


# One resource ---------------------------------------------------------------


@pytest.mark.postgres
def test_the_database_refuses_two_overlapping_allocations_of_one_room(
    classical, anna, ben, two_rooms, client_row
):
    room = two_rooms[0]
    write_allocation(write_appointment(classical, anna, client_row, at(TUESDAY, "10:00")), room)
    other = write_appointment(classical, ben, client_row, at(TUESDAY, "10:35"))

    with pytest.raises(IntegrityError, match=RESOURCE_OVERLAP), transaction.atomic():
        write_allocation(other, room)

    assert not other.allocations.exists()


@pytest.mark.postgres
def test_an_inactive_allocation_does_not_hold_its_room(classical, anna, ben, two_rooms, client_row):
    room = two_rooms[0]
    first = write_appointment(
        classical, anna, client_row, at(TUESDAY, "10:00"), status=Appointment.Status.CANCELLED
    )
    write_allocation(first, room, is_active=False)

    write_allocation(write_appointment(classical, ben, client_row, at(TUESDAY, "10:00")), room)

    assert Allocation.objects.filter(resource=room, is_active=True).count() == 1


@pytest.mark.postgres
def test_allocations_that_touch_buffer_included_are_allowed(
    classical, anna, ben, two_rooms, client_row
):
    room = two_rooms[0]
    first = write_appointment(classical, anna, client_row, at(TUESDAY, "10:00"))
    write_allocation(first, room)

    write_allocation(write_appointment(classical, ben, client_row, first.blocked_until), room)

    assert Allocation.objects.filter(resource=room).count() == 2


@pytest.mark.postgres
def test_two_rooms_may_be_taken_at_the_same_time(classical, anna, ben, two_rooms, client_row):
    write_allocation(
        write_appointment(classical, anna, client_row, at(TUESDAY, "10:00")), two_rooms[0]
    )

    write_allocation(
        write_appointment(classical, ben, client_row, at(TUESDAY, "10:00")), two_rooms[1]
    )

    assert Allocation.objects.count() == 2


# The service behind the constraint -------------------------------------------


@pytest.mark.postgres
def test_a_booking_the_constraint_refuses_reaches_the_caller_as_unavailable(
    classical, anna, two_rooms, guest_details, client_row, monkeypatch
):
    taken = write_appointment(classical, anna, client_row, at(TUESDAY, "10:00"))
    real_load_schedules = availability.load_schedules

    def blind_to_the_taken_time(**kwargs):
        # The check misses the appointment, as a check racing its insert would.
        return real_load_schedules(**kwargs, ignore_appointment=taken.id)

    monkeypatch.setattr("booking.visits.load_schedules", blind_to_the_taken_time)

    with pytest.raises(errors.SlotUnavailable) as raised:
        book_appointment(
            offering=classical,
            start_at=at(TUESDAY, "10:00"),
            client=guest_details,
            source="api",
            actor=Actor.guest(),
            therapist=anna,
            now=NOW,
        )

    assert isinstance(raised.value.__cause__, IntegrityError)
    assert list(Appointment.objects.all()) == [taken]
    assert not Allocation.objects.exists()


# How long one row may hold ------------------------------------------------------

HOLD_BOUNDED = "booking_appointment_hold_bounded"
ALLOCATION_HOLD_BOUNDED = "booking_allocation_hold_bounded"


@pytest.mark.postgres
def test_the_database_refuses_an_appointment_that_holds_longer_than_the_longest_hold(
    classical, anna, client_row
):
    minutes = int(LONGEST_HOLD.total_seconds() // 60)

    with pytest.raises(IntegrityError, match=HOLD_BOUNDED), transaction.atomic():
        write_appointment(classical, anna, client_row, at(TUESDAY, "10:00"), minutes=minutes + 1)


@pytest.mark.postgres
def test_the_database_refuses_an_allocation_that_holds_longer_than_the_longest_hold(
    classical, anna, two_rooms, client_row
):
    appointment = write_appointment(classical, anna, client_row, at(TUESDAY, "10:00"))

    with pytest.raises(IntegrityError, match=ALLOCATION_HOLD_BOUNDED), transaction.atomic():
        Allocation.objects.create(
            visit_id=appointment.visit_id,
            resource=two_rooms[0],
            start_at=appointment.start_at,
            blocked_until=appointment.start_at + LONGEST_HOLD + timedelta(seconds=1),
        )


def test_the_longest_visit_the_services_can_write_fits_the_longest_hold():
    duration = Offering._meta.get_field("duration_minutes")
    buffer = Offering._meta.get_field("buffer_minutes")
    longest = max(v.limit_value for v in duration.validators if hasattr(v, "limit_value"))
    cleanup = max(v.limit_value for v in buffer.validators if hasattr(v, "limit_value"))

    assert MAX_APPOINTMENTS * timedelta(minutes=longest + cleanup) <= LONGEST_HOLD


def test_an_appointment_that_began_the_day_before_still_holds_its_therapist(
    classical, anna, client_row
):
    # Read with a lower bound on its start: a long hold that began well
    # before the window is still seen.
    start_at = at(TUESDAY, "10:00") - timedelta(hours=30)
    write_appointment(classical, anna, client_row, start_at, minutes=31 * 60)

    schedule = availability.load_schedule(
        offering=classical,
        window_start=at(TUESDAY, "10:00"),
        window_end=at(TUESDAY, "11:00"),
    )

    assert not availability.is_therapist_free(
        schedule, anna.id, availability.seconds(at(TUESDAY, "10:00"))
    )


# Every database ---------------------------------------------------------------


def test_the_database_refuses_an_appointment_that_ends_when_it_starts(classical, anna, client_row):
    with pytest.raises(IntegrityError, match=TIMES_ORDERED), transaction.atomic():
        write_appointment(classical, anna, client_row, at(TUESDAY, "10:00"), minutes=0)


def test_the_database_refuses_an_appointment_that_ends_before_it_starts(
    classical, anna, client_row
):
    with pytest.raises(IntegrityError, match=TIMES_ORDERED), transaction.atomic():
        write_appointment(classical, anna, client_row, at(TUESDAY, "10:00"), minutes=-30, buffer=40)


def test_the_database_refuses_an_appointment_blocked_for_less_than_it_lasts(
    classical, anna, client_row
):
    with pytest.raises(IntegrityError, match=TIMES_ORDERED), transaction.atomic():
        write_appointment(classical, anna, client_row, at(TUESDAY, "10:00"), buffer=-5)


def test_an_appointment_without_a_buffer_is_allowed(classical, anna, client_row):
    appointment = write_appointment(classical, anna, client_row, at(TUESDAY, "10:00"), buffer=0)

    appointment.refresh_from_db()
    assert appointment.blocked_until == appointment.end_at
