"""A real Celery worker on a real Redis broker sends the confirmation.

The booking commits, its on-commit hook hands the confirmation to the
broker, and a worker (in a thread of this process, consuming from Redis)
sends it; the e-mail lands in Django's test outbox.
"""

import os
import time
from collections.abc import Iterator

import pytest
from celery import Celery
from celery.contrib.testing.worker import start_worker
from django.core import mail
from icalendar import Calendar
from rest_framework.test import APIClient

from booking.services import Actor, ClientDetails, book_appointment
from notifications.models import Message
from notifications.tasks import dispatch_messages
from studio import celery_app
from tests.booking.conftest import TUESDAY, at
from tests.conftest import IS_CI

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("migrated_data_around_module"),
]


@pytest.fixture
def worker() -> Iterator[None]:
    """A worker thread consuming from the configured broker, which must be Redis here."""
    if not str(celery_app.conf.broker_url).startswith("redis://"):
        reason = "needs CELERY_BROKER_URL on Redis (dev.py test sets it under CI)"
        pytest.fail(reason) if IS_CI else pytest.skip(reason)
    celery_app.conf.task_always_eager = False
    try:
        with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=15):
            yield
    finally:
        celery_app.conf.task_always_eager = True


def wait_for(condition, seconds: float = 20.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.redis
def test_a_booking_through_the_api_is_confirmed_by_the_worker(
    worker, classical, anna, two_rooms, time_machine
):
    time_machine.move_to(at(TUESDAY, "7:00"), tick=True)
    response = APIClient().post(
        "/api/v1/appointments/",
        {
            "offering": classical.id,
            "start": at(TUESDAY, "14:00").isoformat(),
            "client": {"name": "Mira", "email": "mira@example.com", "phone": "+49 30 1234567"},
        },
        format="json",
    )
    assert response.status_code == 201

    assert wait_for(lambda: len(mail.outbox) == 1), "no confirmation within 20 seconds"

    (message,) = mail.outbox
    assert message.to == ["Mira <mira@example.com>"]
    _, ics, _ = message.attachments[0]
    (event,) = Calendar.from_ical(ics).walk("VEVENT")
    assert event.decoded("dtstart") == at(TUESDAY, "14:00")
    assert event.decoded("dtend") == at(TUESDAY, "14:30")
    assert str(event["uid"]) == f"appointment-{response.json()['id']}@127.0.0.1"
    assert str(event["summary"]) == "Classical: foot at Studio"
    confirmation = Message.objects.get(kind=Message.Kind.CONFIRMATION)
    assert wait_for(lambda: Message.objects.get(pk=confirmation.pk).status == "sent")


@pytest.mark.redis
def test_beats_sweep_runs_on_the_worker_and_sends_what_is_due(
    worker, classical, anna, two_rooms, time_machine
):
    time_machine.move_to(at(TUESDAY, "7:00"), tick=True)
    APIClient().post(
        "/api/v1/appointments/",
        {
            "offering": classical.id,
            "start": at(TUESDAY, "15:00").isoformat(),
            "client": {"name": "Olga", "email": "olga@example.com", "phone": "+49 30 7654321"},
        },
        format="json",
    )
    assert wait_for(lambda: len(mail.outbox) == 1)
    # A reminder left behind by a lost message: beat's sweep finds it.
    Message.objects.filter(kind=Message.Kind.CONFIRMATION).update(status="pending")

    dispatch_messages.delay()

    assert wait_for(lambda: len(mail.outbox) == 2)


@pytest.mark.rabbitmq
def test_a_worker_on_rabbitmq_sends_the_due_reminders(classical, anna, two_rooms, time_machine):
    """The broker is only a setting: the same dispatch runs on a worker fed by RabbitMQ."""
    rabbit = Celery("studio-on-rabbitmq")
    rabbit.config_from_object("django.conf:settings", namespace="CELERY")
    rabbit.conf.update(broker_url=os.environ["RABBITMQ_URL"], task_always_eager=False)
    # booking.tasks' shared tasks register themselves with this app too.
    assert "notifications.tasks.dispatch_messages" in rabbit.tasks
    time_machine.move_to(at(TUESDAY, "7:00"), tick=True)
    book_appointment(
        offering=classical,
        start_at=at(TUESDAY, "14:00"),
        client=ClientDetails(name="Mira", email="mira@example.com", phone="+49 30 1234567"),
        source="api",
        actor=Actor.guest(),
    )
    mail.outbox.clear()  # what the in-process hand-over sent; the sweep must send the rest
    Message.objects.update(status="pending")

    with start_worker(rabbit, pool="solo", perform_ping_check=False, shutdown_timeout=15):
        rabbit.send_task("notifications.tasks.dispatch_messages")
        assert wait_for(lambda: len(mail.outbox) == 1), "no e-mail within 20 seconds"

    assert Message.objects.get(kind=Message.Kind.CONFIRMATION).status == "sent"
