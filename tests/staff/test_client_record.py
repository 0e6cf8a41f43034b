"""A client's record at the desk: contact, visits, counts, preferences, health history."""

from datetime import timedelta

import pytest
from django.urls import reverse

from booking import selectors
from booking.models import Appointment, Client
from booking.phones import readable_phone
from tests.staff.clients_setup import (
    FUTURE,
    PAST,
    a_client,
    booked,
    reception_login,
    therapist_with_login,
    user_of,
)

pytestmark = pytest.mark.django_db


def record_url(client: Client) -> str:
    return reverse("staff:client", args=[client.pk])


def test_reception_sees_contact_visits_and_counts(client):
    anna = therapist_with_login("anna", name="Anna Weber")
    maria = a_client("Maria Schneider", "maria@example.com", "+49301234567")
    upcoming = booked(maria, anna, FUTURE)
    booked(maria, anna, PAST, status=Appointment.Status.NO_SHOW)
    booked(maria, anna, PAST + timedelta(days=7), status=Appointment.Status.CANCELLED)
    booked(maria, anna, PAST + timedelta(days=14), status=Appointment.Status.COMPLETED)
    client.force_login(reception_login())

    response = client.get(record_url(maria))

    assert response.status_code == 200
    record = response.context["record"]
    assert record.upcoming == [upcoming]
    assert record.past_count == 3
    assert (record.no_shows, record.cancellations) == (1, 1)
    page = response.content.decode()
    assert 'href="tel:+49301234567"' in page
    assert ">030 1234567</a>" in page
    assert "maria@example.com" in page
    assert f"/staff/visits/{upcoming.visit_id}/" in page


def test_a_therapist_reaching_another_therapists_client_gets_404(client):
    anna = therapist_with_login("anna")
    ben = therapist_with_login("ben")
    theirs = a_client("Ben's Client", "bens@example.com")
    booked(theirs, ben)
    client.force_login(user_of(anna))

    assert client.get(record_url(theirs)).status_code == 404


def test_a_therapist_sees_only_their_own_appointments_of_a_shared_client(client):
    anna = therapist_with_login("anna")
    ben = therapist_with_login("ben")
    maria = a_client("Maria", "maria@example.com")
    own = booked(maria, anna, FUTURE)
    booked(maria, ben, FUTURE + timedelta(days=1))
    client.force_login(user_of(anna))

    response = client.get(record_url(maria))

    assert response.status_code == 200
    assert response.context["record"].upcoming == [own]
    assert response.context["form"] is None


def test_the_record_of_a_client_with_many_visits_takes_a_fixed_number_of_queries(
    client, django_assert_num_queries
):
    anna = therapist_with_login("anna")
    maria = a_client("Maria", "maria@example.com")
    for week in range(60):
        booked(maria, anna, PAST + timedelta(weeks=week), health={"pregnancy": False})
        booked(maria, anna, FUTURE + timedelta(weeks=week))
    client.force_login(reception_login())

    # The session, the user, the login's therapist (Scope.of), the user's
    # and the groups' permissions, the client, the visits to come, the
    # latest past ones, the counts, the health history, the therapists
    # the preferences form offers, the client's packages with their
    # sessions used, the packages for sale, the paused webhooks (the
    # header's banner): 14, for 120 appointments as for 2.
    with django_assert_num_queries(14):
        response = client.get(record_url(maria))

    assert response.status_code == 200
    assert len(response.context["record"].upcoming) == 60
    assert len(response.context["record"].past) == selectors.CLIENT_RECORD_PAST_LIMIT
    assert response.context["record"].past_count == 60


def test_reception_changes_the_preferences_and_notes(client):
    anna = therapist_with_login("anna", gender="female")
    maria = a_client("Maria", "maria@example.com")
    client.force_login(reception_login())

    response = client.post(
        reverse("staff:client-preferences", args=[maria.pk]),
        {
            "pressure": "firm",
            "preferred_therapist": anna.pk,
            "therapist_gender": "female",
            "allergies": "Nut oils",
            "staff_notes": "Prefers mornings.",
        },
    )

    assert response.status_code == 303
    maria.refresh_from_db()
    assert (maria.pressure, maria.preferred_therapist, maria.therapist_gender) == (
        "firm",
        anna,
        "female",
    )
    assert (maria.allergies, maria.staff_notes) == ("Nut oils", "Prefers mornings.")


def test_preferences_with_a_choice_not_offered_are_a_400_that_says_why(client):
    maria = a_client("Maria", "maria@example.com")
    client.force_login(reception_login())

    response = client.post(
        reverse("staff:client-preferences", args=[maria.pk]), {"pressure": "crushing"}
    )

    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    maria.refresh_from_db()
    assert maria.pressure == ""


def test_a_therapist_cannot_change_preferences(client):
    anna = therapist_with_login("anna")
    maria = a_client("Maria", "maria@example.com")
    booked(maria, anna)
    client.force_login(user_of(anna))

    response = client.post(
        reverse("staff:client-preferences", args=[maria.pk]), {"pressure": "firm"}
    )

    assert response.status_code == 403
    maria.refresh_from_db()
    assert maria.pressure == ""


def test_the_health_history_gives_the_latest_answer_to_each_question_with_its_date():
    anna = therapist_with_login("anna")
    maria = a_client("Maria", "maria@example.com")
    older = booked(maria, anna, PAST, health={"pregnancy": True, "recent_injury": True})
    newer = booked(
        maria, anna, PAST + timedelta(days=30), health={"pregnancy": False, "note": "Knee"}
    )
    # A second person's answers on a visit for two are theirs, not the client's.
    booked(maria, anna, PAST + timedelta(days=60), health={"pregnancy": True}, guest_name="Alex")

    history = selectors.health_history(maria)

    answers = {answer.question: (answer.answer, answer.answered_at) for answer in history.answers}
    assert answers == {
        "pregnancy": (False, newer.start_at),
        "recent_injury": (True, older.start_at),
    }
    assert (history.note, history.noted_at) == ("Knee", newer.start_at)


def test_a_question_not_asked_keeps_the_answer_before_it():
    anna = therapist_with_login("anna")
    maria = a_client("Maria", "maria@example.com")
    asked = booked(maria, anna, PAST, health={"vein_problems": True})
    booked(maria, anna, PAST + timedelta(days=3), health={"vein_problems": None})

    history = selectors.health_history(maria)

    assert [(a.question, a.answer, a.answered_at) for a in history.answers] == [
        ("vein_problems", True, asked.start_at)
    ]


def test_the_record_shows_the_health_history_to_reception(client):
    anna = therapist_with_login("anna")
    maria = a_client("Maria", "maria@example.com")
    booked(maria, anna, PAST, health={"recent_injury": True})
    client.force_login(reception_login())

    page = client.get(record_url(maria)).content.decode()

    assert "Have you had an injury or surgery in the last three months?" in page
    assert "asks-for-care" in page


@pytest.mark.parametrize(
    ("stored", "read_out"),
    [
        ("+49301234567", "030 1234567"),
        ("+442079460958", "+44 20 7946 0958"),
        ("not a number", "not a number"),
    ],
)
def test_a_phone_number_reads_as_dialled_at_the_studio_or_with_its_country_code(
    settings, stored, read_out
):
    settings.STUDIO_PHONE_REGION = "DE"

    assert readable_phone(stored) == read_out
