"""Logins of the staff workspace (reception and a therapist), and the calendar's day."""

from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import Group

from catalog.models import Offering

# The calendar's tests take place on a Tuesday, in Berlin (UTC+1 in March).
DAY = "2031-03-04"


def at(clock: str) -> datetime:
    """A wall-clock time on DAY in Berlin."""
    hour, minute = (int(part) for part in clock.split(":"))
    return datetime(2031, 3, 4, hour - 1, minute, tzinfo=UTC)


@pytest.fixture
def classical():
    return Offering.objects.get(slug="classical-foot-30")


@pytest.fixture
def reception(django_user_model):
    user = django_user_model.objects.create_user("desk", password="desk-pass-1", is_staff=True)
    user.groups.add(Group.objects.get(name="reception"))
    return user


@pytest.fixture
def anna_login(django_user_model):
    user = django_user_model.objects.create_user("anna", password="anna-pass-1")
    user.groups.add(Group.objects.get(name="therapist"))
    return user
