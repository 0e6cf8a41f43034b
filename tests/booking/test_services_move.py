"""Staff move visits at the desk, give them to other therapists, mark and unmark them."""

from datetime import timedelta

import pytest

from booking import errors
from booking.models import Appointment, AppointmentEvent, Visit
from booking.services import (
    Actor,
    ClientDetails,
    WantedAppointment,
    book_appointment,
    book_visit,
    cancel_visit,
    mark_appointment,
    mark_arrived,
    move_visit,
    reschedule_visit,
    undo_mark,
)
from notifications.models import Message
from tests.booking.conftest import NOW, TUESDAY, at
from tests.factories import TherapistFactory

pytestmark = pytest.mark.django_db

WEDNESDAY = TUESDAY + timedelta(days=1)


def kinds(appointment: Appointment, status: str = "pending") -> list[str]:
    return sorted(
        Message.objects.filter(appointment=appointment, status=status).values_list(
            "kind", flat=True
        )
    )


def last_events(appointment: Appointment, count: int = 1) -> list[AppointmentEvent]:
    return list(appointment.events.order_by("-created_at", "-id")[:count])


def test_staff_move_a_visit_to_another_time_and_the_client_is_told(booked, staff):
    move_visit(visit=booked.visit, start_at=at(TUESDAY, "15:00"), actor=staff, now=NOW)

    booked.refresh_from_db()
    assert (booked.start_at, booked.end_at) == (at(TUESDAY, "15:00"), at(TUESDAY, "15:30"))
    assert booked.allocations.get().start_at == at(TUESDAY, "15:00")
    assert Visit.objects.get(pk=booked.visit_id).start_at == at(TUESDAY, "15:00")
    [event] = last_events(booked)
    assert event.action == AppointmentEvent.Action.RESCHEDULED
    assert event.details == {
        "from": at(TUESDAY, "10:00").isoformat(),
        "to": at(TUESDAY, "15:00").isoformat(),
    }
    assert "rescheduled" in kinds(booked)


def test_staff_give_a_visit_to_another_therapist_at_the_same_time(booked, staff, anna, ben):
    move_visit(visit=booked.visit, therapists={booked.pk: ben}, actor=staff, now=NOW)

    booked.refresh_from_db()
    assert booked.therapist == ben
    assert booked.start_at == at(TUESDAY, "10:00")
    [event] = last_events(booked)
    assert event.action == AppointmentEvent.Action.REASSIGNED
    assert (event.details["from"], event.details["to"]) == ("Anna", "Ben")
    assert (event.details["from_id"], event.details["to_id"]) == (anna.pk, ben.pk)
    assert event.user == staff.user


def test_a_move_and_a_new_therapist_at_once_record_both(booked, staff, ben):
    move_visit(
        visit=booked.visit,
        start_at=at(WEDNESDAY, "11:00"),
        therapists={booked.pk: ben},
        actor=staff,
        now=NOW,
    )

    booked.refresh_from_db()
    assert (booked.therapist, booked.start_at) == (ben, at(WEDNESDAY, "11:00"))
    actions = {event.action for event in last_events(booked, 2)}
    assert actions == {AppointmentEvent.Action.RESCHEDULED, AppointmentEvent.Action.REASSIGNED}
    assert booked.sequence == 1


def test_without_notice_no_message_goes_out_but_the_reminders_follow_the_move(booked, staff):
    assert "day_before" in kinds(booked)

    move_visit(
        visit=booked.visit, start_at=at(WEDNESDAY, "15:00"), actor=staff, notify=False, now=NOW
    )

    booked.refresh_from_db()
    assert "rescheduled" not in kinds(booked)
    assert not Message.objects.filter(appointment=booked, kind="rescheduled").exists()
    day_before = Message.objects.get(appointment=booked, kind="day_before", status="pending")
    assert day_before.due_at.date() == TUESDAY
    assert Message.objects.filter(
        appointment=booked, kind="day_before", status="cancelled"
    ).exists()


def test_staff_move_past_the_guests_cut_off_and_without_minimum_notice(booked, staff):
    an_hour_before = booked.start_at - timedelta(hours=1)
    with pytest.raises(errors.CancellationClosed):
        reschedule_visit(
            visit=booked.visit,
            start_at=at(TUESDAY, "09:15"),
            actor=Actor.guest(),
            now=an_hour_before,
        )

    # 15 minutes from now: the guests' two hours' notice does not hold at the desk.
    move_visit(visit=booked.visit, start_at=at(TUESDAY, "09:15"), actor=staff, now=an_hour_before)

    booked.refresh_from_db()
    assert booked.start_at == at(TUESDAY, "09:15")


def test_a_move_into_the_past_is_refused(booked, staff):
    with pytest.raises(errors.TooSoon):
        move_visit(
            visit=booked.visit,
            start_at=at(TUESDAY, "09:00"),
            actor=staff,
            now=at(TUESDAY, "09:30"),
        )


def test_a_therapist_who_does_not_give_the_massage_is_refused(booked, staff):
    cupper = TherapistFactory.create(name="Cupper", skills=["vacuum"])

    with pytest.raises(errors.NotQualified):
        move_visit(visit=booked.visit, therapists={booked.pk: cupper}, actor=staff, now=NOW)

    booked.refresh_from_db()
    assert booked.therapist.name == "Anna"


def test_a_therapist_busy_then_is_refused_and_nothing_changes(booked, staff, classical, ben):
    book_appointment(
        offering=classical,
        start_at=at(TUESDAY, "10:00"),
        therapist=ben,
        client=ClientDetails(name="Olga", email="olga@example.com", phone="+49 30 7654321"),
        source="web",
        actor=Actor.guest(),
        now=NOW,
    )

    with pytest.raises(errors.SlotUnavailable):
        move_visit(visit=booked.visit, therapists={booked.pk: ben}, actor=staff, now=NOW)

    booked.refresh_from_db()
    assert (booked.therapist.name, booked.status) == ("Anna", "confirmed")
    assert last_events(booked)[0].action == AppointmentEvent.Action.BOOKED


