"""`Idempotency-Key` for visits and courses: the key keeps the visit it booked."""

import pytest
from django.db import transaction

from booking.models import Course, IdempotencyKey
from booking.services import idempotency

pytestmark = pytest.mark.django_db

OWNER = "user:1"
BODY = {"appointments": [{"offering": 1}]}


def kept_for_visit(visit, *, key: str = "k", body=None) -> None:
    claimed = idempotency.claim_visit(owner=OWNER, key=key, body=body or BODY)
    assert isinstance(claimed, idempotency.Claim)
    with transaction.atomic():
        idempotency.keep(claimed, visit=visit, lead=visit.appointments.get())


def test_a_repeated_key_for_a_visit_replays_the_visit(booked):
    kept_for_visit(booked.visit)

    again = idempotency.claim_visit(owner=OWNER, key="k", body=BODY)

    assert again == idempotency.VisitReplay(status=201, visit=booked.visit)
    row = IdempotencyKey.objects.get()
    assert (row.visit_id, row.appointment_id, row.state) == (booked.visit_id, None, "done")


def test_a_key_that_booked_a_visit_is_a_422_for_an_appointment(booked):
    kept_for_visit(booked.visit)

    with pytest.raises(idempotency.KeyReused):
        idempotency.claim(owner=OWNER, key="k", body=BODY)


def test_a_key_that_booked_an_appointment_is_a_422_for_a_visit(booked):
    claimed = idempotency.claim(owner=OWNER, key="k", body=BODY)
    assert isinstance(claimed, idempotency.Claim)
    with transaction.atomic():
        idempotency.keep(claimed, visit=booked.visit, lead=booked)

    with pytest.raises(idempotency.KeyReused):
        idempotency.claim_visit(owner=OWNER, key="k", body=BODY)


def test_a_key_that_booked_a_visit_is_a_422_for_a_course(booked):
    kept_for_visit(booked.visit)

    with pytest.raises(idempotency.KeyReused):
        idempotency.claim_visit(owner=OWNER, key="k", body=BODY, is_course=True)


def test_a_key_that_booked_a_course_replays_its_first_session(booked):
    course = Course.objects.create(
        client=booked.client, offering=booked.offering, interval_days=7, session_count=1
    )
    booked.visit.course = course
    booked.visit.save(update_fields=["course"])
    kept_for_visit(booked.visit)

    again = idempotency.claim_visit(owner=OWNER, key="k", body=BODY, is_course=True)

    assert isinstance(again, idempotency.VisitReplay)
    assert again.visit.course == course


def test_a_key_claimed_for_an_appointment_keeps_the_appointment_alone(booked):
    claimed = idempotency.claim(owner=OWNER, key="k", body=BODY)
    assert isinstance(claimed, idempotency.Claim)

    with transaction.atomic():
        idempotency.keep(claimed, visit=booked.visit, lead=booked)

    row = IdempotencyKey.objects.get()
    assert (row.appointment_id, row.visit_id, row.state) == (booked.pk, None, "done")


def test_a_clients_visit_keys_are_found_by_their_appointments(booked):
    kept_for_visit(booked.visit, key="visit")
    kept_for_visit(booked.visit, key="other", body={"other": True})
    IdempotencyKey.objects.create(owner=OWNER, key="unrelated", request_hash="0" * 64)

    deleted = idempotency.forget_client_keys(emails=[], appointment_ids=[booked.pk])

    assert deleted == 2
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["unrelated"]
