"""A visit paid with a package says what is left of it on its manage page."""

from decimal import Decimal

import pytest
from django.urls import reverse

from booking.guest_access import manage_link
from booking.services import Actor
from payments.models import Package
from payments.services import packages

pytestmark = pytest.mark.django_db

DESK = Actor(label="desk")


@pytest.fixture
def redeemed(classical, booked):
    ten = Package.objects.create(
        name="Ten classical", offering=classical, sessions=10, price=Decimal("300.00")
    )
    owned = packages.sell_package_at_desk(
        package=ten, client=booked.visit.client, method="cash", actor=DESK
    )
    packages.redeem_session(client_package=owned, visit=booked.visit, actor=DESK)
    return owned


def test_the_manage_page_says_how_many_sessions_are_left(client, booked, redeemed):
    client.get(manage_link(booked))

    page = client.get(reverse("booking:manage", args=[booked.pk])).content.decode()

    assert "Paid with your package: 9 of 10 sessions left, valid until" in page


def test_a_visit_without_a_package_says_nothing_of_one(client, booked):
    client.get(manage_link(booked))

    page = client.get(reverse("booking:manage", args=[booked.pk])).content.decode()

    assert "Paid with your package" not in page
