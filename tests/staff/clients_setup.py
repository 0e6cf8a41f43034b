"""What the client pages' tests share: logins with a role, clients with appointments."""

from datetime import UTC, datetime, timedelta
from typing import Any

from django.contrib.auth.models import Group, User

from booking.models import Appointment, Client, Therapist
from catalog.models import Offering
from tests.factories import TherapistFactory, appointment_in, visit_for

# Far enough ahead that no appointment here is in the past by accident.
FUTURE = datetime(2031, 3, 3, 9, tzinfo=UTC)
PAST = datetime(2024, 3, 4, 9, tzinfo=UTC)


def reception_login(username: str = "desk") -> User:
    user = User.objects.create_user(username, password="desk-pass-1", is_staff=True)
    user.groups.add(Group.objects.get(name="reception"))
    return user


def therapist_with_login(username: str, **fields: Any) -> Therapist:
    user = User.objects.create_user(username, password=f"{username}-pass-1")
    user.groups.add(Group.objects.get(name="therapist"))
    return TherapistFactory.create(user=user, name=fields.pop("name", username.title()), **fields)


def a_client(name: str, email: str = "", phone: str = "+49301234567") -> Client:
    return Client.objects.create(name=name, email=email, phone=phone)


def booked(
    client: Client, therapist: Therapist, start_at: datetime = FUTURE, **fields: Any
) -> Appointment:
    offering = Offering.objects.filter(is_active=True).order_by("id")[0]
    visit_fields = {"status": fields["status"]} if "status" in fields else {}
    visit = visit_for(
        client, start_at, start_at + timedelta(minutes=offering.duration_minutes), **visit_fields
    )
    fields.pop("status", None)
    return appointment_in(visit, offering, therapist, start_at, **fields)


def user_of(therapist: Therapist) -> User:
    """The therapist's login (every therapist here has one)."""
    assert therapist.user is not None
    return therapist.user
