"""Packages: sold at the desk and online, redeemed visit by visit, sessions given back."""

from datetime import timedelta
from decimal import Decimal

import pytest

from booking.models import Client
from booking.services import Actor, cancel_visit, mark_appointment
from payments.backends.base import PaymentError
from payments.models import ClientPackage, Entry, Package, Payment, PaymentPolicy
from payments.selectors import sessions_left, visit_balance
from payments.services import packages
from tests.booking.conftest import NOW
from tests.payments.conftest import CARD_OK
from tests.payments.test_stripe_backend import _card, _pay_in_browser

pytestmark = pytest.mark.django_db

DESK = Actor(label="desk")


@pytest.fixture
def ten(classical) -> Package:
    return Package.objects.create(
        name="Ten classical", offering=classical, sessions=10, price=Decimal("300.00")
    )


@pytest.fixture
def bought(ten, booked) -> ClientPackage:
    """Mira's ten sessions, bought at the desk in cash on the morning of NOW."""
    return packages.sell_package_at_desk(
        package=ten, client=booked.visit.client, method="cash", actor=DESK, now=NOW
    )


def test_a_package_sold_at_the_desk_is_paid_with_its_money_in_the_ledger(bought, ten):
    stored = ClientPackage.objects.get(pk=bought.pk)
    assert stored.is_paid
    assert stored.expires_at == NOW + timedelta(days=ten.valid_days)
    sale = Entry.objects.get(client_package=bought)
    assert (sale.kind, sale.method, sale.amount, sale.sessions) == (
        "package_sale",
        "cash",
        Decimal("300.00"),
        0,
    )
    assert sessions_left(stored) == 10


def test_the_desk_sells_only_for_cash_or_the_terminal(ten, booked):
    mira = booked.visit.client
    with pytest.raises(packages.InvalidMethod):
        packages.sell_package_at_desk(package=ten, client=mira, method="online", actor=DESK)
    assert not ClientPackage.objects.exists()


def test_a_redeemed_session_pays_its_share_of_the_visit(bought, booked):
    entry = packages.redeem_session(client_package=bought, visit=booked.visit, actor=DESK, now=NOW)

    assert (entry.kind, entry.method, entry.sessions, entry.amount) == (
        "package_redemption",
        "package",
        1,
        Decimal("30.00"),
    )
    assert sessions_left(ClientPackage.objects.get(pk=bought.pk)) == 9
    assert visit_balance(booked.visit).paid == Decimal("30.00")


def test_one_visit_is_paid_with_one_session_only(bought, booked):
    packages.redeem_session(client_package=bought, visit=booked.visit, actor=DESK, now=NOW)

    with pytest.raises(packages.AlreadyRedeemed):
        packages.redeem_session(client_package=bought, visit=booked.visit, actor=DESK, now=NOW)
    assert sessions_left(bought) == 9


def test_an_expired_package_is_refused(bought, booked):
    later = bought.expires_at + timedelta(seconds=1)
    with pytest.raises(packages.PackageExpired) as refused:
        packages.redeem_session(client_package=bought, visit=booked.visit, actor=DESK, now=later)
    assert refused.value.code == "package_expired"
    assert not Entry.objects.filter(kind="package_redemption").exists()


def test_a_used_up_package_is_refused_with_its_code(ten, booked):
    one = Package.objects.create(
        name="One", offering=ten.offering, sessions=1, price=Decimal("25.00")
    )
    single = packages.sell_package_at_desk(
        package=one, client=booked.visit.client, method="cash", actor=DESK, now=NOW
    )
    Entry.objects.create(
        kind="package_redemption",
        method="package",
        amount=Decimal("25.00"),
        currency="EUR",
        client_package=single,
        sessions=1,
        actor="test",
    )

    with pytest.raises(packages.NoSessionsLeft) as refused:
        packages.redeem_session(client_package=single, visit=booked.visit, actor=DESK, now=NOW)
    assert refused.value.code == "package_used_up"


def test_the_sessions_of_a_package_add_up_to_its_price_to_the_cent(ten, booked, staff):
    three = Package.objects.create(
        name="Three", offering=ten.offering, sessions=3, price=Decimal("100.00")
    )
    bought = packages.sell_package_at_desk(
        package=three, client=booked.visit.client, method="cash", actor=DESK, now=NOW
    )
    # Two sessions used before, worth 33.33 and 33.34: the last one is worth
    # what is left of the price, not another 33.33.
    for amount in ("33.33", "33.34"):
        Entry.objects.create(
            kind="package_redemption",
            method="package",
            amount=Decimal(amount),
            currency="EUR",
            client_package=bought,
            sessions=1,
            actor="test",
        )

    last = packages.redeem_session(client_package=bought, visit=booked.visit, actor=DESK, now=NOW)
    assert last.amount == Decimal("33.33")
    redeemed = Entry.objects.filter(client_package=bought, kind="package_redemption")
    assert sum(entry.amount for entry in redeemed) == Decimal("100.00")

    cancel_visit(visit=booked.visit, actor=staff, now=NOW)
    given = packages.give_back_session(visit=booked.visit, actor=DESK, now=NOW)
    assert [(e.sessions, e.amount) for e in given] == [(-1, Decimal("-33.33"))]


