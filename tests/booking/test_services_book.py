from datetime import timedelta
from decimal import Decimal

import pytest

from booking import errors
from booking.models import Allocation, Appointment, AppointmentEvent, Client
from booking.services import Actor, ClientDetails, book_appointment
from catalog.models import Offering
from tests.booking.conftest import MONDAY, NOW, TUESDAY, at
from tests.factories import TherapistFactory, vacuum_device

pytestmark = pytest.mark.django_db


def book(offering, start_at, details, **kwargs) -> Appointment:
    return book_appointment(
        offering=offering,
        start_at=start_at,
        client=details,
        source=kwargs.pop("source", "api"),
        actor=kwargs.pop("actor", Actor.guest()),
        now=kwargs.pop("now", NOW),
        **kwargs,
    )


def test_a_booking_records_the_appointment_its_room_and_its_event(
    classical, anna, two_rooms, guest_details
):
    appointment = book(
        classical,
        at(TUESDAY, "10:00"),
        guest_details,
        health={"pregnancy": False},
        has_consent=True,
    )

    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CONFIRMED
    assert appointment.therapist == anna
    assert appointment.end_at == at(TUESDAY, "10:30")
    assert appointment.blocked_until == at(TUESDAY, "10:40")
    assert (appointment.price, appointment.currency) == (Decimal("35.00"), "EUR")
    assert appointment.health == {"pregnancy": False}
    assert len(appointment.manage_token) >= 40
    assert [a.resource for a in appointment.allocations.all()] == [two_rooms[0]]
    assert appointment.events.get().action == AppointmentEvent.Action.BOOKED


def test_the_price_is_kept_as_it_was_when_booked(classical, anna, two_rooms, guest_details):
    appointment = book(classical, at(TUESDAY, "10:00"), guest_details)

    Offering.objects.filter(pk=classical.pk).update(price=Decimal("99.00"))

    appointment.refresh_from_db()
    assert appointment.price == Decimal("35.00")


def test_with_no_therapist_named_a_free_one_is_taken(
    classical, anna, ben, two_rooms, guest_details
):
    first = book(classical, at(TUESDAY, "10:00"), guest_details)
    second = book(classical, at(TUESDAY, "10:00"), guest_details)

    assert {first.therapist, second.therapist} == {anna, ben}
    assert first.allocations.get().resource != second.allocations.get().resource


def test_a_taken_time_is_refused_as_unavailable(classical, anna, two_rooms, guest_details):
    book(classical, at(TUESDAY, "10:00"), guest_details, therapist=anna)

    with pytest.raises(errors.SlotUnavailable):
        book(classical, at(TUESDAY, "10:00"), guest_details, therapist=anna)


def test_a_time_inside_the_buffer_is_refused_as_unavailable(
    classical, anna, two_rooms, guest_details
):
    book(classical, at(TUESDAY, "10:00"), guest_details)

    with pytest.raises(errors.SlotUnavailable):
        book(classical, at(TUESDAY, "10:30"), guest_details)


def test_the_last_vacuum_device_goes_to_one_booking_only(
    vacuum, anna, ben, two_rooms, guest_details
):
    vacuum_device()
    book(vacuum, at(TUESDAY, "10:00"), guest_details, therapist=anna)

    with pytest.raises(errors.SlotUnavailable, match="equipment"):
        book(vacuum, at(TUESDAY, "10:00"), guest_details, therapist=ben)
    assert Appointment.objects.count() == 1


@pytest.mark.parametrize(
    ("start", "error"),
    [
        (NOW - timedelta(hours=1), errors.TooSoon),
        (NOW + timedelta(minutes=60), errors.TooSoon),
        (NOW + timedelta(days=61), errors.BeyondHorizon),
        (at(TUESDAY, "10:05"), errors.OffStep),
        (at(TUESDAY, "13:00"), errors.OutsideHours),
        (at(TUESDAY, "20:00"), errors.OutsideHours),
        (at(TUESDAY, "17:45"), errors.OutsideHours),
    ],
)
def test_a_time_no_rule_offers_is_refused_with_its_reason(
    classical, anna, two_rooms, guest_details, start, error
):
    with pytest.raises(error) as raised:
        book(classical, start, guest_details)

    assert raised.value.fields == {"start": [raised.value.message]}
    assert not Appointment.objects.exists()
    assert not Client.objects.exists()


def test_a_therapist_without_the_skill_is_refused(classical, two_rooms, guest_details):
    thai_only = TherapistFactory.create(skills=["thai"])

    with pytest.raises(errors.NotQualified):
        book(classical, at(TUESDAY, "10:00"), guest_details, therapist=thai_only)


def test_an_inactive_offering_cannot_be_booked(classical, anna, two_rooms, guest_details):
    classical.is_active = False

    with pytest.raises(errors.NotBookable):
        book(classical, at(TUESDAY, "10:00"), guest_details)


def test_the_same_email_in_any_case_links_to_the_same_client_and_leaves_its_record(
    classical, anna, ben, two_rooms, guest_details
):
    book(classical, at(TUESDAY, "10:00"), guest_details)
    second = book(
        classical,
        at(TUESDAY, "11:00"),
        ClientDetails(name="Mira E.", email="MIRA@example.com", phone="+49 30 7654321"),
    )

    client = Client.objects.get()
    assert (client.name, client.email, client.phone) == (
        "Mira Example",
        "mira@example.com",
        "+49 30 1234567",
    )
    assert client.appointments.count() == 2
    second.refresh_from_db()
    assert (second.contact_name, second.contact_email, second.contact_phone) == (
        "Mira E.",
        "MIRA@example.com",
        "+49 30 7654321",
    )
    assert second.is_client_verified is False


def test_a_booking_for_monday_morning_respects_the_notice(
    classical, anna, two_rooms, guest_details
):
    # 7:00 UTC is 8:00 in Berlin; two hours' notice allows 10:00 but not 9:45.
    with pytest.raises(errors.TooSoon):
        book(classical, at(MONDAY, "9:45"), guest_details)

    assert book(classical, at(MONDAY, "10:00"), guest_details).start_at == at(MONDAY, "10:00")


def test_allocations_follow_the_appointment_into_the_database(
    vacuum, anna, two_rooms, guest_details
):
    device = vacuum_device()

    appointment = book(vacuum, at(TUESDAY, "10:00"), guest_details)

    assert set(
        Allocation.objects.filter(appointment=appointment).values_list("resource", flat=True)
    ) == {
        two_rooms[0].id,
        device.id,
    }


def test_vein_problems_rule_out_a_vacuum_massage_with_the_reason(
    vacuum, anna, two_rooms, guest_details
):
    vacuum_device()

    with pytest.raises(errors.RuledOut, match="vein problems") as raised:
        book(
            vacuum,
            at(TUESDAY, "10:00"),
            guest_details,
            health={"vein_problems": True},
            has_consent=True,
        )

    assert list(raised.value.fields) == ["health.vein_problems"]
    assert not Appointment.objects.exists()


def test_an_answer_that_only_needs_a_word_first_does_not_refuse(
    classical, anna, two_rooms, guest_details
):
    appointment = book(
        classical,
        at(TUESDAY, "10:00"),
        guest_details,
        health={"vein_problems": True},
        has_consent=True,
    )

    assert appointment.health == {"vein_problems": True}
