"""The website books a visit: two people side by side, or one massage after another.

The choice travels in the query and the form's hidden fields, so every
page works without JavaScript; the tests use plain GETs and POSTs as a
browser without it sends them.
"""

import re

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from booking.models import Appointment, Visit
from booking.services import Actor, WantedAppointment, book_visit
from booking.site_forms import slot_value
from catalog.models import Offering
from tests.booking.conftest import NOW, TUESDAY, at
from tests.booking.test_site_booking import SOMEONE_ELSE, details

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_on_monday")]


def slots_url(offering: Offering) -> str:
    return reverse("booking:slots", kwargs={"offering_slug": offering.slug})


def form_url(offering: Offering) -> str:
    return reverse("booking:book", kwargs={"offering_slug": offering.slug})


def form_for_two(start_at, **changes) -> dict:
    """The form for two people: the client's details and the second person's."""
    values = details(
        start_at,
        people="2",
        guest_name="Alex Example",
        guest_vein_problems="no",
        guest_pregnancy="no",
        guest_recent_injury="no",
        guest_skin_condition="no",
        guest_note="",
    )
    return {**values, **changes}


# The offering's page ---------------------------------------------------------------


def test_for_two_people_is_offered_only_where_the_offering_allows_two(
    client: Client, classical, anna, two_rooms
):
    before = client.get(slots_url(classical)).content.decode()
    classical.max_people = 2
    classical.save(update_fields=["max_people"])
    after = client.get(slots_url(classical)).content.decode()

    assert "For two people" not in before
    assert f'href="{slots_url(classical)}?people=2">For two people</a>' in after


def test_the_catalog_links_to_booking_for_two_and_to_a_course(client: Client, for_two):
    for_two.course_sessions = 10
    for_two.save(update_fields=["course_sessions"])

    html = client.get(for_two.massage_type.get_absolute_url()).content.decode()

    assert f'href="{slots_url(for_two)}?people=2"' in html
    assert f'href="{slots_url(for_two)}?course=1"' in html
    assert "Book a course of 10 sessions" in html


def test_for_two_people_the_picker_offers_only_starts_where_two_therapists_and_a_room_fit(
    client: Client, for_two, anna, ben, two_rooms, room_for_two
):
    single = client.get(slots_url(for_two), {"on": "2027-03-02"}).content.decode()
    together = client.get(slots_url(for_two), {"on": "2027-03-02", "people": "2"}).content.decode()

    # Anna has lunch 13-14: Ben alone may give it at 13:00, but not to two people.
    thirteen = "start=2027-03-02T12%3A00Z"
    assert thirteen in single
    assert thirteen not in together
    assert "start=2027-03-02T08%3A00Z&amp;people=2" in together
    assert "<h1>Choose a time for two people</h1>" in together
    # Each person has a therapist of their own: there is no one to choose.
    assert 'name="therapist"' not in together


def test_for_two_people_nothing_is_offered_without_a_room_for_two(
    client: Client, for_two, anna, ben, two_rooms
):
    html = client.get(slots_url(for_two), {"on": "2027-03-02", "people": "2"}).content.decode()

    assert "No free times on this day." in html
    assert "start=" not in html


def test_a_second_massage_is_offered_only_where_both_fit_one_after_another(
    client: Client, classical, anti_cellulite, anna, ben, two_rooms
):
    query = {"on": "2027-03-02", "then": anti_cellulite.slug}

    html = client.get(slots_url(classical), query).content.decode()

    # 11:45 foot until 12:15, then the hip until 13:00, when Anna's lunch starts.
    assert f"start=2027-03-02T10%3A45Z&amp;then={anti_cellulite.slug}" in html
    # From 12:00 the hip would run into her lunch; nobody else gives it.
    assert "start=2027-03-02T11%3A00Z" not in html
    assert "Classical: foot, then Anti-cellulite: hip: 1 h 15 min, €87." in html


def test_the_second_massage_is_chosen_with_a_plain_get_form(
    client: Client, classical, anti_cellulite, anna, two_rooms
):
    html = client.get(slots_url(classical), {"on": "2027-03-02"}).content.decode()

    form = re.search(
        r'<form method="get" action="([^"]+)" class="then-choice">(.*?)</form>', html, re.S
    )
    assert form is not None
    assert form.group(1) == slots_url(classical)
    assert f'<option value="{anti_cellulite.slug}">Anti-cellulite: hip' in form.group(2)
    assert '<input type="hidden" name="on" value="2027-03-02">' in form.group(2)
    assert f'<option value="{classical.slug}">' not in form.group(2)