def test_another_clients_package_is_refused(ten, booked):
    others = packages.sell_package_at_desk(
        package=ten,
        client=Client.objects.create(name="Olga", phone="+4930999"),
        method="cash",
        actor=DESK,
        now=NOW,
    )
    with pytest.raises(packages.OtherClient):
        packages.redeem_session(client_package=others, visit=booked.visit, actor=DESK, now=NOW)


def test_a_package_of_another_massage_is_refused(vacuum, booked):
    other = Package.objects.create(name="Vacuum", offering=vacuum, sessions=5, price=Decimal(100))
    owned = packages.sell_package_at_desk(
        package=other, client=booked.visit.client, method="cash", actor=DESK, now=NOW
    )
    with pytest.raises(packages.OtherOffering):
        packages.redeem_session(client_package=owned, visit=booked.visit, actor=DESK, now=NOW)


def test_a_visit_cancelled_in_time_gives_its_session_back_once(bought, booked, staff):
    packages.redeem_session(client_package=bought, visit=booked.visit, actor=DESK, now=NOW)
    cancel_visit(visit=booked.visit, actor=staff, now=NOW)

    given = packages.give_back_session(visit=booked.visit, actor=DESK, now=NOW)
    again = packages.give_back_session(visit=booked.visit, actor=DESK, now=NOW)

    assert [(e.sessions, e.amount) for e in given] == [(-1, Decimal("-30.00"))]
    assert again == []
    assert sessions_left(bought) == 10


def test_a_late_cancellation_keeps_the_session_used(bought, booked, staff):
    PaymentPolicy.objects.create(fee_cutoff_hours=24)
    late = booked.start_at - timedelta(hours=2)
    packages.redeem_session(client_package=bought, visit=booked.visit, actor=DESK, now=NOW)
    cancel_visit(visit=booked.visit, actor=staff, now=late)

    assert packages.give_back_session(visit=booked.visit, actor=DESK, now=late) == []
    assert sessions_left(bought) == 9


def test_a_no_show_keeps_the_session_used(bought, booked, staff):
    packages.redeem_session(client_package=bought, visit=booked.visit, actor=DESK, now=NOW)
    mark_appointment(
        appointment=booked, status="no_show", actor=staff, now=booked.start_at + timedelta(hours=1)
    )

    assert packages.give_back_session(visit=booked.visit, actor=DESK) == []
    assert sessions_left(bought) == 9


def test_the_cancellation_gives_back_through_its_task(
    bought, booked, staff, django_capture_on_commit_callbacks
):
    packages.redeem_session(client_package=bought, visit=booked.visit, actor=DESK, now=NOW)

    with django_capture_on_commit_callbacks(execute=True):
        cancel_visit(visit=booked.visit, actor=staff, now=NOW)

    assert sessions_left(bought) == 10
    assert Entry.objects.filter(client_package=bought, sessions=-1).count() == 1


def test_online_without_a_gateway_packages_are_sold_at_the_studio(ten, guest_details):
    with pytest.raises(PaymentError) as refused:
        packages.start_package_purchase(package=ten, client_details=guest_details)
    assert refused.value.code == "not_online"
    assert not ClientPackage.objects.exists()


def test_a_package_bought_online_is_usable_once_paid(
    stripe_backend, ten, guest_details, mailoutbox
):
    payment = packages.start_package_purchase(package=ten, client_details=guest_details, now=NOW)
    client_package = payment.client_package
    assert client_package is not None
    assert payment.purpose == "package"
    assert payment.gateway_reference.startswith("pi_")
    assert not client_package.is_paid
    assert sessions_left(client_package) == 0
    assert packages.confirm_package_payment(payment=payment) is False

    _pay_in_browser(payment.gateway_reference, _card(CARD_OK))
    assert packages.confirm_package_payment(payment=payment, now=NOW) is True
    packages.complete_package_purchase(payment=payment, now=NOW)  # the webhook, later

    client_package.refresh_from_db()
    assert client_package.is_paid
    assert sessions_left(client_package) == 10
    sale = Entry.objects.get(client_package=client_package)
    assert (sale.kind, sale.method, sale.amount, sale.gateway_reference) == (
        "package_sale",
        "online",
        Decimal("300.00"),
        payment.gateway_reference,
    )
    assert Payment.objects.get(pk=payment.pk).status == "succeeded"


def test_the_package_link_opens_only_its_own_package(bought):
    token = packages.package_token(bought)
    assert packages.package_for_token(token) == bought
    assert packages.package_for_token(token + "x") is None


def test_a_course_is_paid_with_one_session_per_visit_all_or_none(course_of_three, vacuum):
    five = Package.objects.create(name="Five", offering=vacuum, sessions=5, price=Decimal(200))
    owned = packages.sell_package_at_desk(
        package=five, client=course_of_three.client, method="cash", actor=DESK, now=NOW
    )
    visits = list(course_of_three.visits.order_by("start_at"))

    entries = packages.redeem_sessions(client_package=owned, visits=visits, actor=DESK, now=NOW)

    assert [e.visit_id for e in entries] == [v.pk for v in visits]
    assert sessions_left(owned) == 2
    with pytest.raises(packages.AlreadyRedeemed):
        packages.redeem_sessions(client_package=owned, visits=visits[:1], actor=DESK, now=NOW)
    assert sessions_left(owned) == 2
