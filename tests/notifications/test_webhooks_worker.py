"""Webhook deliveries on a real Celery worker over Redis, through a worker restart."""

from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from rest_framework.test import APIClient

from booking.models import Appointment
from booking.services import Actor, reschedule_appointment
from notifications import webhooks
from notifications.tasks import dispatch_messages
from studio import celery_app
from tests.booking.conftest import TUESDAY, at
from tests.booking.test_worker import wait_for

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("migrated_data_around_module"),
]


@pytest.mark.redis
def test_events_reach_the_receiver_once_and_in_order_through_a_failure_and_a_restart(
    receiver,
    crm,
    classical,
    anna,
    two_rooms,
    time_machine,
):
    time_machine.move_to(at(TUESDAY, "7:00"), tick=True)
    subscription = webhooks.create_subscription(
        url=receiver.url, events=list(webhooks.EVENT_TYPES), owner=crm
    )
    receiver.secret = subscription.secret
    receiver.statuses = [500]
    celery_app.conf.task_always_eager = False
    try:
        with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=15):
            response = APIClient().post(
                "/api/v1/appointments/",
                {
                    "offering": classical.id,
                    "start": at(TUESDAY, "14:00").isoformat(),
                    "client": {
                        "name": "Mira",
                        "email": "mira@example.com",
                        "phone": "+49 30 1234567",
                    },
                },
                format="json",
            )
            assert response.status_code == 201
            assert wait_for(lambda: receiver.hits == 1), "the worker never tried the delivery"
        # No worker now: the move's delivery waits on the broker for the next one.
        appointment = Appointment.objects.get(pk=response.json()["id"])
        reschedule_appointment(
            appointment=appointment, start_at=at(TUESDAY, "15:00"), actor=Actor.for_user(crm)
        )
        with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=15):
            # Past the first try's back-off: beat's sweep sends both, the booking first.
            time_machine.move_to(at(TUESDAY, "7:00") + timedelta(minutes=3), tick=True)
            dispatch_messages.delay()
            assert wait_for(lambda: len(receiver.events) == 2), receiver.events
    finally:
        celery_app.conf.task_always_eager = True
    assert receiver.types() == ["visit.booked", "visit.moved"]
    assert receiver.hits == 3
    assert receiver.bad_signatures == 0