def test_the_therapist_choice_keeps_the_second_massage(
    client: Client, classical, anti_cellulite, anna, two_rooms
):
    html = client.get(slots_url(classical), {"then": anti_cellulite.slug}).content.decode()

    therapist_form = re.search(r'<form class="therapist-choice".*?</form>', html, re.S)
    assert therapist_form is not None
    assert (
        f'<input type="hidden" name="then" value="{anti_cellulite.slug}">' in therapist_form.group()
    )


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ({"people": "2"}, "This massage is booked for one person at a time."),
        ({"people": "7"}, "Choose one person or two."),
        ({"then": "no-such-massage"}, "The second massage you chose cannot be booked"),
        ({"course": "1"}, "This massage is not sold as a course."),
    ],
)
def test_a_choice_the_offering_does_not_allow_is_a_400_that_says_why(
    client: Client, classical, anna, query, reason
):
    response = client.get(slots_url(classical), query)

    assert response.status_code == 400
    assert reason in response.content.decode()


def test_two_choices_at_once_are_a_400(client: Client, for_two, anti_cellulite, anna):
    response = client.get(slots_url(for_two), {"people": "2", "then": anti_cellulite.slug})

    assert response.status_code == 400
    assert "Choose one: for two people, another massage after it, or a course." in (
        response.content.decode()
    )


# The booking form ---------------------------------------------------------------------


def test_the_form_for_two_asks_the_second_persons_name_and_their_own_health_questions(
    client: Client, for_two, anna, ben, room_for_two
):
    response = client.get(form_url(for_two), {"start": "2027-03-02T09:00Z", "people": "2"})
    html = response.content.decode()

    assert "<h1>Book Classical: foot for two people</h1>" in html
    assert '<input type="hidden" name="people" value="2">' in html
    assert '<label for="id_guest_name">Their name</label>' in html
    for question in ["vein_problems", "pregnancy", "recent_injury", "skin_condition"]:
        assert f'<fieldset class="question" id="id_{question}"' in html
        assert f'<fieldset class="question" id="id_guest_{question}"' in html
    assert "Book for €70" in html
    assert "one for each of you" in html


def test_one_consent_covers_both_people_and_says_so(
    client: Client, for_two, anna, ben, room_for_two
):
    response = client.get(form_url(for_two), {"start": "2027-03-02T09:00Z", "people": "2"})
    html = response.content.decode()

    assert html.count('name="consent"') == 1
    assert "the health answers of both of us for this visit" in html
    assert "The second person agrees to this for their answers too." in html


def test_sending_the_form_for_two_books_one_visit_with_each_persons_answers(
    client: Client, for_two, anna, ben, room_for_two
):
    response = client.post(
        form_url(for_two),
        form_for_two(at(TUESDAY, "10:00"), vein_problems="yes", guest_recent_injury="yes"),
    )

    visit = Visit.objects.get()
    mine, theirs = visit.appointments.order_by("guest_name")
    assert response.status_code == 303
    lead = visit.appointments.earliest("start_at", "id")
    assert response["Location"] == reverse(
        "booking:confirmation", kwargs={"appointment_id": lead.pk}
    )
    assert mine.start_at == theirs.start_at == at(TUESDAY, "10:00")
    assert {mine.therapist, theirs.therapist} == {anna, ben}
    assert (mine.guest_name, theirs.guest_name) == ("", "Alex Example")
    assert mine.health["vein_problems"] is True
    assert mine.health["recent_injury"] is False
    assert theirs.health["vein_problems"] is False
    assert theirs.health["recent_injury"] is True
    assert visit.consented_at == NOW
    assert visit.source == "web"


def test_the_second_persons_answer_that_rules_out_their_massage_is_an_error_of_their_question(
    client: Client, anti_cellulite, anna, ben, room_for_two
):
    anti_cellulite.max_people = 2
    anti_cellulite.save(update_fields=["max_people"])
    ben.massage_types.add(anti_cellulite.massage_type)

    response = client.post(
        form_url(anti_cellulite), form_for_two(at(TUESDAY, "10:00"), guest_pregnancy="yes")
    )

    assert response.status_code == 200
    assert not Visit.objects.exists()
    html = response.content.decode()
    assert "We cannot book this massage for you" in html
    assert 'id="id_guest_pregnancy_error"' in html
    assert 'id="id_pregnancy_error"' not in html


def test_the_second_persons_name_is_required(client: Client, for_two, anna, ben, room_for_two):
    response = client.post(form_url(for_two), form_for_two(at(TUESDAY, "10:00"), guest_name=" "))

    assert response.status_code == 200
    assert not Visit.objects.exists()
    assert "Enter the second person&#x27;s name." in response.content.decode()


def test_a_second_massage_books_one_visit_one_massage_after_another(
    client: Client, classical, anti_cellulite, anna, ben, two_rooms
):
    response = client.post(
        form_url(classical),
        details(at(TUESDAY, "10:00"), then=anti_cellulite.slug, recent_injury="yes"),
    )

    visit = Visit.objects.get()
    foot, hip = visit.appointments.order_by("start_at")
    assert response.status_code == 303
    assert (foot.offering, hip.offering) == (classical, anti_cellulite)
    assert foot.start_at == at(TUESDAY, "10:00")
    assert hip.start_at == foot.end_at == at(TUESDAY, "10:30")
    assert hip.therapist == anna
    # One person: the same answers go with each massage.
    assert foot.health == hip.health
    assert foot.health["recent_injury"] is True


