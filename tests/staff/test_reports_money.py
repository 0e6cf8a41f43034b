"""The reports' money: a known ledger gives known figures by week, on the page and in CSV."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction

from booking.models import Client
from booking.services import Actor
from catalog.models import Offering
from payments.services import record_entry
from payments.services.ledger import Movement
from staff.reports.figures import money
from tests.factories import TherapistFactory, appointment_in, visit_for

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY = date(2031, 3, 3)
NEXT_MONDAY = date(2031, 3, 10)
URL = "/staff/reports/"
DESK = Actor(label="desk")
D = Decimal


def local(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), BERLIN)


@pytest.fixture
def ledger(settings):
    """Two weeks of money, and a deposit paid for a visit still to come."""
    settings.STUDIO_TIME_ZONE = "Europe/Berlin"
    client = Client.objects.create(name="Mira", email="mira@example.com")
    offering = Offering.objects.get(slug="classical-foot-30")
    anna = TherapistFactory.create(name="Anna")
    start = local(NEXT_MONDAY + timedelta(days=14), 10)
    visit = visit_for(client, start, start + timedelta(minutes=30))
    appointment_in(visit, offering, anna, start)
    rows = [
        (MONDAY, "deposit", "online", "10.00"),
        (MONDAY, "desk_payment", "cash", "25.00"),
        (MONDAY + timedelta(days=2), "desk_payment", "card_terminal", "35.00"),
        (MONDAY + timedelta(days=2), "refund", "cash", "-5.00"),
        # A deposit kept as a late fee: no money moves.
        (MONDAY + timedelta(days=3), "deposit", "online", "-10.00"),
        (MONDAY + timedelta(days=3), "fee", "online", "10.00"),
        (MONDAY + timedelta(days=4), "package_sale", "cash", "300.00"),
        (MONDAY + timedelta(days=4), "package_redemption", "package", "35.00"),
        (NEXT_MONDAY, "gift_card_sale", "online", "50.00"),
        (NEXT_MONDAY, "gift_card_redemption", "gift_card", "20.00"),
        (NEXT_MONDAY, "fee", "online", "35.00"),
        (NEXT_MONDAY + timedelta(days=1), "refund", "online", "-10.00"),
    ]
    with transaction.atomic():
        for day, kind, method, amount in rows:
            record_entry(
                movement=Movement(kind, method, D(amount), "EUR"),
                actor=DESK,
                client=client,
                visit=visit if kind in ("deposit", "fee", "refund") else None,
                now=local(day, 11),
            )
        # The deposit still held: paid for the visit to come, in the week after.
        record_entry(
            movement=Movement("deposit", "online", D("15.00"), "EUR"),
            actor=DESK,
            visit=visit,
            now=local(NEXT_MONDAY + timedelta(days=2), 12),
        )
        # Outside the period: not counted.
        record_entry(
            movement=Movement("desk_payment", "cash", D("99.00"), "EUR"),
            actor=DESK,
            client=client,
            now=local(MONDAY, 0) - timedelta(minutes=1),
        )
    return visit


def test_the_money_of_each_week_adds_up(ledger):
    figures = money(MONDAY, NEXT_MONDAY + timedelta(days=6), now=local(MONDAY, 8))

    first, second = figures.weeks
    assert (first.monday, first.currency) == (MONDAY, "EUR")
    assert (first.online, first.cash, first.card_terminal) == (D("10.00"), D("325.00"), D("35.00"))
    assert first.refunds == D("5.00")
    assert first.net == D("365.00")
    assert first.fees == D("10.00")
    assert first.package_sales == D("300.00")
    assert first.redemptions == D("35.00")
    assert (second.online, second.refunds, second.net) == (D("100.00"), D("10.00"), D("90.00"))
    assert (second.fees, second.gift_card_sales, second.redemptions) == (
        D("35.00"),
        D("50.00"),
        D("20.00"),
    )


def test_deposits_held_are_those_of_visits_still_to_come(ledger):
    # 10 paid, 10 kept as a fee, 10 refunded (of the fee's visit), 15 paid.
    assert money(MONDAY, MONDAY, now=local(MONDAY, 8)).held == [("EUR", D("5.00"))]
    after_the_visit = ledger.start_at + timedelta(hours=1)
    assert money(MONDAY, MONDAY, now=after_the_visit).held == []


def test_the_page_and_the_csv_show_the_money(ledger, admin_client):
    period = {"start": "2031-03-03", "end": "2031-03-16"}
    page = admin_client.get(URL, period).content.decode()
    money_part = page[page.index('id="report-money"') :]
    assert "Money by week" in money_part
    assert "<svg" in money_part
    assert "Deposits held for visits still to come:" in money_part

    csv = admin_client.get(URL, {**period, "format": "csv", "table": "money"}).content.decode()
    lines = csv.strip().splitlines()
    assert lines[0].startswith('Week from,Online,Cash,Card terminal,Refunds,"Taken in, net"')
    assert lines[1] == "2031-03-03,10.00,325.00,35.00,5.00,365.00,10.00,300.00,0,35.00,EUR"
    assert len(lines) == 3
