"""An `Idempotency-Key` is kept with its booking, in the booking's own transaction.

A web process can die between the booking's COMMIT and its answer. The
retry with the same key then finds the key done and replays the booking
(once the first claim is stale, and before). A booking that rolled back
left its key running, and the retry books it once, after STALE_AFTER.
"""

from datetime import timedelta

import pytest
import time_machine
from rest_framework.test import APIClient

from booking import services
from booking.models import Appointment, Course, IdempotencyKey, Visit
from booking.services import Actor, ClientDetails, book_appointment, idempotency
from tests.booking.conftest import MIRA, NOW, TUESDAY, at
from tests.booking.test_site_booking import details, form_url

pytestmark = pytest.mark.django_db

# Long enough after the first request for its claim to be taken over.
LATER = idempotency.STALE_AFTER + timedelta(minutes=1)


class ProcessKilled(BaseException):
    """The web process dies: no handler of the request runs any more."""


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def dies_after(monkeypatch: pytest.MonkeyPatch, service: str) -> None:
    """The request dies right after `service` has booked and committed, before it answers."""
    real = getattr(services, service)

    def booked_then_killed(**arguments):
        real(**arguments)
        raise ProcessKilled

    monkeypatch.setattr(services, service, booked_then_killed)
    # A killed process frees nothing.
    monkeypatch.setattr(idempotency, "release", lambda claimed: None)


def post(path: str, body: dict):
    return APIClient().post(path, body, format="json", headers={"Idempotency-Key": "k"})


def died_after_booking(monkeypatch: pytest.MonkeyPatch, service: str, path: str, body: dict):
    """POST `body` to `path`, whose request dies once `service` has committed."""
    with monkeypatch.context() as dying:
        dies_after(dying, service)
        with pytest.raises(ProcessKilled):
            post(path, body)


def appointment_body(offerings) -> dict:
    return {"offering": offerings[0].id, "start": at(TUESDAY, "10:00").isoformat(), "client": MIRA}


def visit_body(offerings) -> dict:
    one = {"offering": offerings[0].id, "start": at(TUESDAY, "10:00").isoformat()}
    return {"client": MIRA, "appointments": [one]}


def course_body(offerings) -> dict:
    weeks = [TUESDAY + timedelta(weeks=week) for week in range(4)]
    return {
        "offering": offerings[1].id,
        "starts": [at(day, "10:00").isoformat() for day in weeks],
        "client": MIRA,
    }


@pytest.mark.parametrize(
    ("path", "service", "body_of", "booking"),
    [
        ("/api/v1/appointments/", "book_appointment", appointment_body, Appointment),
        ("/api/v1/visits/", "book_visit", visit_body, Visit),
        ("/api/v1/courses/", "book_course", course_body, Course),
    ],
)
def test_a_booking_made_before_its_request_died_is_replayed_not_made_again(
    monkeypatch,
    clock,
    classical,
    course_of_four,
    anna,
    ben,
    two_rooms,
    path,
    service,
    body_of,
    booking,
):
    body = body_of([classical, course_of_four])
    died_after_booking(monkeypatch, service, path, body)
    first = booking.objects.get()
    clock.shift(LATER)

    retry = post(path, body)

    # Ben was free too: a second booking would have taken him.
    assert retry.status_code == 201, retry.content
    assert retry.json()["id"] == str(first.pk)
    assert booking.objects.count() == 1
    assert IdempotencyKey.objects.get().state == "done"


def test_a_retry_right_after_the_request_died_replays_too(
    monkeypatch, clock, classical, anna, ben, two_rooms
):
    body = appointment_body([classical])
    died_after_booking(monkeypatch, "book_appointment", "/api/v1/appointments/", body)

    retry = post("/api/v1/appointments/", body)

    assert retry.status_code == 201, retry.content
    assert retry.json()["id"] == str(Appointment.objects.get().pk)


def test_a_form_whose_request_died_after_booking_shows_that_booking_when_sent_again(
    monkeypatch, clock, client, classical, anna, ben, two_rooms
):
    url = form_url(classical)
    sent = details(at(TUESDAY, "10:00"))
    with monkeypatch.context() as dying:
        dies_after(dying, "book_visit")
        with pytest.raises(ProcessKilled):
            client.post(url, sent)
    first = Appointment.objects.get()
    clock.shift(LATER)

    again = client.post(url, sent)

    assert again.status_code == 303, again.content.decode()
    assert str(first.pk) in again["Location"]
    assert Appointment.objects.count() == 1


def test_a_booking_that_rolled_back_leaves_its_key_to_the_retry(
    monkeypatch, clock, classical, anna, ben, two_rooms
):
    body = appointment_body([classical])
    real_keep = idempotency.keep

    def kept_then_killed(claimed, **booking):
        real_keep(claimed, **booking)
        # Before COMMIT: the database rolls the booking and the key back.
        raise ProcessKilled

    with monkeypatch.context() as dying:
        dying.setattr(idempotency, "keep", kept_then_killed)
        dying.setattr(idempotency, "release", lambda claimed: None)
        with pytest.raises(ProcessKilled):
            post("/api/v1/appointments/", body)
    assert not Appointment.objects.exists()
    assert IdempotencyKey.objects.get().state == "running"
    too_soon = post("/api/v1/appointments/", body)
    clock.shift(LATER)

    retry = post("/api/v1/appointments/", body)

    assert too_soon.status_code == 409
    assert too_soon.json()["error"]["code"] == "idempotency_key_in_progress"
    assert retry.status_code == 201, retry.content
    row = IdempotencyKey.objects.get()
    assert (row.state, str(row.appointment_id)) == ("done", retry.json()["id"])
    assert Appointment.objects.count() == 1


def test_a_request_whose_stale_claim_was_taken_over_books_nothing(
    clock, classical, anna, ben, two_rooms
):
    body = appointment_body([classical])
    slow = idempotency.claim(owner="user:1", key="k", body=body)
    clock.shift(LATER)
    retry = idempotency.claim(owner="user:1", key="k", body=body)
    assert isinstance(slow, idempotency.Claim)
    assert isinstance(retry, idempotency.Claim)

    def book(claimed: idempotency.Claim) -> Appointment:
        return book_appointment(
            offering=classical,
            start_at=at(TUESDAY, "10:00"),
            client=ClientDetails(**MIRA),
            source="api",
            actor=Actor.guest(),
            idempotency_key=claimed,
        )

    with pytest.raises(idempotency.KeyInProgress):
        book(slow)
    idempotency.release(slow)

    assert not Appointment.objects.exists()
    assert IdempotencyKey.objects.get().state == "running"
    booked = book(retry)
    row = IdempotencyKey.objects.get()
    assert (row.state, row.appointment_id) == ("done", booked.pk)
