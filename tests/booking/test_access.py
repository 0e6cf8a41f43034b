"""Who may change and see appointments: one rule that the API, the pages and the admin use."""

import pytest
from django.contrib.auth.models import AnonymousUser, Group, Permission

from booking import errors
from booking.services import Actor, book_appointment, cancel_appointment
from booking.services.access import (
    appointments_visible_to,
    may_change_appointment,
    may_change_appointments,
    may_see_appointments,
)
from tests.booking.conftest import NOW, TUESDAY, at

pytestmark = pytest.mark.django_db


def fresh(user):
    """The user again, so that permissions added since are read."""
    return type(user).objects.get(pk=user.pk)


@pytest.fixture
def booked(classical, anna, ben, two_rooms, guest_details):
    return book_appointment(
        offering=classical,
        start_at=at(TUESDAY, "10:00"),
        client=guest_details,
        source="web",
        actor=Actor.guest(),
        therapist=anna,
        now=NOW,
    )


def test_a_logged_in_user_without_the_permission_is_no_staff(django_user_model, booked):
    user = django_user_model.objects.create_user("visitor", is_staff=True)

    actor = Actor.for_user(user)

    assert actor.is_staff is False
    assert may_change_appointments(user) is False
    assert may_change_appointment(user=user, appointment=booked) is False
    assert list(appointments_visible_to(user)) == []


def test_such_a_user_is_held_to_the_guests_cut_off(django_user_model, booked):
    user = django_user_model.objects.create_user("visitor", is_staff=True)

    with pytest.raises(errors.CancellationClosed):
        cancel_appointment(appointment=booked, actor=Actor.for_user(user), now=at(TUESDAY, "09:00"))


def test_an_integration_changes_any_appointment_at_any_time(django_user_model, booked):
    user = django_user_model.objects.create_user("crm")
    user.groups.add(Group.objects.get(name="integrations"))
    user = fresh(user)

    cancel_appointment(appointment=booked, actor=Actor.for_user(user), now=at(TUESDAY, "09:00"))

    booked.refresh_from_db()
    assert booked.status == "cancelled"
    assert may_change_appointment(user=user, appointment=booked) is True


def test_a_therapist_sees_only_their_own_and_changes_none(
    django_user_model, booked, ben, classical, guest_details
):
    theirs = book_appointment(
        offering=classical,
        start_at=at(TUESDAY, "10:00"),
        client=guest_details,
        source="web",
        actor=Actor.guest(),
        therapist=ben,
        now=NOW,
    )
    user = django_user_model.objects.create_user("ben")
    ben.user = user
    ben.save(update_fields=["user"])
    user = fresh(user)

    assert may_see_appointments(user) is True
    assert list(appointments_visible_to(user)) == [theirs]
    assert may_change_appointment(user=user, appointment=theirs) is False


def test_staff_with_the_view_permission_see_every_appointment(django_user_model, booked):
    user = django_user_model.objects.create_user("desk", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_appointment"))
    user = fresh(user)

    assert list(appointments_visible_to(user)) == [booked]
    assert may_change_appointments(user) is False


def test_an_anonymous_visitor_sees_and_changes_nothing(booked):
    visitor = AnonymousUser()

    assert may_see_appointments(visitor) is False
    assert may_change_appointments(visitor) is False
    assert list(appointments_visible_to(visitor)) == []
