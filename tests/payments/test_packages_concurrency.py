"""Two desks redeem a package's last session at once: one wins (PostgreSQL, threads)."""

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from decimal import Decimal
from threading import Barrier

import pytest
from django.db import connection

from booking.models import Client
from booking.services import Actor
from payments.models import Entry, Package
from payments.selectors import sessions_left
from payments.services import packages
from tests.booking.conftest import NOW
from tests.factories import appointment_in, visit_for

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("migrated_data_around_module"),
]

RACERS = 4


def test_two_desks_redeeming_the_last_session_one_wins(classical, anna):
    client = Client.objects.create(name="Mira", email="mira@example.com", phone="+4930123")
    package = Package.objects.create(
        name="Two", offering=classical, sessions=2, price=Decimal("50.00")
    )
    owned = packages.sell_package_at_desk(
        package=package, client=client, method="cash", actor=Actor(label="desk"), now=NOW
    )
    visits = []
    for number in range(RACERS):
        start_at = NOW + timedelta(days=1 + number)
        visit = visit_for(client, start_at, start_at + timedelta(minutes=30))
        appointment_in(visit, classical, anna, start_at)
        visits.append(visit)
    first, *racing = visits
    packages.redeem_session(client_package=owned, visit=first, actor=Actor(label="desk"), now=NOW)
    barrier = Barrier(len(racing))

    def redeem(visit):
        try:
            connection.ensure_connection()
            barrier.wait(timeout=30)
            return packages.redeem_session(
                client_package=owned, visit=visit, actor=Actor(label="desk"), now=NOW
            )
        except packages.PackageError as error:
            return error
        finally:
            connection.close()

    with ThreadPoolExecutor(len(racing)) as pool:
        outcomes = list(pool.map(redeem, racing))

    assert sum(isinstance(o, Entry) for o in outcomes) == 1
    assert all(isinstance(o, packages.NoSessionsLeft) for o in outcomes if not isinstance(o, Entry))
    assert sessions_left(owned) == 0
