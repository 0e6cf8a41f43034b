"""Packages at the desk: the visit page's "Use a package session" and the client record's block."""

# ruff: noqa: F811 - the tests take as arguments the fixtures imported from visit_setup

from decimal import Decimal

import pytest
from django.urls import reverse

from booking.services import Actor
from payments.models import ClientPackage, Entry, Package
from payments.selectors import sessions_left
from payments.services import packages
from tests.staff.visit_setup import (  # noqa: F401 - fixtures
    anna,
    ben,
    booked,
    frozen,
    reception,
    studio_rules,
    two_rooms,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def ten(booked) -> Package:
    return Package.objects.create(
        name="Ten sessions", offering=booked.offering, sessions=10, price=Decimal("250.00")
    )


@pytest.fixture
def owned(ten, booked) -> ClientPackage:
    return packages.sell_package_at_desk(
        package=ten, client=booked.client, method="cash", actor=Actor(label="desk")
    )


def test_the_visit_page_offers_the_clients_usable_package(reception, booked, owned):
    page = reception.get(reverse("staff:visit", args=[booked.visit_id])).content.decode()

    assert "Use a package session" in page
    assert "Ten sessions: 10 sessions left" in page


def test_reception_pays_the_visit_with_a_package_session(reception, booked, owned):
    response = reception.post(
        reverse("staff:visit_package", args=[booked.visit_id]), {"client_package": owned.pk}
    )

    assert response.status_code == 303
    assert sessions_left(owned) == 9
    assert Entry.objects.get(visit=booked.visit).kind == "package_redemption"
    page = reception.get(reverse("staff:visit", args=[booked.visit_id])).content.decode()
    assert "9 of 10 sessions left" in page
    assert "Use a package session" not in page


def test_a_package_not_the_clients_is_not_used(reception, booked, ten, django_user_model):
    from booking.models import Client  # noqa: PLC0415

    other = Client.objects.create(name="Olga", phone="+4930999888")
    theirs = packages.sell_package_at_desk(
        package=ten, client=other, method="cash", actor=Actor(label="desk")
    )

    reception.post(
        reverse("staff:visit_package", args=[booked.visit_id]), {"client_package": theirs.pk}
    )

    assert sessions_left(theirs) == 10
    assert not Entry.objects.filter(visit=booked.visit).exists()


def test_reception_sells_a_package_on_the_client_record(reception, booked, ten):
    response = reception.post(
        reverse("staff:client-sell-package", args=[booked.client_id]),
        {"package": ten.pk, "method": "card_terminal"},
    )

    assert response.status_code == 303
    owned = ClientPackage.objects.get(client=booked.client)
    sale = Entry.objects.get(client_package=owned)
    assert (sale.kind, sale.method, sale.amount) == (
        "package_sale",
        "card_terminal",
        Decimal("250.00"),
    )
    page = reception.get(reverse("staff:client", args=[booked.client_id])).content.decode()
    assert "10 of 10 sessions left" in page
    assert "Sell a package" in page


def test_the_packages_block_reads_in_two_queries_however_many_packages(
    reception, booked, ten, django_assert_num_queries
):
    from staff.templatetags.staff_packages import client_packages  # noqa: PLC0415

    for _ in range(3):
        packages.sell_package_at_desk(
            package=ten, client=booked.client, method="cash", actor=Actor(label="desk")
        )
    # The client's packages with their sessions used summed; the packages for sale.
    with django_assert_num_queries(2):
        block = client_packages(booked.client)
        assert [state.left for state in block["owned"]] == [10, 10, 10]
        assert len(block["for_sale"]) == 1
