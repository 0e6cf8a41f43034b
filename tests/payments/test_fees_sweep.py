"""The sweep settles a cancellation whose task was lost, and nothing twice."""

from datetime import timedelta

import pytest

from booking.services import Actor, cancel_visit
from payments.models import Entry, Settlement
from payments.services import settle_missed_cancellations
from tests.booking.conftest import NOW
from tests.payments.conftest import CARD_OK
from tests.payments.money import pay_deposit_online, studio_policy

pytestmark = pytest.mark.django_db

SWEEPER = Actor(label="sweep")


def test_the_sweep_settles_a_cancellation_its_task_never_settled(stripe_backend, booked):
    studio_policy(online="deposit", deposit_percent=20)
    pay_deposit_online(booked.visit, "7.00", CARD_OK)
    # The commit's task is lost: the on-commit callbacks never run here.
    cancel_visit(visit=booked.visit, actor=Actor.guest(), now=NOW)

    later = NOW + timedelta(minutes=10)
    assert settle_missed_cancellations(actor=SWEEPER, now=later) == 1
    assert settle_missed_cancellations(actor=SWEEPER, now=later) == 0

    assert Settlement.objects.get(visit=booked.visit).outcome == Settlement.Outcome.REFUNDED
    assert Entry.objects.filter(visit=booked.visit, kind="refund").count() == 1


def test_the_sweep_leaves_active_visits_alone(booked):
    assert settle_missed_cancellations(actor=SWEEPER, now=NOW) == 0
    assert not Settlement.objects.exists()
