"""The ledger refuses a row written outside a transaction.

This test commits for real (`transaction=True`), so Django empties the
database after it; `serialized_rollback` puts back the data the
migrations wrote before it, and `migrated_data_around_module` once more
after it, for the tests that follow on the same worker. It lives apart
from tests/payments/test_ledger.py, whose other tests need that data
throughout.
"""

from decimal import Decimal

import pytest

from booking.services import Actor
from payments.services import record_entry
from payments.services.ledger import Movement

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("migrated_data_around_module"),
]


def test_the_ledger_is_written_only_inside_a_transaction(booked):
    movement = Movement(kind="desk_payment", method="cash", amount=Decimal("5.00"), currency="EUR")

    with pytest.raises(RuntimeError):
        record_entry(movement=movement, actor=Actor(label="desk"), visit=booked.visit)