def test_two_people_side_by_side_may_trade_therapists(for_two, anna, ben, room_for_two, staff):
    visit = book_visit(
        appointments=[
            WantedAppointment(offering=for_two, start_at=at(TUESDAY, "10:00"), therapist=anna),
            WantedAppointment(offering=for_two, start_at=at(TUESDAY, "10:00"), therapist=ben),
        ],
        client=ClientDetails(name="Mira", email="mira@example.com", phone="+49 30 1234567"),
        source="desk",
        actor=staff,
        now=NOW,
    )
    first, second = visit.appointments.order_by("therapist__name")

    move_visit(visit=visit, therapists={first.pk: ben, second.pk: anna}, actor=staff, now=NOW)

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.therapist, second.therapist) == (ben, anna)
    assert {first.status, second.status} == {"confirmed"}


def test_nothing_to_change_is_refused(booked, staff):
    with pytest.raises(errors.NothingToChange):
        move_visit(visit=booked.visit, start_at=booked.start_at, actor=staff, now=NOW)


def test_only_staff_move_at_the_desk(booked, ben):
    with pytest.raises(errors.StaffOnly):
        move_visit(visit=booked.visit, therapists={booked.pk: ben}, actor=Actor.guest(), now=NOW)


def test_a_cancelled_visit_cannot_be_moved(booked, staff):
    cancel_visit(visit=booked.visit, actor=staff, now=NOW)

    with pytest.raises(errors.NotActive):
        move_visit(visit=booked.visit, start_at=at(TUESDAY, "15:00"), actor=staff, now=NOW)


def test_a_move_to_another_day_takes_back_the_arrival(booked, staff):
    on_the_day = at(TUESDAY, "09:00")
    mark_arrived(appointment=booked, actor=staff, now=on_the_day)

    move_visit(visit=booked.visit, start_at=at(WEDNESDAY, "10:00"), actor=staff, now=on_the_day)

    booked.refresh_from_db()
    assert booked.arrived_at is None


def test_staff_cancel_without_telling_the_client(booked, staff):
    cancel_visit(visit=booked.visit, actor=staff, reason="phoned", notify=False, now=NOW)

    booked.refresh_from_db()
    assert booked.status == Appointment.Status.CANCELLED
    assert not Message.objects.filter(appointment=booked, kind="cancellation").exists()
    assert kinds(booked) == []


def test_a_guest_cancelling_is_always_told(booked):
    cancel_visit(visit=booked.visit, actor=Actor.guest(), notify=False, now=NOW)

    assert Message.objects.filter(appointment=booked, kind="cancellation").exists()


def test_a_client_is_marked_arrived_on_the_day(booked, staff):
    came_at = at(TUESDAY, "09:50")

    mark_arrived(appointment=booked, actor=staff, now=came_at)
    mark_arrived(appointment=booked, actor=staff, now=came_at + timedelta(minutes=5))

    booked.refresh_from_db()
    assert booked.arrived_at == came_at
    assert booked.status == Appointment.Status.CONFIRMED
    assert booked.events.filter(action=AppointmentEvent.Action.ARRIVED).count() == 1


def test_a_client_cannot_be_marked_arrived_on_another_day(booked, staff):
    with pytest.raises(errors.NotToday):
        mark_arrived(appointment=booked, actor=staff, now=NOW)

    booked.refresh_from_db()
    assert booked.arrived_at is None


def test_a_cancelled_appointment_cannot_be_marked_arrived(booked, staff):
    cancel_visit(visit=booked.visit, actor=staff, now=NOW)

    with pytest.raises(errors.NotActive):
        mark_arrived(appointment=booked, actor=staff, now=at(TUESDAY, "09:50"))


def test_a_mistaken_completed_is_undone_back_to_confirmed(booked, staff):
    after = at(TUESDAY, "10:40")
    mark_appointment(appointment=booked, status="completed", actor=staff, now=after)
    assert Visit.objects.get(pk=booked.visit_id).status == Visit.Status.COMPLETED
    reminders_before = list(Message.objects.values_list("id", "status"))

    undo_mark(appointment=booked, actor=staff, now=after)

    booked.refresh_from_db()
    assert booked.status == Appointment.Status.CONFIRMED
    assert Visit.objects.get(pk=booked.visit_id).status == Visit.Status.CONFIRMED
    [event] = last_events(booked)
    assert (event.action, event.details) == ("mark_undone", {"undone": "completed"})
    # Nothing is sent or planned again.
    assert list(Message.objects.values_list("id", "status")) == reminders_before


def test_a_mistaken_arrival_is_undone(booked, staff):
    mark_arrived(appointment=booked, actor=staff, now=at(TUESDAY, "09:50"))

    undo_mark(appointment=booked, actor=staff, now=at(TUESDAY, "09:51"))

    booked.refresh_from_db()
    assert booked.arrived_at is None
    assert last_events(booked)[0].details == {"undone": "arrived"}


def test_an_appointment_without_a_mark_has_nothing_to_undo(booked, staff):
    with pytest.raises(errors.NothingToUndo):
        undo_mark(appointment=booked, actor=staff, now=NOW)


def test_a_client_marked_arrived_cannot_be_a_no_show(booked, staff):
    mark_arrived(appointment=booked, actor=staff, now=at(TUESDAY, "09:50"))

    with pytest.raises(errors.BookingError, match="arrived"):
        mark_appointment(
            appointment=booked, status="no_show", actor=staff, now=at(TUESDAY, "10:20")
        )
