"""A booking made without a login, held until the client opens the e-mailed link.

With STUDIO_WEB_BOOKING_HOLD_MINUTES set, such a booking takes its time
like a confirmed one, gets only the e-mail that asks to confirm it, and
is released by the sweep once its hold expires unconfirmed.
"""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.urls import reverse

from booking import errors, tasks
from booking.availability import available_slots
from booking.models import Allocation, Appointment, AppointmentEvent, Client
from booking.services import (
    Actor,
    ClientDetails,
    book_appointment,
    cancel_appointment,
    confirm_held_appointment,
    limits,
    release_expired_holds,
    reschedule_appointment,
)
from notifications.models import Message
from notifications.services import dispatch_due_messages
from tests.booking.conftest import NOW, TUESDAY, at

pytestmark = pytest.mark.django_db

Status = Appointment.Status
HOLD = timedelta(minutes=30)
EXPIRED = NOW + HOLD


@pytest.fixture(autouse=True)
def holds(settings):
    settings.STUDIO_WEB_BOOKING_HOLD_MINUTES = 30
    settings.STUDIO_REMINDER_DAY_BEFORE_TIME = "18:00"
    settings.STUDIO_REMINDER_HOURS_BEFORE = 2
    settings.STUDIO_REMINDER_MIN_GAP_HOURS = 3


def book(offering, start_at, *, actor=None, now=NOW, details=None) -> Appointment:
    return book_appointment(
        offering=offering,
        start_at=start_at,
        client=details or ClientDetails("Mira Example", "mira@example.com", "+49 30 1234567"),
        source=Appointment.Source.WEB,
        actor=actor or Actor.guest(),
        now=now,
    )


def offered(offering, therapist, *, now=NOW) -> set:
    return {
        slot.start_at
        for slot in available_slots(
            offering=offering, start_on=TUESDAY, end_on=TUESDAY, therapist_id=therapist.id, now=now
        )
    }


def pending(appointment) -> set[str]:
    return set(
        Message.objects.filter(appointment=appointment, status=Message.Status.PENDING).values_list(
            "kind", flat=True
        )
    )


def test_a_booking_without_login_is_held_until_the_hold_expires(classical, anna, two_rooms):
    appointment = book(classical, at(TUESDAY, "10:00"))

    stored = Appointment.objects.get(pk=appointment.pk)
    assert stored.status == Status.HELD
    assert stored.hold_expires_at == NOW + HOLD
    booked = AppointmentEvent.objects.get(appointment=stored)
    assert booked.details == {"source": "web", "held_until": (NOW + HOLD).isoformat()}


def test_with_the_setting_off_a_booking_without_login_is_confirmed_at_once(
    classical, anna, two_rooms, settings
):
    settings.STUDIO_WEB_BOOKING_HOLD_MINUTES = 0

    appointment = book(classical, at(TUESDAY, "10:00"))

    stored = Appointment.objects.get(pk=appointment.pk)
    assert (stored.status, stored.hold_expires_at) == (Status.CONFIRMED, None)
    assert pending(stored) == {"confirmation", "day_before", "hours_before"}


def test_staff_bookings_are_never_held(classical, anna, two_rooms, staff):
    appointment = book(classical, at(TUESDAY, "10:00"), actor=staff)

    assert Appointment.objects.get(pk=appointment.pk).status == Status.CONFIRMED


def test_an_integrations_bookings_are_never_held(classical, anna, two_rooms, django_user_model):
    user = django_user_model.objects.create_user("crm")
    user.groups.add(Group.objects.get(name="integrations"))

    appointment = book(classical, at(TUESDAY, "10:00"), actor=Actor.for_user(user))

    assert Appointment.objects.get(pk=appointment.pk).status == Status.CONFIRMED


def test_a_held_booking_takes_its_time_from_the_availability_engine(classical, anna, two_rooms):
    book(classical, at(TUESDAY, "10:00"))

    free = offered(classical, anna)
    assert at(TUESDAY, "10:00") not in free
    # 30 minutes and 10 of cleanup: the next start on the grid is free.
    assert at(TUESDAY, "10:45") in free


def test_a_held_time_cannot_be_booked_again(classical, anna, two_rooms):
    book(classical, at(TUESDAY, "10:00"))

    with pytest.raises(errors.SlotUnavailable):
        book(classical, at(TUESDAY, "10:00"), details=ClientDetails("Other", "o@example.com", ""))
    assert Appointment.objects.count() == 1


def test_a_held_booking_gets_only_the_email_that_asks_to_confirm_it(classical, anna, two_rooms):
    appointment = book(classical, at(TUESDAY, "10:00"))

    assert pending(appointment) == {"confirmation"}


