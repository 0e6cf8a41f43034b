"""The gateway's confirmation racing the expiry sweep, over their own database connections.

These tests commit for real (`transaction=True`, see tests/booking/test_concurrency.py).
"""

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from threading import Barrier

import pytest
from django.db import connection

from booking import errors
from booking.models import Allocation, Appointment, Visit
from booking.services import (
    Actor,
    ClientDetails,
    WantedAppointment,
    book_visit,
    release_expired_holds,
)
from payments.models import Entry, Payment
from payments.services import online
from tests.booking.conftest import NOW, TUESDAY, at
from tests.payments.conftest import card_entered, gateway_event, signed

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("migrated_data_around_module"),
]

EXPIRED = NOW + timedelta(minutes=15)
SOMEONE_ELSE = ClientDetails("Quick Other", "other@example.com", "+49 30 7654321")


def book(offering, start_at, *, details=None, now=NOW) -> Visit:
    actor = Actor.guest()
    return book_visit(
        appointments=[WantedAppointment(offering=offering, start_at=start_at)],
        client=details or ClientDetails("Mira Example", "mira@example.com", "+49 30 1234567"),
        source=Appointment.Source.WEB,
        actor=actor,
        now=now,
        hold_for_payment_until=online.payment_hold_until(
            offerings=[offering], actor=actor, now=now
        ),
    )


def test_the_webhook_racing_the_sweep_never_leaves_two_visits_on_one_time(
    stripe_backend, deposit_policy, classical, anna, two_rooms
):
    """Paid just in time, swept at once: confirmed and kept, or released and refunded."""
    for clock in ["10:00", "11:00", "12:00", "14:00"]:
        start = at(TUESDAY, clock)
        held = book(classical, start)
        payment = online.start_visit_payment(visit=held, now=NOW)
        online.pay_with_card(payment=payment, entry_reference=card_entered(payment), now=NOW)
        body = gateway_event(online.SUCCEEDED, payment)
        barrier = Barrier(2)

        def paid(body=body, barrier=barrier):
            try:
                barrier.wait(timeout=30)
                return online.handle_webhook(
                    body=body, signature=signed(body), now=EXPIRED - timedelta(seconds=1)
                )
            finally:
                connection.close()

        def sweep(barrier=barrier):
            try:
                barrier.wait(timeout=30)
                return release_expired_holds(now=EXPIRED)
            finally:
                connection.close()

        with ThreadPoolExecutor(max_workers=2) as pool:
            handled, released = pool.submit(paid), pool.submit(sweep)
            handled.result(timeout=60)
            count = released.result(timeout=60)

        # Someone else asks for the same time once the hold is over.
        try:
            other = book(classical, start, details=SOMEONE_ELSE, now=EXPIRED)
        except errors.SlotUnavailable:
            other = None
        stored = Visit.objects.get(pk=held.pk)
        taking_the_time = Visit.objects.filter(
            status__in=Visit.ACTIVE_STATUSES, start_at=start
        ).count()
        assert taking_the_time == 1
        assert (
            Allocation.objects.filter(is_active=True, start_at=start).values("resource").count()
            == 1
        )
        kinds = list(Entry.objects.filter(payment=payment).values_list("kind", flat=True))
        assert Payment.objects.get(pk=payment.pk).status == Payment.Status.SUCCEEDED
        if stored.status == Visit.Status.CONFIRMED:
            assert count == 0 and other is None
            assert kinds == ["deposit"]
        else:
            assert stored.status == Visit.Status.CANCELLED
            assert count == 1 and other is not None
            assert sorted(kinds) == ["deposit", "refund"]
