"""Two desks spend one gift card at once, over their own connections: never overdrawn.

These tests commit for real (`transaction=True`, see tests/booking/test_concurrency.py).
"""

from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from threading import Barrier

import pytest
from django.db import connection

from booking.services import Actor, ClientDetails, book_appointment
from payments import errors
from payments.models import Entry
from payments.selectors import gift_card_balance
from payments.services import spend_gift_card
from tests.booking.conftest import NOW, TUESDAY, at
from tests.factories import sold_gift_card

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("migrated_data_around_module"),
]

DESK = Actor(label="desk", is_staff=True)


def test_racing_spends_of_one_card_never_take_more_than_it_holds(classical, anna, two_rooms):
    visits = [
        book_appointment(
            offering=classical,
            start_at=at(TUESDAY, clock),
            client=ClientDetails(f"Client {clock}", f"c{clock[:2]}@example.com", ""),
            source="desk",
            actor=DESK,
            now=NOW,
        ).visit
        for clock in ["10:00", "11:00", "12:00", "14:00"]
    ]
    # Enough for one visit and a half.
    amount = classical.price * Decimal("1.5")
    card, code = sold_gift_card(str(amount))
    barrier = Barrier(len(visits))

    def spend(visit) -> str:
        try:
            barrier.wait(timeout=30)
            spend_gift_card(code=code, visit=visit, actor=DESK, now=NOW)
        except errors.PaymentsError as error:
            return error.code
        finally:
            connection.close()
        return "spent"

    with ThreadPoolExecutor(max_workers=len(visits)) as pool:
        outcomes = sorted(pool.map(spend, visits))

    spent = Entry.objects.filter(gift_card=card, kind="gift_card_redemption")
    assert sorted(spent.values_list("amount", flat=True)) == [classical.price / 2, classical.price]
    assert outcomes == ["gift_card_empty", "gift_card_empty", "spent", "spent"]
    assert gift_card_balance(card) == Decimal("0.00")
