"""The visit page: what reception and a therapist see of a visit, and who sees it at all."""

# ruff: noqa: F811 - the tests take as arguments the fixtures imported from visit_setup

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from booking.services import Actor, move_visit
from tests.staff.visit_setup import (  # noqa: F401 - fixtures
    anna,
    anna_web,
    ben,
    ben_web,
    book,
    booked,
    frozen,
    reception,
    studio_rules,
    two_rooms,
)

pytestmark = pytest.mark.django_db


def page_of(appointment) -> str:
    return reverse("staff:visit", args=[appointment.visit_id])


def test_reception_sees_the_visit_its_client_health_answers_and_rooms(reception, booked, frozen):
    response = reception.get(page_of(booked))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Visit of Mira Example" in page
    assert "Classical" in page and "Anna Weber" in page
    assert "Room 1" in page
    assert ">030 1234567</a>" in page and "mira@example.com" in page
    assert page.count("Left knee sore") == 1
    assert "Have you had an injury or surgery in the last three months?" in page
    assert "Move or change therapist" in page
    assert "Cancel the visit" in page


def test_the_health_answers_are_hidden_without_the_permission(
    reception, booked, frozen, django_user_model
):
    user = django_user_model.objects.get(username="desk")
    user.groups.first().permissions.remove(Permission.objects.get(codename="view_health"))

    page = reception.get(page_of(booked)).content.decode()

    assert "Left knee sore" not in page
    assert "Health answers" not in page


def test_the_history_lists_events_newest_first(reception, booked, ben, frozen):
    move_visit(
        visit=booked.visit,
        therapists={booked.pk: ben},
        actor=Actor(label="desk", is_staff=True),
    )

    page = reception.get(page_of(booked)).content.decode()

    history = page[page.index("History") :]
    assert history.index("Given to another therapist") < history.index("Booked")
    assert "from Anna Weber to Ben Hoffmann" in history


def test_a_therapist_sees_a_visit_of_theirs_without_the_desks_actions(anna_web, booked, frozen):
    response = anna_web.get(page_of(booked))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Left knee sore" in page
    assert "Move or change therapist" not in page
    assert "Cancel the visit" not in page


def test_another_therapist_does_not_find_the_visit(ben_web, booked, frozen):
    assert ben_web.get(page_of(booked)).status_code == 404


def test_a_therapist_cannot_move_or_cancel_even_their_own(anna_web, booked, frozen):
    move = reverse("staff:visit_move", args=[booked.visit_id])
    cancel = reverse("staff:visit_cancel", args=[booked.visit_id])

    assert anna_web.get(move).status_code == 403
    assert anna_web.post(cancel, {"reason": "no"}).status_code == 403
    booked.refresh_from_db()
    assert booked.status == "confirmed"


def test_a_stranger_is_sent_to_log_in(client, booked):
    response = client.get(page_of(booked))

    assert response.status_code == 302
    assert response["Location"].startswith("/staff/login/")


def test_an_unknown_visit_is_not_found(reception):
    assert reception.get("/staff/visits/00000000-0000-0000-0000-000000000000/").status_code == 404


def test_reception_cancels_without_telling_the_client(reception, booked, frozen):
    response = reception.post(
        reverse("staff:visit_cancel", args=[booked.visit_id]), {"reason": "Called in"}
    )

    assert response.status_code == 303
    booked.refresh_from_db()
    assert booked.status == "cancelled"
    assert not booked.messages.filter(kind="cancellation").exists()
    assert booked.events.get(action="cancelled").details == {"reason": "Called in"}


def test_reception_cancels_and_tells_the_client(reception, booked, frozen):
    reception.post(
        reverse("staff:visit_cancel", args=[booked.visit_id]), {"reason": "", "notify": "on"}
    )

    assert booked.messages.filter(kind="cancellation").exists()


def test_a_cancel_reason_too_long_is_a_400(reception, booked, frozen):
    response = reception.post(
        reverse("staff:visit_cancel", args=[booked.visit_id]), {"reason": "x" * 501}
    )

    assert response.status_code == 400
    booked.refresh_from_db()
    assert booked.status == "confirmed"


def test_a_question_not_asked_reads_not_asked_never_no(reception, anna, ben, two_rooms, frozen):
    appointment = book(anna)
    appointment.health = {"recent_injury": True, "vein_problems": False, "pregnancy": None}
    appointment.save(update_fields=["health"])

    page = reception.get(page_of(appointment)).content.decode()

    assert "Do you have varicose veins or other vein problems? <strong>no</strong>" in page
    assert "Are you pregnant? <strong>not asked</strong>" in page
    # Left out of the answers altogether: not asked either, and listed.
    assert (
        "Do you have a skin condition, wound or rash on your legs? <strong>not asked</strong>"
        in page
    )
