"""A guest's visit of several appointments, and a course: shown whole, cancelled and moved as one."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from booking.guest_access import manage_link
from booking.models import Appointment, Visit
from booking.services import Actor, WantedAppointment, book_visit
from booking.site_forms import slot_value
from catalog.models import Offering
from tests.booking.conftest import NOW, TUESDAY, at
from tests.booking.test_site_booking import SOMEONE_ELSE

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_on_monday")]


@pytest.fixture
def foot_then_hip(classical, anna, two_rooms, guest_details) -> Visit:
    """Classical: foot at 10:00, then Anti-cellulite: hip at 10:30, both with Anna."""
    hip = Offering.objects.get(slug="anti-cellulite-hip-45")
    return book_visit(
        appointments=[
            WantedAppointment(offering=classical, start_at=at(TUESDAY, "10:00"), therapist=anna),
            WantedAppointment(offering=hip, start_at=at(TUESDAY, "10:30"), therapist=anna),
        ],
        client=guest_details,
        source="web",
        actor=Actor.guest(),
        now=NOW,
    )


def appointments_of(visit: Visit) -> list[Appointment]:
    return list(visit.appointments.order_by("start_at", "id"))


def url(name: str, appointment: Appointment) -> str:
    return reverse(f"booking:{name}", kwargs={"appointment_id": appointment.pk})


def opened(client: Client, appointment: Appointment) -> Client:
    """The client's browser after opening the e-mail's link to the appointment."""
    assert client.get(manage_link(appointment)).status_code == 303
    return client


def test_the_confirmation_shows_each_person_with_their_massage_and_therapist(
    client: Client, couples_visit
):
    lead, _alex = appointments_of(couples_visit)
    opened(client, lead)

    html = client.get(url("confirmation", lead)).content.decode()

    assert "Your visit is booked" in html
    assert "2 people side by side" in html
    assert "Tuesday 2 March 2027" in html
    assert html.count("10:00–10:30") == 3
    assert "For Mira Example · with Anna" in html
    assert "For Alex Example · with Ben" in html
    # Both massages, paid together.
    assert "€70" in html
    # The client's own yes is said with their name.
    assert "<strong>Mira Example:</strong>" in html


def test_any_appointment_of_the_visit_opens_the_same_visit(client: Client, couples_visit):
    lead, alex = appointments_of(couples_visit)
    opened(client, lead)

    response = client.get(url("manage", alex))

    html = response.content.decode()
    assert response.status_code == 200
    assert "For Alex Example · with Ben" in html
    # Its links lead to the visit's own address, the lead appointment's.
    assert f'href="{url("cancel", lead)}"' in html


def test_the_e_mailed_link_with_any_appointment_id_of_the_visit_opens_it(
    client: Client, couples_visit
):
    _lead, alex = appointments_of(couples_visit)

    response = client.get(manage_link(alex), follow=True)

    assert response.status_code == 200
    assert "For Mira Example · with Anna" in response.content.decode()


def test_another_visits_token_does_not_open_this_visit(
    client: Client, couples_visit, classical, anna, guest_details
):
    other = book_visit(
        appointments=[WantedAppointment(offering=classical, start_at=at(TUESDAY, "15:00"))],
        client=SOMEONE_ELSE,
        source="web",
        actor=Actor.guest(),
        now=NOW,
    )
    opened(client, appointments_of(other)[0])

    for appointment in appointments_of(couples_visit):
        assert client.get(url("manage", appointment)).status_code == 404


def test_cancelling_cancels_the_whole_visit(client: Client, couples_visit):
    lead, alex = appointments_of(couples_visit)
    opened(client, lead)

    page = client.get(url("cancel", lead)).content.decode()
    response = client.post(url("cancel", alex), {"reason": "Ill."}, follow=True)

    assert "Cancel this visit?" in page
    assert response.redirect_chain == [(url("manage", lead), 303)]
    couples_visit.refresh_from_db()
    assert couples_visit.status == Visit.Status.CANCELLED
    assert set(couples_visit.appointments.values_list("status", flat=True)) == {"cancelled"}
    html = response.content.decode()
    assert "Your visit is cancelled." in html
    assert "This visit will not take place." in html
    assert (
        f'href="{reverse("booking:slots", kwargs={"offering_slug": "classical-foot-30"})}?people=2">Book again'
        in html
    )


def test_the_reschedule_picker_offers_only_starts_where_the_whole_visit_fits_again(
    client: Client, foot_then_hip
):
    lead = appointments_of(foot_then_hip)[0]
    opened(client, lead)

    html = client.get(url("reschedule", lead)).content.decode()

    assert "It moves as a whole, with the same therapists (Anna)" in html
    assert '<span class="time time-current">10:00<span class="time-note">yours</span>' in html
    # The hip would run into Anna's lunch from 12:00; its own time does not block it.
    assert f'href="{url("reschedule", lead)}?start=2027-03-02T10%3A45Z">11:45</a>' in html
    assert "?start=2027-03-02T11%3A00Z" not in html
    assert f'href="{url("reschedule", lead)}?start=2027-03-02T09%3A15Z">10:15</a>' in html


def test_rescheduling_moves_the_whole_visit(client: Client, foot_then_hip):
    lead = appointments_of(foot_then_hip)[0]
    opened(client, lead)
    new_start = slot_value(at(TUESDAY, "15:00"))

    confirm = client.get(url("reschedule", lead), {"start": new_start}).content.decode()
    response = client.post(url("reschedule", lead), {"start": new_start}, follow=True)

    assert "Tuesday 2 March, 15:00–16:15" in confirm
    assert response.redirect_chain == [(url("manage", lead), 303)]
    foot, hip = appointments_of(foot_then_hip)
    assert (foot.start_at, hip.start_at) == (at(TUESDAY, "15:00"), at(TUESDAY, "15:30"))
    assert "Your visit is moved to Tuesday 2 March, 15:00." in response.content.decode()


def test_a_move_to_a_time_where_the_visit_no_longer_fits_offers_the_nearest_that_do(
    client: Client, foot_then_hip, classical
):
    lead = appointments_of(foot_then_hip)[0]
    opened(client, lead)
    book_visit(
        appointments=[WantedAppointment(offering=classical, start_at=at(TUESDAY, "15:30"))],
        client=SOMEONE_ELSE,
        source="web",
        actor=Actor.guest(),
        now=NOW,
    )

    response = client.post(url("reschedule", lead), {"start": slot_value(at(TUESDAY, "15:00"))})

    html = response.content.decode()
    assert response.status_code == 200
    assert "Move your visit" in html
    offered = re.findall(r'name="start" value="([^"]+)"', html)
    assert offered
    assert slot_value(at(TUESDAY, "15:00")) not in offered
    foot, _hip = appointments_of(foot_then_hip)
    assert foot.start_at == at(TUESDAY, "10:00")


def test_a_courses_pages_list_its_sessions_each_opening_its_own(client: Client, booked_course):
    leads = [appointments_of(visit)[0] for visit in booked_course.visits.order_by("start_at")]
    opened(client, leads[0])

    confirmation = client.get(url("confirmation", leads[0])).content.decode()
    third = client.get(url("manage", leads[2]))

    assert "Your course is booked" in confirmation
    assert "Your course: 4 sessions" in confirmation
    for lead in leads[1:]:
        assert f'href="{url("manage", lead)}"' in confirmation
    assert "Tuesday 6 April, 10:00" in confirmation
    # The browser that opened one session opens the others: they share the token.
    assert third.status_code == 200
    assert '<span aria-current="page">Tuesday 30 March, 10:00</span>' in third.content.decode()


def test_cancelling_one_session_of_a_course_keeps_the_others(client: Client, booked_course):
    leads = [appointments_of(visit)[0] for visit in booked_course.visits.order_by("start_at")]
    opened(client, leads[0])

    page = client.get(url("cancel", leads[1])).content.decode()
    client.post(url("cancel", leads[1]), {"what": "session"})

    assert "Cancel this session?" in page
    assert "The whole course: every session still to come" in page
    statuses = list(booked_course.visits.order_by("start_at").values_list("status", flat=True))
    assert statuses == ["confirmed", "cancelled", "confirmed", "confirmed"]


def test_cancelling_the_whole_course_cancels_every_session_to_come(client: Client, booked_course):
    leads = [appointments_of(visit)[0] for visit in booked_course.visits.order_by("start_at")]
    opened(client, leads[0])

    response = client.post(url("cancel", leads[0]), {"what": "course"}, follow=True)

    assert set(booked_course.visits.values_list("status", flat=True)) == {"cancelled"}
    assert "Your course is cancelled: every session still to come." in response.content.decode()


def test_the_calendar_file_of_a_visit_opens_through_the_session(client: Client, couples_visit):
    lead = appointments_of(couples_visit)[0]
    opened(client, lead)

    response = client.get(url("calendar", lead))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"


def test_the_visit_stays_open_until_its_last_massage_ends(
    client: Client, foot_then_hip, frozen_on_monday
):
    lead = appointments_of(foot_then_hip)[0]
    opened(client, lead)

    # The foot ended at 10:30; the hip goes on until 11:15.
    frozen_on_monday.move_to(at(TUESDAY, "10:45"))
    during = client.get(url("manage", lead))
    frozen_on_monday.move_to(at(TUESDAY, "11:15"))
    after = client.get(url("manage", lead))

    assert during.status_code == 200
    assert after.status_code == 404
