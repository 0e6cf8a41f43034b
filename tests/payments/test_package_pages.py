"""The public package pages: for sale, the client's own page by its private link, booking a session."""

from decimal import Decimal

import pytest
from django.urls import reverse

from booking.models import Visit
from booking.services import Actor
from payments.models import Entry, Package
from payments.package_mail import package_link
from payments.selectors import sessions_left
from payments.services import packages
from studio.formatting import format_money

pytestmark = pytest.mark.django_db


@pytest.fixture
def ten(classical) -> Package:
    return Package.objects.create(
        name="Ten classical", offering=classical, sessions=10, price=Decimal("250.00")
    )


def test_the_packages_page_shows_the_price_per_session_against_the_single_one(
    client, ten, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12):
        response = client.get(reverse("packages:list"))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Ten classical" in page
    assert format_money(Decimal("25.00"), "EUR") in page
    assert "sold at the studio" in page


def test_buying_online_with_the_pay_at_studio_backend_is_refused(client, ten):
    response = client.post(
        reverse("packages:buy", args=[ten.pk]),
        {"name": "Mira", "email": "mira@example.com", "phone": "+49 30 1234567"},
    )
    assert response.status_code == 422
    assert "sold at the studio" in response.content.decode()


def test_bad_details_are_a_400_naming_the_field(client, ten, stripe_backend):
    response = client.post(reverse("packages:buy", args=[ten.pk]), {"name": "Mira"})
    assert response.status_code == 400
    assert "Enter your e-mail address." in response.content.decode()


def test_the_private_link_opens_the_page_then_leaves_the_address(client, ten, booked):
    owned = packages.sell_package_at_desk(
        package=ten, client=booked.visit.client, method="cash", actor=Actor(label="desk")
    )
    link = package_link(owned)
    path = link[link.index("/en/") :]

    first = client.get(path)
    assert first.status_code == 303
    assert first["Location"] == reverse("packages:mine", args=[owned.pk])
    page = client.get(first["Location"]).content.decode()
    assert "10 of 10 sessions left" in page


def test_the_package_page_is_a_404_without_its_link(client, ten, booked):
    owned = packages.sell_package_at_desk(
        package=ten, client=booked.visit.client, method="cash", actor=Actor(label="desk")
    )
    assert client.get(reverse("packages:mine", args=[owned.pk])).status_code == 404
    assert client.get(reverse("packages:mine", args=[owned.pk]) + "?t=forged").status_code == 404


def test_booking_a_session_from_the_package_page_redeems_it(client, ten, booked, frozen):
    owned = packages.sell_package_at_desk(
        package=ten, client=booked.visit.client, method="cash", actor=Actor(label="desk")
    )
    link = package_link(owned)
    client.get(link[link.index("/en/") :])
    page = client.get(reverse("packages:mine", args=[owned.pk]))
    start = page.context["starts"][0]

    response = client.post(reverse("packages:book", args=[owned.pk]), {"start": start.isoformat()})

    assert response.status_code == 303
    redemption = Entry.objects.get(client_package=owned, kind="package_redemption")
    visit = redemption.visit
    assert visit is not None
    assert visit.start_at == start
    assert visit.status == Visit.Status.CONFIRMED
    assert sessions_left(owned) == 9
    page = client.get(reverse("packages:mine", args=[owned.pk])).content.decode()
    assert "9 of 10 sessions left" in page


def test_a_start_not_offered_is_refused(client, ten, booked, frozen):
    owned = packages.sell_package_at_desk(
        package=ten, client=booked.visit.client, method="cash", actor=Actor(label="desk")
    )
    link = package_link(owned)
    client.get(link[link.index("/en/") :])

    response = client.post(reverse("packages:book", args=[owned.pk]), {"start": "2020-01-01"})

    assert response.status_code == 400
    assert sessions_left(owned) == 10


def test_a_used_up_package_books_nothing(client, classical, booked, frozen):
    one = Package.objects.create(name="One", offering=classical, sessions=1, price=Decimal(30))
    owned = packages.sell_package_at_desk(
        package=one, client=booked.visit.client, method="cash", actor=Actor(label="desk")
    )
    packages.redeem_session(client_package=owned, visit=booked.visit, actor=Actor(label="desk"))
    link = package_link(owned)
    client.get(link[link.index("/en/") :])
    visits_before = Visit.objects.count()

    response = client.post(
        reverse("packages:book", args=[owned.pk]), {"start": booked.start_at.isoformat()}
    )

    assert response.status_code == 409
    assert "This package has no sessions left." in response.content.decode()
    assert Visit.objects.count() == visits_before