def test_an_answer_that_rules_out_the_second_massage_is_an_error_of_the_clients_question(
    client: Client, classical, anti_cellulite, anna, two_rooms
):
    response = client.post(
        form_url(classical),
        details(at(TUESDAY, "10:00"), then=anti_cellulite.slug, pregnancy="yes"),
    )

    assert response.status_code == 200
    assert not Visit.objects.exists()
    assert 'id="id_pregnancy_error"' in response.content.decode()


def test_the_form_for_two_massages_lists_both_with_their_times(
    client: Client, classical, anti_cellulite, anna, two_rooms
):
    html = client.get(
        form_url(classical), {"start": "2027-03-02T09:00Z", "then": anti_cellulite.slug}
    ).content.decode()

    assert "<h1>Book Classical: foot, then Anti-cellulite: hip</h1>" in html
    assert "10:00–10:30</span> Classical: foot" in html
    assert "10:30–11:15</span> Anti-cellulite: hip" in html
    assert f'<input type="hidden" name="then" value="{anti_cellulite.slug}">' in html
    # Both massages' rules are said at their questions.
    assert "Anti-cellulite massage is not given with" in html
    assert "Book for €87" in html


def test_a_time_taken_meanwhile_offers_the_nearest_starts_where_both_fit(
    client: Client, for_two, anna, ben, room_for_two
):
    sent = form_for_two(at(TUESDAY, "10:00"))
    book_visit(
        appointments=[
            WantedAppointment(offering=for_two, start_at=at(TUESDAY, "10:00"), therapist=ben)
        ],
        client=SOMEONE_ELSE,
        source="web",
        actor=Actor.guest(),
        now=NOW,
    )

    response = client.post(form_url(for_two), sent)

    assert response.status_code == 200
    assert Visit.objects.count() == 1
    html = response.content.decode()
    assert "That time is no longer free." in html
    offered = re.findall(r'name="start" value="([^"]+)"', html)
    assert slot_value(at(TUESDAY, "10:00")) not in offered
    # Ben is busy until 10:40 with his buffer; both are free again from 10:45.
    assert slot_value(at(TUESDAY, "10:45")) in offered
    # The choice for two stays with the form.
    assert '<input type="hidden" name="people" value="2">' in html


def test_the_form_sent_twice_books_the_visit_once(client: Client, for_two, anna, ben, room_for_two):
    sent = form_for_two(at(TUESDAY, "10:00"))

    first = client.post(form_url(for_two), sent)
    second = client.post(form_url(for_two), sent)

    assert Visit.objects.count() == 1
    assert Appointment.objects.count() == 2
    assert first["Location"] == second["Location"]


def test_a_form_for_two_for_an_offering_for_one_is_a_400_and_books_nothing(
    client: Client, classical, anna, ben, room_for_two
):
    response = client.post(form_url(classical), form_for_two(at(TUESDAY, "10:00")))

    assert response.status_code == 400
    assert not Visit.objects.exists()


def test_the_picker_for_two_takes_a_fixed_number_of_queries(
    client: Client, for_two, anna, ben, room_for_two, staff, django_assert_num_queries
):
    """However many visits are booked, and for any fortnight.

    1. the offering with its massage type, 2. its areas, 3. the type's
    equipment (no therapists to choose from: each person has their
    own); the engine's four: 4. therapists, 5. their hours (on
    PostgreSQL read with the therapists), 6. the resource kinds with
    their resources and capacity, 7. time off with appointments and the
    resources' allocations (on PostgreSQL sent with the resources); then
    8. the type's health rules, 9. the other offerings, to add one after
    it.
    """
    queries = 7 if connection.vendor == "postgresql" else 9
    with django_assert_num_queries(queries):
        client.get(slots_url(for_two), {"people": "2"})
    for day in range(2, 6):
        start_at = at(TUESDAY, "10:00").replace(day=day)
        book_visit(
            appointments=[
                WantedAppointment(offering=for_two, start_at=start_at),
                WantedAppointment(offering=for_two, start_at=start_at),
            ],
            client=SOMEONE_ELSE,
            source="admin",
            actor=staff,
            now=NOW,
        )

    with django_assert_num_queries(queries):
        client.get(slots_url(for_two), {"people": "2", "week": "2027-03-15"})


def test_a_held_visit_for_two_says_it_is_held_and_shows_both_people(
    client: Client, for_two, anna, ben, room_for_two, settings
):
    settings.STUDIO_WEB_BOOKING_HOLD_MINUTES = 30

    response = client.post(form_url(for_two), form_for_two(at(TUESDAY, "10:00")), follow=True)

    visit = Visit.objects.get()
    assert visit.status == Visit.Status.HELD
    assert set(visit.appointments.values_list("status", flat=True)) == {"held"}
    html = response.content.decode()
    assert "Your time is held" in html
    assert "For Mira Example · with" in html
    assert "For Alex Example · with" in html
