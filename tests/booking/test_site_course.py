"""A course of sessions on the website: its dates, each replaceable, booked in one action.

Radio buttons and a plain POST: the page works without JavaScript.
"""

import re

import pytest
from django.test import Client
from django.urls import reverse

from booking.models import Course, Visit
from booking.services import Actor, book_appointment
from booking.site_forms import slot_value
from catalog.models import Offering
from tests.booking.conftest import COURSE_DAYS, NOW, at
from tests.booking.test_site_booking import SOMEONE_ELSE, details

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_on_monday")]


def course_url(offering: Offering) -> str:
    return reverse("booking:course", kwargs={"offering_slug": offering.slug})


def chosen(html: str) -> dict[str, str]:
    """Each session's checked radio button: its field name and value."""
    return dict(
        re.findall(r'<input type="radio" name="(session_\d+)" value="([^"]+)"[^>]* checked>', html)
    )


def course_form(first, starts, **changes) -> dict:
    sent = details(first, **changes)
    sent.update({f"session_{n}": slot_value(start) for n, start in enumerate(starts, start=1)})
    return sent


def test_the_course_picker_leads_its_times_to_the_page_of_the_dates(
    client: Client, course_offering, anna, two_rooms
):
    url = reverse("booking:slots", kwargs={"offering_slug": course_offering.slug})

    html = client.get(url, {"course": "1", "on": "2027-03-16"}).content.decode()

    assert "<h1>Choose the first session</h1>" in html
    assert "4 sessions, every 7 days at the same time." in html
    assert f'href="{course_url(course_offering)}?start=2027-03-16T09%3A00Z&amp;course=1"' in html


def test_the_page_lists_every_session_at_the_same_local_time_across_the_clock_change(
    client: Client, course_offering, anna, two_rooms
):
    response = client.get(course_url(course_offering), {"start": "2027-03-16T09:00Z"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "Anti-cellulite: hip: a course of 4 sessions" in html
    assert chosen(html) == {
        f"session_{n}": slot_value(at(day, "10:00")) for n, day in enumerate(COURSE_DAYS, start=1)
    }
    # 10:00 in Berlin is 09:00 UTC in winter and 08:00 UTC in summer.
    assert chosen(html)["session_4"] == "2027-04-06T08:00Z"
    assert "Session 3: Tuesday 30 March" in html
    assert "Every session is free at the same time of day." in html
    assert "Book 4 sessions for €208" in html


def test_a_taken_session_is_marked_with_the_nearest_free_times_and_none_chosen(
    client: Client, course_offering, anna, two_rooms
):
    book_appointment(
        offering=course_offering,
        start_at=at(COURSE_DAYS[1], "10:00"),
        client=SOMEONE_ELSE,
        source="web",
        actor=Actor.guest(),
        now=NOW,
    )

    html = client.get(course_url(course_offering), {"start": "2027-03-16T09:00Z"}).content.decode()

    assert "1 session is not free at its planned time." in html
    assert "session_2" not in chosen(html)
    session = re.search(
        r'<fieldset class="session session-taken" id="id_session_2".*?</fieldset>', html, re.S
    )
    assert session is not None
    assert "10:00 is taken." in session.group()
    offered = re.findall(r'name="session_2" value="([^"]+)"', session.group())
    assert offered
    assert slot_value(at(COURSE_DAYS[1], "10:00")) not in offered
    # Anna is busy 10:00-11:00 with the buffer; 11:00 is the nearest after it.
    assert slot_value(at(COURSE_DAYS[1], "11:00")) in offered


def test_sending_the_page_books_every_session_as_one_course(
    client: Client, course_offering, anna, two_rooms
):
    starts = [at(day, "10:00") for day in COURSE_DAYS]

    response = client.post(
        course_url(course_offering), course_form(starts[0], starts, recent_injury="yes")
    )

    course = Course.objects.get()
    visits = list(course.visits.order_by("start_at"))
    assert response.status_code == 303
    assert [visit.start_at for visit in visits] == starts
    assert course.offering == course_offering
    first = visits[0].appointments.get()
    assert response["Location"] == reverse(
        "booking:confirmation", kwargs={"appointment_id": first.pk}
    )
    assert all(visit.appointments.get().health["recent_injury"] is True for visit in visits)


def test_a_session_may_be_replaced_by_another_free_time(
    client: Client, course_offering, anna, two_rooms
):
    starts = [at(day, "10:00") for day in COURSE_DAYS]
    starts[2] = at(COURSE_DAYS[2], "15:00")

    client.post(course_url(course_offering), course_form(starts[0], starts))

    assert [visit.start_at for visit in Course.objects.get().visits.order_by("start_at")] == starts


def test_without_a_time_for_a_taken_session_nothing_is_booked_and_the_session_is_named(
    client: Client, course_offering, anna, two_rooms
):
    starts = [at(day, "10:00") for day in COURSE_DAYS]
    sent = course_form(starts[0], starts)
    del sent["session_2"]

    response = client.post(course_url(course_offering), sent)

    assert response.status_code == 200
    assert not Visit.objects.exists()
    html = response.content.decode()
    assert '<a href="#id_session_2">Choose a time for session 2.</a>' in html
    assert 'id="id_session_2_error"' in html


def test_a_time_taken_since_it_was_chosen_is_an_error_of_its_session_and_nothing_is_booked(
    client: Client, course_offering, anna, two_rooms
):
    starts = [at(day, "10:00") for day in COURSE_DAYS]
    sent = course_form(starts[0], starts)
    book_appointment(
        offering=course_offering,
        start_at=starts[3],
        client=SOMEONE_ELSE,
        source="web",
        actor=Actor.guest(),
        now=NOW,
    )

    response = client.post(course_url(course_offering), sent)

    assert response.status_code == 200
    assert not Course.objects.exists()
    assert Visit.objects.count() == 1
    html = response.content.decode()
    assert "The time you chose for this session is no longer free." in html
    assert 'id="id_session_4_error"' in html
    assert "session_4" not in chosen(html)


def test_the_course_form_sent_twice_books_the_course_once(
    client: Client, course_offering, anna, two_rooms
):
    starts = [at(day, "10:00") for day in COURSE_DAYS]
    sent = course_form(starts[0], starts)

    first = client.post(course_url(course_offering), sent)
    second = client.post(course_url(course_offering), sent)

    assert Course.objects.count() == 1
    assert Visit.objects.count() == 4
    assert first["Location"] == second["Location"]


def test_an_offering_not_sold_as_a_course_has_no_course_page(client: Client, classical, anna):
    response = client.get(course_url(classical), {"start": "2027-03-16T09:00Z"})

    assert response.status_code == 404


def test_without_a_first_time_the_course_page_leads_to_the_picker(
    client: Client, course_offering, anna
):
    response = client.get(course_url(course_offering))

    assert response.status_code == 302
    assert response["Location"] == (
        reverse("booking:slots", kwargs={"offering_slug": course_offering.slug}) + "?course=1"
    )


def test_the_booking_form_sends_a_course_to_the_page_of_its_dates(
    client: Client, course_offering, anna
):
    url = reverse("booking:book", kwargs={"offering_slug": course_offering.slug})

    response = client.get(url, {"start": "2027-03-16T09:00Z", "course": "1"})

    assert response.status_code == 302
    assert response["Location"].startswith(course_url(course_offering) + "?start=")
