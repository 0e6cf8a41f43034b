"""Marks on the visit page: arrived, completed, no-show and undo, by reception and by the therapist."""

# ruff: noqa: F811 - the tests take as arguments the fixtures imported from visit_setup

import pytest
from django.urls import reverse

from booking.services import Actor, ClientDetails, WantedAppointment, book_visit
from catalog.models import Offering
from tests.factories import ResourceFactory
from tests.staff.visit_setup import (  # noqa: F401 - fixtures
    TUESDAY,
    anna,
    anna_web,
    at,
    ben,
    ben_web,
    booked,
    frozen,
    reception,
    studio_rules,
    two_rooms,
)

pytestmark = pytest.mark.django_db


def mark_url(appointment) -> str:
    return reverse("staff:visit_mark", args=[appointment.visit_id, appointment.pk])


def test_reception_marks_a_client_arrived_on_the_day(reception, booked, frozen):
    frozen.move_to(at(TUESDAY, "09:55"))

    response = reception.post(mark_url(booked), {"mark": "arrived"})

    assert response.status_code == 303
    booked.refresh_from_db()
    assert booked.arrived_at == at(TUESDAY, "09:55")
    page = reception.get(response["Location"]).content.decode()
    assert "Marked arrived." in page
    assert "arrived 09:55" in page
    assert "Undo “arrived”" in page


def test_an_arrival_on_another_day_is_refused_with_the_reason(reception, booked):
    response = reception.post(mark_url(booked), {"mark": "arrived"}, follow=True)

    assert "only on the day of the appointment" in response.content.decode()
    booked.refresh_from_db()
    assert booked.arrived_at is None


def test_reception_undoes_a_mistaken_no_show(reception, booked, frozen):
    frozen.move_to(at(TUESDAY, "10:20"))
    reception.post(mark_url(booked), {"mark": "no_show"})
    booked.refresh_from_db()
    assert booked.status == "no_show"

    reception.post(mark_url(booked), {"mark": "undo"})

    booked.refresh_from_db()
    assert booked.status == "confirmed"
    assert booked.events.filter(action="mark_undone").exists()


def test_the_therapist_marks_their_own_appointment_completed(anna_web, booked, frozen):
    frozen.move_to(at(TUESDAY, "10:35"))

    response = anna_web.post(mark_url(booked), {"mark": "completed"})

    assert response.status_code == 303
    booked.refresh_from_db()
    assert booked.status == "completed"
    assert booked.events.get(action="completed").actor == "anna"


def test_another_therapist_cannot_mark_it(ben_web, booked, frozen):
    frozen.move_to(at(TUESDAY, "10:35"))

    assert ben_web.post(mark_url(booked), {"mark": "completed"}).status_code == 404
    booked.refresh_from_db()
    assert booked.status == "confirmed"


def test_a_mark_that_does_not_exist_is_a_400(reception, booked):
    response = reception.post(mark_url(booked), {"mark": "vanished"})

    assert response.status_code == 400
    assert "Choose a mark" in response.content.decode()


def test_a_mark_needs_a_post(reception, booked):
    assert reception.get(mark_url(booked)).status_code == 405


def test_the_page_offers_only_the_marks_that_fit(reception, booked, frozen):
    page = reception.get(reverse("staff:visit", args=[booked.visit_id])).content.decode()
    # Monday: the massage is tomorrow, nothing to mark yet.
    assert 'name="mark"' not in page

    frozen.move_to(at(TUESDAY, "10:05"))
    page = reception.get(reverse("staff:visit", args=[booked.visit_id])).content.decode()

    for mark in ("arrived", "completed", "no_show"):
        assert f'name="mark" value="{mark}"' in page
    assert 'value="undo"' not in page


def test_a_therapist_sees_only_their_own_appointments_of_a_visit(anna_web, anna, ben, frozen):
    foot = Offering.objects.get(slug="classical-foot-30")
    foot.max_people = 2
    foot.save(update_fields=["max_people"])
    ResourceFactory.create(name="Room for two", capacity=2)
    couple = book_visit(
        appointments=[
            WantedAppointment(offering=foot, start_at=at(TUESDAY, "10:00"), therapist=anna),
            WantedAppointment(
                offering=foot, start_at=at(TUESDAY, "10:00"), therapist=ben, guest_name="Olga"
            ),
        ],
        client=ClientDetails(name="Mira", email="mira@example.com", phone="+49 30 1234567"),
        source="desk",
        actor=Actor(label="desk", is_staff=True),
    )

    page = anna_web.get(reverse("staff:visit", args=[couple.pk])).content.decode()

    assert "Anna Weber" in page
    assert "Ben Hoffmann" not in page
    assert "for Olga" not in page
