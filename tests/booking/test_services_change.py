from datetime import timedelta

import pytest

from booking import errors
from booking.availability import available_slots
from booking.models import Appointment, AppointmentEvent
from booking.services import (
    Actor,
    book_appointment,
    cancel_appointment,
    mark_appointment,
    reschedule_appointment,
)
from tests.booking.conftest import NOW, TUESDAY, at
from tests.factories import vacuum_device

pytestmark = pytest.mark.django_db


def offered(offering) -> list:
    slots = available_slots(offering=offering, start_on=TUESDAY, end_on=TUESDAY, now=NOW)
    return [slot.start_at for slot in slots]


def test_a_cancelled_appointment_frees_its_time_at_once(booked, classical):
    assert at(TUESDAY, "10:00") not in offered(classical)

    cancel_appointment(appointment=booked, actor=Actor.guest(), reason="ill", now=NOW)

    booked.refresh_from_db()
    assert booked.status == Appointment.Status.CANCELLED
    assert not booked.allocations.filter(is_active=True).exists()
    assert at(TUESDAY, "10:00") in offered(classical)
    event = booked.events.latest("created_at", "id")
    assert (event.action, event.actor, event.details) == ("cancelled", "guest", {"reason": "ill"})


def test_a_cancelled_appointment_cannot_be_cancelled_again(booked):
    cancel_appointment(appointment=booked, actor=Actor.guest(), now=NOW)

    with pytest.raises(errors.NotActive):
        cancel_appointment(appointment=booked, actor=Actor.guest(), now=NOW)


def test_guests_cannot_cancel_after_the_cut_off(booked):
    late = booked.start_at - timedelta(hours=23)

    with pytest.raises(errors.CancellationClosed, match="24 hours"):
        cancel_appointment(appointment=booked, actor=Actor.guest(), now=late)

    booked.refresh_from_db()
    assert booked.status == Appointment.Status.CONFIRMED


def test_staff_can_cancel_after_the_cut_off(booked, staff):
    late = booked.start_at - timedelta(hours=1)

    cancel_appointment(appointment=booked, actor=staff, now=late)

    booked.refresh_from_db()
    assert booked.status == Appointment.Status.CANCELLED
    assert booked.events.latest("created_at", "id").user == staff.user


def test_rescheduling_moves_the_appointment_and_frees_the_old_time(booked, classical):
    reschedule_appointment(
        appointment=booked, start_at=at(TUESDAY, "15:00"), actor=Actor.guest(), now=NOW
    )

    booked.refresh_from_db()
    assert (booked.start_at, booked.end_at) == (at(TUESDAY, "15:00"), at(TUESDAY, "15:30"))
    assert booked.allocations.get().start_at == at(TUESDAY, "15:00")
    assert at(TUESDAY, "10:00") in offered(classical)
    assert at(TUESDAY, "15:00") not in offered(classical)
    event = booked.events.latest("created_at", "id")
    assert event.action == AppointmentEvent.Action.RESCHEDULED


def test_rescheduling_may_overlap_the_appointments_own_old_time(booked):
    reschedule_appointment(
        appointment=booked, start_at=at(TUESDAY, "10:15"), actor=Actor.guest(), now=NOW
    )

    booked.refresh_from_db()
    assert booked.start_at == at(TUESDAY, "10:15")


def test_rescheduling_into_a_taken_time_is_refused_and_changes_nothing(
    booked, classical, guest_details
):
    book_appointment(
        offering=classical,
        start_at=at(TUESDAY, "15:00"),
        client=guest_details,
        source="api",
        actor=Actor.guest(),
        now=NOW,
    )

    with pytest.raises(errors.SlotUnavailable):
        reschedule_appointment(
            appointment=booked, start_at=at(TUESDAY, "15:00"), actor=Actor.guest(), now=NOW
        )

    booked.refresh_from_db()
    assert booked.start_at == at(TUESDAY, "10:00")
    assert booked.allocations.get().start_at == at(TUESDAY, "10:00")


def test_rescheduling_off_the_grid_is_refused(booked):
    with pytest.raises(errors.OffStep):
        reschedule_appointment(
            appointment=booked, start_at=at(TUESDAY, "15:07"), actor=Actor.guest(), now=NOW
        )


def test_a_rescheduled_vacuum_massage_takes_the_device_at_the_new_time(
    vacuum, anna, two_rooms, guest_details
):
    device = vacuum_device()
    appointment = book_appointment(
        offering=vacuum,
        start_at=at(TUESDAY, "10:00"),
        client=guest_details,
        source="api",
        actor=Actor.guest(),
        now=NOW,
    )

    reschedule_appointment(
        appointment=appointment, start_at=at(TUESDAY, "15:00"), actor=Actor.guest(), now=NOW
    )

    allocation = appointment.allocations.get(resource=device)
    assert allocation.start_at == at(TUESDAY, "15:00")
    assert appointment.allocations.count() == 2


def test_staff_mark_a_started_appointment_completed(booked, staff):
    mark_appointment(
        appointment=booked,
        status="completed",
        actor=staff,
        now=booked.start_at + timedelta(minutes=40),
    )

    booked.refresh_from_db()
    assert booked.status == Appointment.Status.COMPLETED


def test_an_appointment_cannot_be_marked_before_it_starts(booked, staff):
    with pytest.raises(errors.BookingError, match="once it has started"):
        mark_appointment(appointment=booked, status="no_show", actor=staff, now=NOW)
