"""The booking form: details, health questions, and what the booking service says."""

import re
import uuid
from datetime import date

import pytest
import time_machine
from django.db import transaction
from django.test import Client
from django.urls import reverse

from booking.guest_access import SESSION_KEY
from booking.models import Appointment, IdempotencyKey
from booking.services import Actor, ClientDetails, book_appointment, idempotency
from booking.site_forms import slot_value
from booking.views import book as book_views
from tests.booking.conftest import NOW, TUESDAY, at
from tests.factories import vacuum_device

pytestmark = pytest.mark.django_db

SOMEONE_ELSE = ClientDetails("Quick Other", "other@example.com", "+49 30 7654321")


@pytest.fixture(autouse=True)
def frozen():
    """Monday 1 March 2027, 08:00 in the studio."""
    with time_machine.travel(NOW, tick=False):
        yield


def form_url(offering) -> str:
    return reverse("booking:book", kwargs={"offering_slug": offering.slug})


def details(start_at, **changes) -> dict:
    """A filled-in form for a start, as the browser sends it."""
    values = {
        "idempotency_key": str(uuid.uuid4()),
        "start": slot_value(start_at),
        "therapist": "",
        "name": "Mira Example",
        "email": "mira@example.com",
        "phone": "+49 30 1234567",
        "vein_problems": "no",
        "pregnancy": "no",
        "recent_injury": "no",
        "skin_condition": "no",
        "note": "",
        "consent": "on",
    }
    return {**values, **changes}


def confirmation_url(appointment: Appointment) -> str:
    return reverse("booking:confirmation", kwargs={"appointment_id": appointment.pk})


