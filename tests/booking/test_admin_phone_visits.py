"""Phone bookings of visits and courses: two people, two massages in turn, a course."""

from datetime import timedelta

import pytest
from django.urls import reverse

from booking import errors
from booking.models import Appointment, Client, Course, Visit
from booking.services import Actor, book_appointment
from catalog.models import Offering
from tests.booking.conftest import NOW, TUESDAY, at

pytestmark = pytest.mark.django_db

ADD_VISIT_URL = reverse("admin:booking_visit_add")
ADD_COURSE_URL = reverse("admin:booking_course_add")
ADD_APPOINTMENT_URL = reverse("admin:booking_appointment_add")


@pytest.fixture(autouse=True)
def frozen(time_machine):
    """The admin calls the services without `now`: it is Monday 08:00 in the studio."""
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def anti_cellulite(db, settings) -> Offering:
    """60 minutes on hip and shin, sold also as a course of ten weekly sessions.

    The tenth session is nine weeks after the first: the horizon reaches it.
    """
    settings.STUDIO_HORIZON_DAYS = 70
    return Offering.objects.get(slug="anti-cellulite-hip-shin-60")


def phone_booking(**changes) -> dict:
    form = {
        "offering": Offering.objects.get(slug="classical-foot-30").pk,
        "therapist": "",
        "start_on": TUESDAY.isoformat(),
        "start_time": "10:00",
        "client_name": "Karl Caller",
        "client_email": "karl@example.com",
        "client_phone": "+49 30 7654321",
        "notes": "",
        "people": "1",
        "guest_name": "",
        "second_offering": "",
        "second_therapist": "",
    }
    return {**form, **changes}


def change_url(instance) -> str:
    return reverse(f"admin:booking_{instance._meta.model_name}_change", args=[instance.pk])


def form_of(response):
    return response.context["adminform"].form


# Two people side by side -----------------------------------------------


def test_a_phone_booking_for_two_books_one_visit_with_two_therapists(
    admin_client, admin_user, classical_for_two, anna, ben, room_for_two
):
    response = admin_client.post(
        ADD_VISIT_URL,
        phone_booking(offering=classical_for_two.pk, people="2", guest_name="Greta Guest"),
    )

    visit = Visit.objects.get()
    assert response.status_code == 302
    assert response["Location"] == change_url(visit)
    appointments = list(visit.appointments.order_by("guest_name"))
    assert [a.guest_name for a in appointments] == ["", "Greta Guest"]
    assert {a.start_at for a in appointments} == {at(TUESDAY, "10:00")}
    assert {a.therapist for a in appointments} == {anna, ben}
    assert (visit.source, visit.contact_name) == ("admin", "Karl Caller")
    held = visit.allocations.get(appointment=None, is_active=True)
    assert held.resource == room_for_two
    event = appointments[1].events.get()
    assert (event.action, event.user) == ("booked", admin_user)


def test_a_phone_booking_for_two_keeps_each_persons_health_answers(
    admin_client, classical_for_two, anna, ben, room_for_two
):
    admin_client.post(
        ADD_VISIT_URL,
        phone_booking(
            offering=classical_for_two.pk,
            people="2",
            guest_name="Greta Guest",
            consent="on",
            guest_pregnancy="yes",
        ),
    )

    client_answers, guest_answers = (a.health for a in Appointment.objects.order_by("guest_name"))
    assert client_answers["pregnancy"] is None
    assert guest_answers["pregnancy"] is True


def test_the_second_persons_answers_need_the_consent_too(
    admin_client, classical_for_two, anna, ben, room_for_two
):
    response = admin_client.post(
        ADD_VISIT_URL,
        phone_booking(
            offering=classical_for_two.pk,
            people="2",
            guest_name="Greta Guest",
            guest_pregnancy="yes",
        ),
    )

    assert "consent" in form_of(response).errors
    assert not Visit.objects.exists()


def test_a_phone_booking_for_two_asks_the_second_persons_name(
    admin_client, classical_for_two, anna, ben, room_for_two
):
    response = admin_client.post(
        ADD_VISIT_URL, phone_booking(offering=classical_for_two.pk, people="2")
    )

    assert form_of(response).errors["guest_name"] == ["Enter the second person's name."]
    assert not Visit.objects.exists()