def test_confirming_a_held_booking_plans_its_reminders_then(classical, anna, two_rooms):
    appointment = book(classical, at(TUESDAY, "10:00"))
    confirmed_at = NOW + timedelta(minutes=10)

    confirm_held_appointment(appointment=appointment, actor=Actor.guest(), now=confirmed_at)

    stored = Appointment.objects.get(pk=appointment.pk)
    assert (stored.status, stored.hold_expires_at) == (Status.CONFIRMED, None)
    assert pending(stored) == {"confirmation", "day_before", "hours_before"}
    confirmed = AppointmentEvent.objects.get(action=AppointmentEvent.Action.HOLD_CONFIRMED)
    assert (confirmed.appointment_id, confirmed.actor, confirmed.created_at) == (
        stored.pk,
        "guest",
        confirmed_at,
    )


def test_confirming_a_confirmed_booking_again_changes_nothing(classical, anna, two_rooms):
    appointment = book(classical, at(TUESDAY, "10:00"))
    confirm_held_appointment(appointment=appointment, actor=Actor.guest(), now=NOW)

    confirm_held_appointment(appointment=appointment, actor=Actor.guest(), now=NOW)

    assert AppointmentEvent.objects.filter(action="hold_confirmed").count() == 1
    assert Message.objects.filter(appointment=appointment, kind="day_before").count() == 1


def test_a_hold_cannot_be_confirmed_once_it_has_expired(classical, anna, two_rooms):
    appointment = book(classical, at(TUESDAY, "10:00"))

    with pytest.raises(errors.HoldExpired):
        confirm_held_appointment(appointment=appointment, actor=Actor.guest(), now=EXPIRED)

    assert Appointment.objects.get(pk=appointment.pk).status == Status.HELD
    assert pending(appointment) == {"confirmation"}


def test_the_sweep_releases_an_expired_hold_and_offers_its_time_again(classical, anna, two_rooms):
    appointment = book(classical, at(TUESDAY, "10:00"))

    released = release_expired_holds(now=EXPIRED)

    assert released == 1
    stored = Appointment.objects.get(pk=appointment.pk)
    assert stored.status == Status.CANCELLED
    assert not Allocation.objects.filter(appointment=stored, is_active=True).exists()
    expired = AppointmentEvent.objects.get(action=AppointmentEvent.Action.HOLD_EXPIRED)
    assert (expired.appointment_id, expired.created_at) == (stored.pk, EXPIRED)
    assert at(TUESDAY, "10:00") in offered(classical, anna, now=EXPIRED)


def test_a_released_time_can_be_booked_again(classical, anna, two_rooms):
    book(classical, at(TUESDAY, "10:00"))
    release_expired_holds(now=EXPIRED)

    again = book(
        classical,
        at(TUESDAY, "10:00"),
        now=EXPIRED,
        details=ClientDetails("Other", "o@example.com", ""),
    )

    assert Appointment.objects.get(pk=again.pk).status == Status.HELD


def test_a_released_hold_sends_nothing_to_its_unproven_address(classical, anna, two_rooms):
    appointment = book(classical, at(TUESDAY, "10:00"))

    release_expired_holds(now=EXPIRED)

    assert pending(appointment) == set()
    assert not Message.objects.filter(kind=Message.Kind.CANCELLATION).exists()


def test_the_sweep_leaves_holds_still_open_and_confirmed_bookings(classical, anna, two_rooms):
    open_hold = book(classical, at(TUESDAY, "10:00"), now=NOW + timedelta(minutes=1))
    confirmed = book(classical, at(TUESDAY, "11:00"))
    confirm_held_appointment(appointment=confirmed, actor=Actor.guest(), now=NOW)

    assert release_expired_holds(now=EXPIRED) == 0

    assert Appointment.objects.get(pk=open_hold.pk).status == Status.HELD
    assert Appointment.objects.get(pk=confirmed.pk).status == Status.CONFIRMED


def test_a_released_hold_cannot_be_confirmed(classical, anna, two_rooms):
    appointment = book(classical, at(TUESDAY, "10:00"))
    release_expired_holds(now=EXPIRED)

    with pytest.raises(errors.HoldExpired):
        confirm_held_appointment(appointment=appointment, actor=Actor.guest(), now=EXPIRED)

    assert Appointment.objects.get(pk=appointment.pk).status == Status.CANCELLED


def test_the_beat_task_runs_the_sweep(classical, anna, two_rooms, settings):
    book(classical, at(TUESDAY, "10:00"))

    with time_machine.travel(EXPIRED, tick=False):
        assert tasks.release_expired_holds.delay().get() == 1
    assert settings.CELERY_BEAT_SCHEDULE["release-expired-holds"] == {
        "task": "booking.tasks.release_expired_holds",
        "schedule": 60.0,
    }


def test_a_guest_may_cancel_a_held_booking_without_a_notice(classical, anna, two_rooms):
    appointment = book(classical, at(TUESDAY, "10:00"))

    cancel_appointment(appointment=appointment, actor=Actor.guest(), now=NOW)

    assert Appointment.objects.get(pk=appointment.pk).status == Status.CANCELLED
    assert not Message.objects.filter(kind=Message.Kind.CANCELLATION).exists()
    assert at(TUESDAY, "10:00") in offered(classical, anna)


