import itertools
from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.db import connection

from booking.availability import available_slots
from booking.models import TimeOff
from booking.services import Actor, book_appointment
from tests.booking.conftest import MONDAY, NOW, TUESDAY, at
from tests.factories import TherapistFactory, give_hours, vacuum_device

pytestmark = pytest.mark.django_db


def starts(slots) -> list[datetime]:
    return [slot.start_at for slot in slots]


def test_slots_fill_the_working_hours_on_the_grid_and_leave_out_lunch(classical, anna, two_rooms):
    slots = available_slots(offering=classical, start_on=TUESDAY, end_on=TUESDAY, now=NOW)

    # 9:00-13:00 and 14:00-18:00 with 30 minutes each: 9:00 … 12:30, 14:00 … 17:30.
    assert starts(slots)[0] == at(TUESDAY, "9:00")
    assert starts(slots)[-1] == at(TUESDAY, "17:30")
    assert at(TUESDAY, "12:30") in starts(slots)
    assert at(TUESDAY, "12:45") not in starts(slots)
    assert at(TUESDAY, "13:30") not in starts(slots)
    assert len(slots) == 15 + 15
    assert all(slot.end_at - slot.start_at == timedelta(minutes=30) for slot in slots)
    assert all(slot.therapist_ids == (anna.id,) for slot in slots)


def test_no_slot_comes_sooner_than_the_minimum_notice(classical, anna, two_rooms):
    now = at(MONDAY, "10:05")

    slots = available_slots(offering=classical, start_on=MONDAY, end_on=MONDAY, now=now)

    assert starts(slots)[0] == at(MONDAY, "12:15")


def test_no_slot_lies_beyond_the_booking_horizon(classical, anna, two_rooms):
    last_day = (NOW + timedelta(days=60)).date()

    slots = available_slots(
        offering=classical, start_on=last_day, end_on=last_day + timedelta(days=3), now=NOW
    )

    assert slots
    assert max(starts(slots)) <= NOW + timedelta(days=60)


def test_sunday_without_hours_has_no_slots(classical, anna, two_rooms):
    sunday = date(2027, 3, 7)

    assert available_slots(offering=classical, start_on=sunday, end_on=sunday, now=NOW) == []


def test_an_appointment_blocks_its_time_and_its_buffer(classical, anna, two_rooms, guest_details):
    book_appointment(
        offering=classical,
        start_at=at(TUESDAY, "10:00"),
        client=guest_details,
        source="api",
        actor=Actor.guest(),
        now=NOW,
    )

    free = starts(available_slots(offering=classical, start_on=TUESDAY, end_on=TUESDAY, now=NOW))

    # Booked 10:00-10:30 plus 10 minutes' buffer; a new one also needs its
    # 10 minutes after it before the next appointment.
    assert at(TUESDAY, "9:15") in free
    assert at(TUESDAY, "9:30") not in free  # 9:30-10:00 + buffer runs into 10:00
    assert at(TUESDAY, "10:15") not in free
    assert at(TUESDAY, "10:30") not in free  # inside the buffer until 10:40
    assert at(TUESDAY, "10:45") in free


def test_time_off_and_studio_closures_remove_slots(classical, anna, ben, two_rooms):
    TimeOff.objects.create(
        therapist=anna, start_at=at(TUESDAY, "9:00"), end_at=at(TUESDAY, "12:00")
    )
    TimeOff.objects.create(
        therapist=None, start_at=at(TUESDAY, "15:00"), end_at=at(TUESDAY, "16:00")
    )

    slots = {s.start_at: s.therapist_ids for s in available_slots(
        offering=classical, start_on=TUESDAY, end_on=TUESDAY, now=NOW
    )}  # fmt: skip

    assert slots[at(TUESDAY, "9:00")] == (ben.id,)
    assert slots[at(TUESDAY, "12:00")] == tuple(sorted((anna.id, ben.id)))
    assert at(TUESDAY, "15:00") not in slots
    assert at(TUESDAY, "14:30") not in slots  # would run into the closure


def test_a_slot_needs_a_free_resource_of_every_kind(vacuum, anna, ben, two_rooms, guest_details):
    vacuum_device()
    book_appointment(
        offering=vacuum,
        start_at=at(TUESDAY, "10:00"),
        therapist=ben,
        client=guest_details,
        source="api",
        actor=Actor.guest(),
        now=NOW,
    )

    free = starts(available_slots(offering=vacuum, start_on=TUESDAY, end_on=TUESDAY, now=NOW))

    # Anna is free at 10:00 and a room is free, but the one device is not.
    assert at(TUESDAY, "10:00") not in free
    assert at(TUESDAY, "11:00") in free


def test_without_the_equipment_nothing_is_offered(vacuum, anna, two_rooms):
    assert available_slots(offering=vacuum, start_on=TUESDAY, end_on=TUESDAY, now=NOW) == []


def test_a_therapist_without_the_skill_is_never_offered(classical, two_rooms):
    thai_only = TherapistFactory.create(skills=["thai"])
    give_hours(thai_only, (time(9), time(18)))

    assert available_slots(offering=classical, start_on=TUESDAY, end_on=TUESDAY, now=NOW) == []