def test_a_phone_booking_for_two_without_a_room_for_two_writes_nothing(
    admin_client, classical_for_two, anna, ben, two_rooms
):
    response = admin_client.post(
        ADD_VISIT_URL,
        phone_booking(offering=classical_for_two.pk, people="2", guest_name="Greta Guest"),
    )

    assert response.status_code == 200
    assert form_of(response).errors
    assert not Visit.objects.exists()
    assert not Appointment.objects.exists()
    assert not Client.objects.filter(email="karl@example.com").exists()


def test_a_phone_booking_for_two_when_one_therapist_is_taken_writes_nothing(
    admin_client, classical_for_two, anna, ben, room_for_two, guest_details
):
    book_appointment(
        offering=Offering.objects.get(slug="classical-foot-30"),
        start_at=at(TUESDAY, "10:30"),
        client=guest_details,
        source="web",
        actor=Actor.guest(),
        therapist=ben,
    )

    response = admin_client.post(
        ADD_VISIT_URL,
        phone_booking(offering=classical_for_two.pk, people="2", guest_name="Greta Guest"),
    )

    assert response.status_code == 200
    assert form_of(response).errors
    assert Visit.objects.count() == 1  # only the booking made before


# Two massages in turn --------------------------------------------------


def test_a_phone_booking_with_a_second_massage_books_it_where_the_first_ends(
    admin_client, anna, two_rooms
):
    hip = Offering.objects.get(slug="anti-cellulite-hip-45")

    response = admin_client.post(ADD_VISIT_URL, phone_booking(second_offering=hip.pk))

    visit = Visit.objects.get()
    assert response["Location"] == change_url(visit)
    first, second = visit.appointments.order_by("start_at")
    assert (first.offering.slug, second.offering.slug) == ("classical-foot-30", hip.slug)
    assert second.start_at == first.end_at == at(TUESDAY, "10:30")
    assert (visit.start_at, visit.end_at) == (at(TUESDAY, "10:00"), at(TUESDAY, "11:15"))


def test_two_people_and_a_second_massage_at_once_are_refused(
    admin_client, classical_for_two, anna, ben, room_for_two
):
    hip = Offering.objects.get(slug="anti-cellulite-hip-45")

    response = admin_client.post(
        ADD_VISIT_URL,
        phone_booking(
            offering=classical_for_two.pk,
            people="2",
            guest_name="Greta Guest",
            second_offering=hip.pk,
        ),
    )

    assert "second_offering" in form_of(response).errors
    assert not Visit.objects.exists()


def test_a_phone_booking_of_one_massage_from_the_visits_opens_the_visit(
    admin_client, anna, two_rooms
):
    response = admin_client.post(ADD_VISIT_URL, phone_booking())

    assert response["Location"] == change_url(Visit.objects.get())


# Courses ---------------------------------------------------------------


def course_booking(offering: Offering, **changes) -> dict:
    return phone_booking(offering=offering.pk, as_course="on", **changes)


def test_a_course_by_phone_first_shows_its_dates_and_books_nothing(
    admin_client, anti_cellulite, anna, two_rooms
):
    response = admin_client.post(ADD_COURSE_URL, course_booking(anti_cellulite))

    assert response.status_code == 200
    html = response.content.decode()
    assert "The course's dates" in html
    assert "Tue 2 Mar 2027, 10:00" in html
    assert "Tue 4 May 2027, 10:00" in html  # the tenth, nine weeks on, in summer time
    assert not Course.objects.exists()


def chosen_dates(response) -> dict:
    """The dates as the form shows them, each session at its first choice."""
    sessions = response.context["course_sessions"]
    chosen = {sessions.add_prefix("plan"): sessions.planned_for}
    for name, field in sessions.fields.items():
        if name.startswith("session_"):
            chosen[sessions.add_prefix(name)] = field.choices[0][0]
    return chosen