def test_a_held_booking_moves_only_once_confirmed(classical, anna, two_rooms):
    appointment = book(classical, at(TUESDAY, "10:00"))

    with pytest.raises(errors.NotConfirmed):
        reschedule_appointment(
            appointment=appointment, start_at=at(TUESDAY, "11:00"), actor=Actor.guest(), now=NOW
        )
    assert Appointment.objects.get(pk=appointment.pk).start_at == at(TUESDAY, "10:00")


def test_held_bookings_count_against_the_bookings_one_email_holds_at_once(
    classical, anna, two_rooms, settings
):
    settings.STUDIO_LIMIT_ACTIVE_BOOKINGS = 1
    book(classical, at(TUESDAY, "10:00"))

    with (
        pytest.raises(errors.RateLimited),
        limits.limit_booking(ip="203.0.113.7", email="mira@example.com", phone="", now=NOW),
    ):
        pass


def test_the_email_of_a_held_booking_asks_to_confirm_it_by_its_own_link(
    classical, anna, two_rooms, settings
):
    settings.STUDIO_BASE_URL = "https://studio.example"
    appointment = book(classical, at(TUESDAY, "10:00"))

    with time_machine.travel(NOW, tick=False):
        dispatch_due_messages()

    [message] = mail.outbox
    assert message.subject.startswith("Please confirm your massage on Tuesday 2 March at 10:00")
    link = (
        f"https://studio.example/en/booking/manage/{appointment.pk}/?t={appointment.mailbox_token}"
    )
    assert (
        "Please confirm your booking within 30 minutes (by 08:30), or it will be released:\n"
        f"{link}\n" in message.body
    )
    assert appointment.manage_token not in message.body
    assert isinstance(message, EmailMultiAlternatives)
    html = str(message.alternatives[0][0])
    assert f'href="{link}"' in html
    assert appointment.manage_token not in html
    # No calendar entry for a time that may yet be released.
    assert message.attachments == []


def test_the_mailbox_token_is_not_the_manage_token(classical, anna, two_rooms):
    appointment = book(classical, at(TUESDAY, "10:00"))

    assert appointment.mailbox_token != appointment.manage_token
    assert appointment.manage_token not in appointment.mailbox_token


# On PostgreSQL, the database itself counts a held row as taken ---------------


@pytest.mark.postgres
def test_the_database_refuses_a_therapist_overlapping_a_held_booking(classical, anna, two_rooms):
    held = book(classical, at(TUESDAY, "10:00"))

    with pytest.raises(IntegrityError), transaction.atomic():
        Appointment.objects.create(
            visit=held.visit,
            client=Client.objects.get(),
            offering=classical,
            therapist=anna,
            start_at=held.start_at + timedelta(minutes=15),
            end_at=held.end_at + timedelta(minutes=15),
            blocked_until=held.blocked_until + timedelta(minutes=15),
            status=Status.CONFIRMED,
            source=Appointment.Source.ADMIN,
            price=classical.price,
            currency=classical.currency,
        )


@pytest.mark.postgres
def test_the_database_refuses_a_room_overlapping_a_held_booking(classical, anna, ben, two_rooms):
    held = book(classical, at(TUESDAY, "10:00"))
    room = Allocation.objects.get(appointment=held).resource
    other = book(
        classical,
        at(TUESDAY, "10:00"),
        actor=Actor.guest(),
        details=ClientDetails("Other", "o@example.com", ""),
    )
    Allocation.objects.filter(appointment=other).delete()

    with pytest.raises(IntegrityError), transaction.atomic():
        Allocation.objects.create(
            visit=other.visit,
            appointment=other,
            resource=room,
            start_at=other.start_at,
            blocked_until=other.blocked_until,
        )


def test_a_held_row_without_an_expiry_is_refused(classical, anna, two_rooms):
    appointment = book(classical, at(TUESDAY, "10:00"))

    with pytest.raises(IntegrityError), transaction.atomic():
        Appointment.objects.filter(pk=appointment.pk).update(hold_expires_at=None)


def test_staff_confirm_a_hold_in_the_admin_for_a_client_who_calls(
    classical, anna, two_rooms, client, admin_user, time_machine
):
    time_machine.move_to(NOW, tick=False)
    client.force_login(admin_user)
    appointment = book(classical, at(TUESDAY, "10:00"))

    client.post(
        reverse("admin:booking_appointment_changelist"),
        {"action": "confirm_holds", "_selected_action": [appointment.pk]},
    )

    stored = Appointment.objects.get(pk=appointment.pk)
    assert stored.status == Status.CONFIRMED
    assert stored.events.get(action="hold_confirmed").actor == "admin"
    assert pending(stored) == {"confirmation", "day_before", "hours_before"}