def test_slots_can_be_asked_for_one_therapist(classical, anna, ben, two_rooms):
    slots = available_slots(
        offering=classical, start_on=TUESDAY, end_on=TUESDAY, therapist_id=ben.id, now=NOW
    )

    assert {slot.therapist_ids for slot in slots} == {(ben.id,)}
    assert at(TUESDAY, "13:00") in starts(slots)  # Ben takes no lunch break


def test_a_month_costs_the_same_queries_as_a_day(
    classical, anna, ben, two_rooms, django_assert_num_queries
):
    # therapists, working hours (on PostgreSQL read with the
    # therapists), resource kinds with their resources, time off with
    # appointments and allocations (on PostgreSQL sent with the
    # resources, booking.statements.read_together).
    queries = 2 if connection.vendor == "postgresql" else 4
    with django_assert_num_queries(queries):
        available_slots(offering=classical, start_on=TUESDAY, end_on=TUESDAY, now=NOW)
    with django_assert_num_queries(queries):
        available_slots(
            offering=classical, start_on=TUESDAY, end_on=TUESDAY + timedelta(days=30), now=NOW
        )


class TestDaylightSaving:
    """Europe/Berlin: clocks go forward on 28 March 2027 and back on 31 October 2027."""

    @pytest.fixture
    def night_owl(self, db):
        therapist = TherapistFactory.create(name="Nora", slug="nora", skills=["classical"])
        give_hours(therapist, (time(0), time(6)), (time(9), time(12)), weekdays=[6])
        return therapist

    def test_the_short_night_in_spring_has_five_real_hours_of_slots(
        self, classical, night_owl, two_rooms
    ):
        day = date(2027, 3, 28)
        slots = available_slots(offering=classical, start_on=day, end_on=day, now=NOW)
        night = [s.start_at for s in slots if s.start_at < at(day, "9:00")]

        # 00:00 CET (23:00 UTC) to 06:00 CEST (04:00 UTC) is five hours.
        assert night[0] == datetime(2027, 3, 27, 23, 0, tzinfo=UTC)
        assert night[-1] == datetime(2027, 3, 28, 3, 30, tzinfo=UTC)
        assert len(night) == len(set(night)) == 19
        assert all(b - a == timedelta(minutes=15) for a, b in itertools.pairwise(night))
        # After the change the morning is in summer time: 9:00 is 7:00 UTC.
        assert at(day, "9:00") == datetime(2027, 3, 28, 7, 0, tzinfo=UTC)
        assert datetime(2027, 3, 28, 7, 0, tzinfo=UTC) in [s.start_at for s in slots]

    def test_the_long_night_in_autumn_has_seven_real_hours_of_slots(
        self, classical, night_owl, two_rooms
    ):
        day = date(2027, 10, 31)
        now = datetime(2027, 10, 1, 7, 0, tzinfo=UTC)
        slots = available_slots(offering=classical, start_on=day, end_on=day, now=now)
        night = [s.start_at for s in slots if s.start_at < at(day, "9:00")]

        # 00:00 CEST (22:00 UTC) to 06:00 CET (05:00 UTC) is seven hours.
        assert night[0] == datetime(2027, 10, 30, 22, 0, tzinfo=UTC)
        assert night[-1] == datetime(2027, 10, 31, 4, 30, tzinfo=UTC)
        assert len(night) == len(set(night)) == 27
        assert at(day, "9:00") == datetime(2027, 10, 31, 8, 0, tzinfo=UTC)

    def test_a_day_time_slot_keeps_its_wall_clock_across_the_change(
        self, classical, anna, two_rooms
    ):
        before = available_slots(
            offering=classical, start_on=date(2027, 3, 27), end_on=date(2027, 3, 27), now=NOW
        )
        after = available_slots(
            offering=classical, start_on=date(2027, 3, 29), end_on=date(2027, 3, 29), now=NOW
        )

        assert before[0].start_at == datetime(2027, 3, 27, 8, 0, tzinfo=UTC)  # 9:00 CET
        assert after[0].start_at == datetime(2027, 3, 29, 7, 0, tzinfo=UTC)  # 9:00 CEST
        assert len(before) == len(after)


def test_an_inactive_massage_type_offers_nothing(classical, anna, two_rooms):
    classical.massage_type.is_active = False

    assert available_slots(offering=classical, start_on=TUESDAY, end_on=TUESDAY, now=NOW) == []


def test_overlapping_working_hours_list_a_therapist_once(classical, two_rooms):
    therapist = TherapistFactory.create(skills=["classical"])
    give_hours(therapist, (time(9), time(12)), (time(10), time(14)))

    slots = available_slots(offering=classical, start_on=TUESDAY, end_on=TUESDAY, now=NOW)

    assert {slot.therapist_ids for slot in slots} == {(therapist.id,)}
    assert starts(slots)[-1] == at(TUESDAY, "13:30")
