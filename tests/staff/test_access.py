"""Who gets into the staff workspace, and what each login's scope reaches."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from booking.models import Appointment, Client, Therapist
from catalog.models import Offering
from staff.access import Scope
from tests.factories import TherapistFactory, appointment_in, visit_for

pytestmark = pytest.mark.django_db

START = datetime(2031, 3, 3, 9, tzinfo=UTC)


def scope_of(user) -> Scope:
    scope = Scope.of(user)
    assert scope is not None
    return scope


def booked(therapist: Therapist, email: str, start_at: datetime = START) -> Appointment:
    client = Client.objects.create(name=email, email=email, phone="+4930123456")
    offering = Offering.objects.filter(is_active=True)[0]
    visit = visit_for(client, start_at, start_at + timedelta(hours=1))
    return appointment_in(visit, offering, therapist, start_at)


def test_reception_sees_every_therapist_and_client(reception):
    anna, ben = TherapistFactory.create_batch(2)
    booked(anna, "one@example.com")
    booked(ben, "two@example.com")

    scope = scope_of(reception)

    assert scope.is_reception
    assert set(scope.therapists()) == {anna, ben}
    assert scope.appointments().count() == 2
    assert scope.clients().count() == Client.objects.count()


def test_a_therapist_sees_only_their_own_appointments_and_clients(anna_login):
    anna = TherapistFactory.create(user=anna_login)
    ben = TherapistFactory.create()
    own = booked(anna, "one@example.com")
    other = booked(ben, "two@example.com")

    scope = scope_of(anna_login)

    assert not scope.is_reception
    assert list(scope.therapists()) == [anna]
    assert list(scope.appointments()) == [own]
    assert list(scope.visits()) == [own.visit]
    assert list(scope.clients()) == [own.client]
    assert other.visit not in scope.visits()


def test_a_login_without_a_role_has_no_scope(django_user_model):
    stranger = django_user_model.objects.create_user("stranger", is_staff=True)

    assert Scope.of(stranger) is None


def test_an_inactive_therapists_login_has_no_scope(anna_login):
    TherapistFactory.create(user=anna_login, is_active=False)

    assert Scope.of(anna_login) is None


def test_the_login_page_refuses_a_login_with_no_role(client, django_user_model):
    django_user_model.objects.create_user("stranger", password="stranger-pass-1", is_staff=True)

    response = client.post(
        reverse("staff:login"), {"username": "stranger", "password": "stranger-pass-1"}
    )

    assert response.status_code == 200
    assert "no place at the front desk" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_login_page_lets_reception_in(client, reception):
    response = client.post(reverse("staff:login"), {"username": "desk", "password": "desk-pass-1"})

    assert response.status_code == 302
    assert response["Location"] == "/staff/"
    assert client.session["_auth_user_id"] == str(reception.pk)


def test_the_roles_carry_only_their_permissions(reception, anna_login):
    assert reception.has_perm("booking.run_front_desk")
    assert reception.has_perm("booking.view_health")
    assert not reception.has_perm("booking.view_reports")
    assert not reception.has_perm("booking.erase_client")
    assert not reception.has_perm("booking.delete_appointment")
    assert anna_login.has_perm("booking.add_treatmentnote")
    assert not anna_login.has_perm("booking.run_front_desk")
    assert not anna_login.has_perm("booking.view_client")


def test_appointments_scope_narrows_a_given_queryset(anna_login):
    anna = TherapistFactory.create(user=anna_login)
    own = booked(anna, "one@example.com")
    booked(anna, "two@example.com", START + timedelta(hours=3))

    scope = scope_of(anna_login)

    assert list(scope.appointments(Appointment.objects.filter(pk=own.pk))) == [own]