def test_the_form_shows_the_chosen_time_on_the_studio_clock(
    client: Client, classical, anna, two_rooms
):
    response = client.get(form_url(classical), {"start": "2027-03-02T09:00Z"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Your details: Classical: foot · Studio</title>" in html
    assert "Tuesday 2 March 2027, 10:00" in html
    assert "Book for €35" in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert re.search(r'name="idempotency_key" value="[0-9a-f-]{36}"', html)
    assert '<input type="hidden" name="start" value="2027-03-02T09:00Z"' in html
    assert '<meta name="robots" content="noindex">' in html


def test_the_form_asks_every_health_question_with_a_label_for_each_answer(
    client: Client, classical, anna, two_rooms
):
    html = client.get(form_url(classical), {"start": "2027-03-02T09:00Z"}).content.decode()

    for question in ["vein_problems", "pregnancy", "recent_injury", "skin_condition"]:
        assert f'<fieldset class="question" id="id_{question}"' in html
        assert f'<label for="id_{question}_0">Yes</label>' in html
        assert f'<label for="id_{question}_1">No</label>' in html
    assert '<label for="id_name">Your name</label>' in html
    assert 'autocomplete="email"' in html
    assert 'type="tel"' in html


def test_the_form_says_plainly_which_answers_rule_the_massage_out(
    client: Client, vacuum, anna, two_rooms
):
    html = client.get(form_url(vacuum), {"start": "2027-03-02T09:00Z"}).content.decode()

    assert (
        "Vacuum massage is not given with varicose veins or other vein problems, pregnancy, "
        "or a skin condition, wound or rash on the legs." in html
    )
    assert (
        '<p class="hint rule rule-rules_out" id="id_vein_problems_helptext"><strong>'
        "If yes, we cannot give this massage:</strong> Vacuum massage works directly" in html
    )
    assert 'id="id_vein_problems" aria-describedby="id_vein_problems_helptext"' in html
    assert "If yes, please talk to us first:" in html


def test_sending_the_form_books_and_leads_to_the_confirmation(
    client: Client, classical, anna, two_rooms
):
    response = client.post(
        form_url(classical),
        details(
            at(TUESDAY, "10:00"),
            therapist=str(anna.id),
            vein_problems="yes",
            note="Sensitive left knee.",
        ),
    )

    appointment = Appointment.objects.select_related("client").get()
    assert response.status_code == 303
    assert response["Location"] == confirmation_url(appointment)
    assert appointment.start_at == at(TUESDAY, "10:00")
    assert appointment.therapist == anna
    assert appointment.source == Appointment.Source.WEB
    assert (appointment.client.name, appointment.client.email) == (
        "Mira Example",
        "mira@example.com",
    )
    assert appointment.health == {
        "vein_problems": True,
        "pregnancy": False,
        "recent_injury": False,
        "skin_condition": False,
        "note": "Sensitive left knee.",
    }
    assert appointment.consented_at == NOW


def test_any_therapist_books_one_who_is_free(client: Client, classical, anna, ben, two_rooms):
    book_appointment(
        offering=classical,
        start_at=at(TUESDAY, "10:00"),
        client=SOMEONE_ELSE,
        source="web",
        actor=Actor.guest(),
        therapist=anna,
        now=NOW,
    )

    client.post(form_url(classical), details(at(TUESDAY, "10:00"), email="ben.fan@example.com"))

    assert Appointment.objects.get(client__email="ben.fan@example.com").therapist == ben


def test_a_ruled_out_booking_is_refused_with_the_reason_at_its_question(
    client: Client, vacuum, anna, two_rooms
):
    response = client.post(form_url(vacuum), details(at(TUESDAY, "10:00"), vein_problems="yes"))

    assert response.status_code == 200
    assert not Appointment.objects.exists()
    html = response.content.decode()
    assert "<title>Error: Your details: Vacuum: hip · Studio</title>" in html
    assert "We cannot book this massage for you" in html
    assert (
        '<p class="field-error" id="id_vein_problems_error"><span class="visually-hidden">'
        "Error: </span>Vacuum massage works directly on the blood vessels" in html
    )
    assert (
        'id="id_vein_problems" aria-describedby="id_vein_problems_helptext id_vein_problems_error"'
        in html
    )
    assert '<a href="#id_vein_problems">Vacuum massage works directly' in html


def test_an_answer_that_asks_for_a_word_first_still_books(client: Client, vacuum, anna, two_rooms):
    vacuum_device()

    response = client.post(form_url(vacuum), details(at(TUESDAY, "10:00"), recent_injury="yes"))

    assert response.status_code == 303
    assert Appointment.objects.get().health["recent_injury"] is True


def test_an_invalid_form_ties_each_error_to_its_field_and_books_nothing(
    client: Client, classical, anna, two_rooms
):
    response = client.post(
        form_url(classical),
        details(
            at(TUESDAY, "10:00"),
            name="",
            email="mira-at-example",
            phone="call me",
            pregnancy="",
            consent="",
        ),
    )

    assert response.status_code == 200
    assert not Appointment.objects.exists()
    html = response.content.decode()
    assert "Please check the form" in html
    assert re.search(
        r'<input[^>]*name="name"[^>]*aria-invalid="true"[^>]*aria-describedby="id_name_error"', html
    )
    assert 'id="id_name_error"><span class="visually-hidden">Error: </span>Enter your name.' in html
    assert 'aria-describedby="id_email_helptext id_email_error"' in html
    assert "Enter an e-mail address like name@example.com." in html
    assert "Enter a phone number we can call" in html
    assert 'id="id_pregnancy" aria-describedby="id_pregnancy_helptext id_pregnancy_error"' in html
    assert "We can only book with your agreement to this." in html
    # What was typed stays.
    assert 'value="mira-at-example"' in html
    assert 'value="no" id="id_vein_problems_1" required checked' in html


def test_a_past_slot_is_refused_with_the_nearest_free_times(
    client: Client, classical, anna, two_rooms
):
    response = client.post(
        form_url(classical), details(at(date(2027, 2, 26), "10:00"), note="Please be gentle.")
    )

    assert response.status_code == 200
    assert not Appointment.objects.exists()
    html = response.content.decode()
    assert "That time is in the past." in html
    # The soonest free times: Monday from 10:00, two hours from now.
    assert 'value="2027-03-01T09:00Z"' in html
    assert "Monday 1 March" in html
    assert "Please be gentle." in html


def test_a_time_taken_meanwhile_brings_the_form_back_with_the_nearest_free_times(
    client: Client, classical, anna, two_rooms
):
    sent = details(at(TUESDAY, "10:00"), therapist=str(anna.id))
    book_appointment(
        offering=classical,
        start_at=at(TUESDAY, "10:00"),
        client=SOMEONE_ELSE,
        source="web",
        actor=Actor.guest(),
        now=NOW,
    )

    response = client.post(form_url(classical), sent)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Please choose another time" in html
    assert "That time is no longer free. Please choose another time." in html
    # The booking blocks Anna 10:00-10:40 (10 minutes' buffer); hers start at 9.
    offered = re.findall(r'name="start" value="([^"]+)"', html)
    assert offered == [
        "2027-03-02T08:00Z",  # 09:00
        "2027-03-02T08:15Z",  # 09:15, done with its buffer at 09:55
        "2027-03-02T09:45Z",  # 10:45
        "2027-03-02T10:00Z",
        "2027-03-02T10:15Z",
        "2027-03-02T10:30Z",  # 11:30
    ]
    assert f'name="idempotency_key" value="{sent["idempotency_key"]}"' in html
    assert 'value="Mira Example"' in html
    assert f'name="therapist" value="{anna.id}"' in html
    assert Appointment.objects.count() == 1


def test_choosing_one_of_the_nearest_times_books_it_with_the_same_form(
    client: Client, classical, anna, two_rooms
):
    sent = details(at(TUESDAY, "10:00"))
    book_appointment(
        offering=classical,
        start_at=at(TUESDAY, "10:00"),
        client=SOMEONE_ELSE,
        source="web",
        actor=Actor.guest(),
        now=NOW,
    )
    client.post(form_url(classical), sent)

    response = client.post(
        form_url(classical),
        {**sent, "start": slot_value(at(TUESDAY, "10:45")), "around": sent["start"]},
    )

    assert response.status_code == 303
    assert Appointment.objects.get(client__email="mira@example.com").start_at == at(
        TUESDAY, "10:45"
    )


def test_sending_without_choosing_a_new_time_offers_the_nearest_again(
    client: Client, classical, anna, two_rooms
):
    sent = details(at(TUESDAY, "10:00"), start="", around=slot_value(at(TUESDAY, "10:00")))

    response = client.post(form_url(classical), sent)

    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_start_error"><span class="visually-hidden">Error: </span>Choose a time.' in html
    assert 'name="start" value="2027-03-02T09:00Z"' in html
    assert not Appointment.objects.exists()


def test_the_confirmation_opens_in_the_browser_that_booked_and_no_other(
    client: Client, classical, anna, two_rooms
):
    response = client.post(form_url(classical), details(at(TUESDAY, "10:00")))

    appointment = Appointment.objects.get()
    assert appointment.manage_token not in response["Location"]
    assert client.session[SESSION_KEY] == {str(appointment.pk): appointment.manage_token}
    assert client.get(response["Location"]).status_code == 200
    assert Client().get(response["Location"]).status_code == 404


def test_the_same_form_sent_twice_books_once(client: Client, classical, anna, two_rooms):
    sent = details(at(TUESDAY, "10:00"))

    first = client.post(form_url(classical), sent)
    second = client.post(form_url(classical), sent)

    appointment = Appointment.objects.get()
    assert first.status_code == second.status_code == 303
    assert first["Location"] == second["Location"] == confirmation_url(appointment)


def test_a_booked_form_keeps_only_its_appointment_for_a_resend(
    client: Client, classical, anna, two_rooms
):
    sent = details(at(TUESDAY, "10:00"))

    client.post(form_url(classical), sent)

    row = IdempotencyKey.objects.get()
    assert (row.owner, row.key, row.state) == ("website", sent["idempotency_key"], "done")
    assert row.appointment == Appointment.objects.get()
    assert row.request_hash == idempotency.fingerprint(book_views.FORM_KEY_BODY)


def test_the_booked_form_sent_again_with_another_time_shows_the_first_booking(
    client: Client, classical, anna, two_rooms
):
    sent = details(at(TUESDAY, "10:00"))
    client.post(form_url(classical), sent)

    response = client.post(
        form_url(classical), {**sent, "start": slot_value(at(TUESDAY, "11:00"))}, follow=True
    )

    appointment = Appointment.objects.get()
    assert appointment.start_at == at(TUESDAY, "10:00")
    assert response.redirect_chain == [(confirmation_url(appointment), 303)]
    assert "This form had already booked the appointment below." in response.content.decode()


def test_a_refused_form_keeps_its_key_and_books_once_corrected(
    client: Client, vacuum, classical, anna, two_rooms
):
    sent = details(at(TUESDAY, "10:00"), pregnancy="yes")
    client.post(form_url(vacuum), sent)

    response = client.post(form_url(classical), {**sent, "pregnancy": "no"})

    assert response.status_code == 303
    assert Appointment.objects.get().offering == classical


def test_a_form_sent_without_its_csrf_token_is_refused(classical, anna, two_rooms):
    guarded = Client(enforce_csrf_checks=True)

    response = guarded.post(form_url(classical), details(at(TUESDAY, "10:00")))

    assert response.status_code == 403
    assert not Appointment.objects.exists()


def test_the_form_without_a_time_leads_back_to_the_slot_picker(client: Client, classical):
    response = client.get(form_url(classical), {"start": "tomorrow"})

    assert response.status_code == 302
    assert response["Location"] == "/en/booking/classical-foot-30/"


def test_a_link_to_a_time_that_went_offers_the_nearest_at_once(
    client: Client, classical, anna, two_rooms
):
    book_appointment(
        offering=classical,
        start_at=at(TUESDAY, "10:00"),
        client=SOMEONE_ELSE,
        source="web",
        actor=Actor.guest(),
        now=NOW,
    )

    response = client.get(form_url(classical), {"start": "2027-03-02T09:00Z"})

    html = response.content.decode()
    assert "This time can no longer be booked." in html
    assert 'name="start" value="2027-03-02T08:00Z"' in html
    assert 'name="around" value="2027-03-02T09:00Z"' in html


def test_the_form_of_an_unknown_offering_is_a_404(client: Client):
    assert (
        client.get("/en/booking/hot-stones-60/book/", {"start": "2027-03-02T09:00Z"}).status_code
        == 404
    )


def test_the_therapist_sees_the_answers_in_the_admin(
    client: Client, admin_client: Client, classical, anna, two_rooms
):
    client.post(
        form_url(classical),
        details(at(TUESDAY, "10:00"), vein_problems="yes", note="Sensitive left knee."),
    )
    appointment = Appointment.objects.get()

    html = admin_client.get(
        reverse("admin:booking_appointment_change", args=[appointment.pk])
    ).content.decode()

    assert "<li>Do you have varicose veins or other vein problems?: yes</li>" in html
    assert "<li>Are you pregnant?: no</li>" in html
    assert "<li>Note: Sensitive left knee.</li>" in html


def test_a_second_submit_while_the_first_runs_waits_for_it_and_shows_its_booking(
    client: Client, classical, anna, two_rooms, monkeypatch
):
    sent = details(at(TUESDAY, "10:00"))
    # The first submit of the form has claimed its key and is booking.
    running = idempotency.claim(
        owner=book_views.FORM_KEY_OWNER, key=sent["idempotency_key"], body=book_views.FORM_KEY_BODY
    )
    first = book_appointment(
        offering=classical,
        start_at=at(TUESDAY, "10:00"),
        client=ClientDetails("Mira Example", "mira@example.com", "+49 30 1234567"),
        source="web",
        actor=Actor.guest(),
        now=NOW,
    )

    def first_submit_finishes(seconds: float) -> None:
        assert isinstance(running, idempotency.Claim)
        with transaction.atomic():
            idempotency.keep(running, visit=first.visit, lead=first)

    monkeypatch.setattr("booking.views.book.time.sleep", first_submit_finishes)

    response = client.post(form_url(classical), sent)

    assert response.status_code == 303
    assert response["Location"] == confirmation_url(first)
    assert client.get(response["Location"]).status_code == 200
    assert Appointment.objects.count() == 1


def test_a_second_submit_says_so_when_the_first_takes_too_long(
    client: Client, classical, anna, two_rooms, monkeypatch
):
    sent = details(at(TUESDAY, "10:00"))
    idempotency.claim(
        owner=book_views.FORM_KEY_OWNER, key=sent["idempotency_key"], body=book_views.FORM_KEY_BODY
    )
    monkeypatch.setattr(book_views, "FIRST_SUBMIT_WAIT_SECONDS", 0)

    response = client.post(form_url(classical), sent)

    assert response.status_code == 200
    assert "Your booking is still being made." in response.content.decode()
    assert not Appointment.objects.exists()


def test_a_therapist_who_no_longer_gives_the_massage_is_named_plainly(
    client: Client, classical, anna, ben, two_rooms
):
    ben.is_active = False
    ben.save(update_fields=["is_active"])

    response = client.post(
        form_url(classical), details(at(TUESDAY, "10:00"), therapist=str(ben.id))
    )

    html = response.content.decode()
    assert "<li>The therapist you chose no longer gives this massage." in html
    assert not Appointment.objects.exists()
