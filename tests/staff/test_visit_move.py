"""Moving a visit and giving it to another therapist from the visit page."""

# ruff: noqa: F811 - the tests take as arguments the fixtures imported from visit_setup

import pytest
from django.urls import reverse

from booking.site_forms import slot_value
from tests.factories import TherapistFactory
from tests.staff.visit_setup import (  # noqa: F401 - fixtures
    TUESDAY,
    anna,
    at,
    ben,
    book,
    booked,
    frozen,
    reception,
    studio_rules,
    two_rooms,
)

pytestmark = pytest.mark.django_db


def move_url(appointment) -> str:
    return reverse("staff:visit_move", args=[appointment.visit_id])


def test_the_move_page_offers_the_days_free_times_with_the_current_one_chosen(reception, booked):
    response = reception.get(move_url(booked))

    assert response.status_code == 200
    page = response.content.decode()
    current = slot_value(at(TUESDAY, "10:00"))
    assert f'value="{current}" id="start-{current.lower().replace(":", "")}" checked' in page
    assert slot_value(at(TUESDAY, "15:00")) in page
    assert "Ben Hoffmann" in page


def test_the_move_page_offers_times_without_the_guests_notice(reception, booked, frozen):
    # Monday 08:00: the guests' two hours' notice would start at 10:00.
    response = reception.get(move_url(booked), {"on": "2027-03-01"})

    assert slot_value(at(TUESDAY.replace(day=1), "09:00")) in response.content.decode()


def test_a_therapist_busy_at_a_time_is_not_offered_it(reception, booked, ben):
    book(ben, "15:00", name="Olga", email="olga@example.com")

    response = reception.get(
        move_url(booked), {"on": TUESDAY.isoformat(), f"therapist_{booked.pk}": ben.pk}
    )

    page = response.content.decode()
    assert slot_value(at(TUESDAY, "15:00")) not in page
    assert slot_value(at(TUESDAY, "10:00")) in page


def test_reception_gives_the_visit_to_another_therapist(reception, booked, ben):
    response = reception.post(
        move_url(booked),
        {
            "start": slot_value(booked.start_at),
            f"therapist_{booked.pk}": ben.pk,
            "notify": "on",
        },
    )

    assert response.status_code == 303
    assert response["Location"] == reverse("staff:visit", args=[booked.visit_id])
    booked.refresh_from_db()
    assert booked.therapist == ben
    assert booked.messages.filter(kind="rescheduled").exists()


def test_reception_moves_without_telling_the_client(reception, booked, anna):
    reception.post(
        move_url(booked),
        {"start": slot_value(at(TUESDAY, "15:00")), f"therapist_{booked.pk}": anna.pk},
    )

    booked.refresh_from_db()
    assert booked.start_at == at(TUESDAY, "15:00")
    assert not booked.messages.filter(kind="rescheduled").exists()


def test_a_time_just_taken_is_a_409_with_the_nearest_free_times(reception, booked, anna):
    book(anna, "15:00", name="Olga", email="olga@example.com")

    response = reception.post(
        move_url(booked),
        {"start": slot_value(at(TUESDAY, "15:00")), f"therapist_{booked.pk}": anna.pk},
    )

    assert response.status_code == 409
    page = response.content.decode()
    assert "That time was just taken" in page
    assert slot_value(at(TUESDAY, "14:45")) not in page  # its buffer reaches 15:00
    assert slot_value(at(TUESDAY, "15:45")) in page
    booked.refresh_from_db()
    assert booked.start_at == at(TUESDAY, "10:00")


def test_a_move_without_a_time_is_a_400(reception, booked, anna):
    response = reception.post(
        move_url(booked), {"start": "soon", f"therapist_{booked.pk}": anna.pk}
    )

    assert response.status_code == 400
    assert "Choose a time." in response.content.decode()


def test_an_unknown_therapist_is_a_400(reception, booked):
    response = reception.post(
        move_url(booked), {"start": slot_value(booked.start_at), f"therapist_{booked.pk}": 999}
    )

    assert response.status_code == 400


def test_a_bad_day_is_a_400(reception, booked):
    assert reception.get(move_url(booked), {"on": "tuesday"}).status_code == 400


def test_nothing_changed_says_so(reception, booked, anna):
    response = reception.post(
        move_url(booked), {"start": slot_value(booked.start_at), f"therapist_{booked.pk}": anna.pk}
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert "Choose another time or another therapist." in page
    assert slot_value(at(TUESDAY, "15:00")) in page


def test_a_therapist_who_stopped_giving_the_massage_is_refused(reception, booked, anna):
    cupper = TherapistFactory.create(name="Cupper", skills=["vacuum"])
    cupper.massage_types.add(booked.offering.massage_type)
    response = reception.get(move_url(booked))
    assert "Cupper" in response.content.decode()
    cupper.massage_types.remove(booked.offering.massage_type)

    response = reception.post(
        move_url(booked),
        {"start": slot_value(booked.start_at), f"therapist_{booked.pk}": cupper.pk},
    )

    assert response.status_code == 400
    booked.refresh_from_db()
    assert booked.therapist == anna