def test_a_course_by_phone_books_every_session_shown(
    admin_client, admin_user, anti_cellulite, anna, two_rooms
):
    form = course_booking(anti_cellulite)
    shown = admin_client.post(ADD_COURSE_URL, form)

    response = admin_client.post(ADD_COURSE_URL, {**form, **chosen_dates(shown)})

    course = Course.objects.get()
    assert response.status_code == 302
    assert response["Location"] == change_url(course)
    starts = list(course.visits.order_by("start_at").values_list("start_at", flat=True))
    assert len(starts) == 10
    assert starts[0] == at(TUESDAY, "10:00")
    assert starts[9] == at(TUESDAY + timedelta(weeks=9), "10:00")
    assert set(course.visits.values_list("source", flat=True)) == {"admin"}


def test_a_course_session_that_is_not_free_offers_other_times_and_books_the_one_chosen(
    admin_client, anti_cellulite, anna, two_rooms, guest_details
):
    taken = at(TUESDAY + timedelta(weeks=2), "10:00")
    book_appointment(
        offering=Offering.objects.get(slug="classical-foot-30"),
        start_at=taken,
        client=guest_details,
        source="web",
        actor=Actor.guest(),
        therapist=anna,
    )
    form = course_booking(anti_cellulite, therapist=anna.pk)
    shown = admin_client.post(ADD_COURSE_URL, form)
    third = shown.context["course_sessions"].fields["session_3"]
    assert third.initial is None
    assert "is not free; choose another time" in str(third.help_text)
    replacement = third.choices[-1][0]

    admin_client.post(
        ADD_COURSE_URL, {**form, **chosen_dates(shown), "course-session_3": replacement}
    )

    starts = Course.objects.get().visits.order_by("start_at").values_list("start_at", flat=True)
    assert taken not in starts
    assert replacement in [start.isoformat() for start in starts]


def test_dates_chosen_for_another_first_start_are_shown_again_not_booked(
    admin_client, anti_cellulite, anna, two_rooms
):
    form = course_booking(anti_cellulite)
    shown = admin_client.post(ADD_COURSE_URL, form)

    response = admin_client.post(
        ADD_COURSE_URL, {**form, **chosen_dates(shown), "start_time": "11:00"}
    )

    assert response.status_code == 200
    assert not Course.objects.exists()
    assert "Tue 2 Mar 2027, 11:00" in response.content.decode()


def test_a_course_of_an_offering_not_sold_as_one_is_refused(admin_client, anna, two_rooms):
    response = admin_client.post(
        ADD_COURSE_URL, course_booking(Offering.objects.get(slug="classical-foot-30"))
    )

    assert form_of(response).errors["as_course"] == ["This massage is not sold as a course."]
    assert not Course.objects.exists()


def test_a_course_with_a_second_person_is_refused(admin_client, anti_cellulite, anna, two_rooms):
    response = admin_client.post(
        ADD_COURSE_URL, course_booking(anti_cellulite, people="2", guest_name="Greta Guest")
    )

    assert "as_course" in form_of(response).errors
    assert not Course.objects.exists()


def test_a_course_whose_session_was_taken_meanwhile_writes_nothing(
    admin_client, anti_cellulite, anna, two_rooms, guest_details
):
    form = course_booking(anti_cellulite, therapist=anna.pk)
    shown = admin_client.post(ADD_COURSE_URL, form)
    book_appointment(
        offering=Offering.objects.get(slug="classical-foot-30"),
        start_at=at(TUESDAY + timedelta(weeks=4), "10:00"),
        client=guest_details,
        source="web",
        actor=Actor.guest(),
        therapist=anna,
    )

    response = admin_client.post(ADD_COURSE_URL, {**form, **chosen_dates(shown)})

    assert response.status_code == 200
    assert not Course.objects.exists()
    assert Visit.objects.count() == 1


def test_the_add_course_page_is_the_phone_booking_form_set_for_a_course(admin_client, anna):
    response = admin_client.get(ADD_COURSE_URL)

    assert form_of(response)["as_course"].value() is True


def test_a_phone_booking_refused_by_the_service_names_the_field(
    admin_client, classical_for_two, ben, two_rooms, room_for_two
):
    thai = Offering.objects.get(slug="thai-foot-45")

    response = admin_client.post(ADD_VISIT_URL, phone_booking(offering=thai.pk, therapist=ben.pk))

    assert form_of(response).errors["therapist"] == [errors.NotQualified.default_message]
