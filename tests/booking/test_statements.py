"""Several statements in one round trip: in order, each with its own rows, stopped by an error."""

import pytest
from django.db import DatabaseError, connection, transaction

from booking.availability import _Resources
from booking.models import IdempotencyKey
from booking.statements import read_together, run_together
from catalog.models import ResourceKind
from tests.factories import vacuum_device
from tests.roundtrips import round_trips

pytestmark = pytest.mark.django_db

INSERT_KEY = "INSERT INTO booking_idempotencykey (owner, key, request_hash, state, created_at) "
INSERT_KEY += "VALUES (%s, %s, %s, 'running', CURRENT_TIMESTAMP)"


def test_each_statement_gives_its_own_rows_and_count_in_order():
    results = run_together(
        [
            ("SELECT %s, %s UNION ALL SELECT 3, 4", [1, 2]),
            (INSERT_KEY, ["user:1", "k", "0" * 64]),
            ("SELECT count(*) FROM booking_idempotencykey WHERE key = %s", ["k"]),
        ]
    )

    assert [rows for rows, _ in results] == [[(1, 2), (3, 4)], [], [(1,)]]
    assert results[1][1] == 1  # the INSERT's row


@pytest.mark.postgres
def test_several_statements_take_one_round_trip_on_postgresql():
    # The test's transaction has begun: BEGIN is not counted.
    run_together([("SELECT 0", [])])
    with round_trips(connection) as seen:
        run_together([("SELECT 1", []), (INSERT_KEY, ["user:1", "k", "0" * 64]), ("SELECT 2", [])])

    assert seen.count == 1, str(seen)


def test_a_refused_statement_raises_and_the_ones_after_it_do_not_run():
    with pytest.raises(DatabaseError), transaction.atomic():
        run_together(
            [
                (INSERT_KEY, ["user:1", "first", "0" * 64]),
                (INSERT_KEY, ["user:1", "first", "0" * 64]),
                (INSERT_KEY, ["user:1", "after", "0" * 64]),
            ]
        )

    assert not IdempotencyKey.objects.exists()


def test_querysets_read_together_give_what_iterating_them_gives(classical, vacuum, two_rooms):
    vacuum_device()
    kinds = _Resources.rows([classical.id, vacuum.id])
    keys = IdempotencyKey.objects.filter(key="none").values_list("id", "key")

    assert read_together(kinds, keys) == [list(kinds), []]


def test_only_plain_values_list_querysets_are_read_together():
    # modeltranslation's values_list puts its columns in another order.
    with pytest.raises(ValueError, match="plain values_list"):
        read_together(ResourceKind.objects.values_list("id", "name"))
