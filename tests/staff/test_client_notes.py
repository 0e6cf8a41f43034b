"""Treatment notes: the appointment's therapist writes them, reception reads, others are refused."""

from datetime import datetime, timedelta

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone

from booking import errors
from booking.models import Appointment, AppointmentEvent, TreatmentNote
from booking.services import Actor, erase_client, export_client, purge_old_health_answers
from booking.services.notes import write_treatment_note
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

SOAP = {
    "subjective": "Lower back stiff after gardening.",
    "objective": "Tension in the left erector spinae.",
    "assessment": "Eased well with medium pressure.",
    "plan": "Again in two weeks; stretch daily.",
}


def write(appointment: Appointment, author: User, now: datetime | None = None) -> TreatmentNote:
    return write_treatment_note(
        appointment=appointment,
        author=author,
        subjective=SOAP["subjective"],
        objective=SOAP["objective"],
        assessment=SOAP["assessment"],
        plan=SOAP["plan"],
        now=now,
    )


def note_url(appointment: Appointment) -> str:
    return reverse("staff:treatment-note", args=[appointment.pk])


@pytest.fixture
def given():
    """A massage Anna gave Maria in the past."""
    anna = therapist_with_login("anna")
    return booked(a_client("Maria", "maria@example.com"), anna, PAST)


def test_the_therapist_writes_the_note_of_their_massage(client, given):
    client.force_login(user_of(given.therapist))

    response = client.post(note_url(given), SOAP)

    assert response.status_code == 303
    note = TreatmentNote.objects.get(appointment=given)
    assert {field: getattr(note, field) for field in SOAP} == SOAP
    assert note.author == user_of(given.therapist)
    assert note.created_at == note.updated_at


def test_a_rewrite_keeps_the_author_and_first_time(client, given):
    client.force_login(user_of(given.therapist))
    client.post(note_url(given), SOAP)
    first = TreatmentNote.objects.get(appointment=given)

    client.post(note_url(given), {**SOAP, "plan": "Weekly for a month."})

    note = TreatmentNote.objects.get(appointment=given)
    assert note.plan == "Weekly for a month."
    assert (note.author, note.created_at) == (first.author, first.created_at)
    assert note.updated_at > first.updated_at


def test_writing_a_note_records_who_wrote_it_and_not_its_text(client, given):
    author = user_of(given.therapist)
    client.force_login(author)

    client.post(note_url(given), SOAP)

    event = AppointmentEvent.objects.get(appointment=given, action="note_written")
    assert (event.user, event.actor) == (author, author.get_username())
    assert event.details == {}


def test_changing_a_note_records_which_parts_changed_never_their_words(client, given):
    client.force_login(user_of(given.therapist))
    client.post(note_url(given), SOAP)

    client.post(note_url(given), {**SOAP, "plan": "Weekly for a month."})

    event = AppointmentEvent.objects.get(appointment=given, action="note_changed")
    assert event.user == user_of(given.therapist)
    assert event.details == {"parts": ["plan"]}
    stored = str(list(AppointmentEvent.objects.values_list("details", flat=True)))
    assert not any(text in stored for text in [*SOAP.values(), "Weekly for a month."])


def test_a_rewrite_that_changes_nothing_records_nothing(given):
    write(given, user_of(given.therapist))

    write(given, user_of(given.therapist))

    assert AppointmentEvent.objects.filter(appointment=given, action="note_changed").count() == 0


def test_the_visit_history_shows_the_note_written_and_changed(client, given):
    client.force_login(user_of(given.therapist))
    client.post(note_url(given), SOAP)
    client.post(note_url(given), {**SOAP, "assessment": "Better.", "plan": "Weekly."})

    page = client.get(reverse("staff:visit", args=[given.visit_id])).content.decode()

    history = page[page.index('id="history-heading"') :]
    assert "Treatment note written" in history
    assert "Treatment note changed</strong> assessment, plan" in history
    assert "Weekly." not in history


def test_reception_reads_the_note_but_cannot_write_it(client, given):
    write(given, user_of(given.therapist))
    client.force_login(reception_login())

    page = client.get(note_url(given))
    written = client.post(note_url(given), {**SOAP, "plan": "Changed by the desk"})

    assert page.status_code == 200
    assert SOAP["objective"] in page.content.decode()
    assert page.context["form"] is None
    assert written.status_code == 403
    assert TreatmentNote.objects.get(appointment=given).plan == SOAP["plan"]


def test_another_therapist_neither_reads_nor_writes_the_note(client, given):
    write(given, user_of(given.therapist))
    ben = therapist_with_login("ben")
    client.force_login(user_of(ben))

    assert client.get(note_url(given)).status_code == 404
    assert client.post(note_url(given), {**SOAP, "plan": "Ben's"}).status_code == 404
    assert TreatmentNote.objects.get(appointment=given).plan == SOAP["plan"]


def test_the_service_refuses_a_note_by_anyone_but_the_therapist(given):
    with pytest.raises(errors.NotTheirAppointment):
        write(given, reception_login())

    assert not TreatmentNote.objects.exists()


def test_no_note_before_the_massage_starts(client):
    anna = therapist_with_login("anna")
    coming = booked(a_client("Maria", "maria@example.com"), anna, FUTURE)
    client.force_login(user_of(anna))

    page = client.get(note_url(coming))
    response = client.post(note_url(coming), SOAP)

    assert page.context["form"] is None
    assert "once the massage has started" in page.content.decode()
    assert response.status_code == 409
    assert not TreatmentNote.objects.exists()


def test_a_note_can_be_written_from_the_start_of_the_massage():
    anna = therapist_with_login("anna")
    appointment = booked(a_client("Maria", "maria@example.com"), anna, FUTURE)

    note = write(appointment, user_of(anna), now=appointment.start_at)

    assert TreatmentNote.objects.get().pk == note.pk


@pytest.mark.parametrize("status", [Appointment.Status.CANCELLED, Appointment.Status.NO_SHOW])
def test_no_note_for_a_massage_not_given(status):
    anna = therapist_with_login("anna")
    appointment = booked(a_client("Maria", "maria@example.com"), anna, PAST, status=status)

    with pytest.raises(errors.NothingToNote):
        write(appointment, user_of(anna))


def test_an_empty_note_is_a_400_that_says_why(client, given):
    client.force_login(user_of(given.therapist))

    response = client.post(note_url(given), dict.fromkeys(SOAP, " "))

    assert response.status_code == 400
    assert "Write at least one part of the note." in response.content.decode()
    assert not TreatmentNote.objects.exists()


def test_the_record_shows_the_note_to_reception(client, given):
    write(given, user_of(given.therapist))
    client.force_login(reception_login())

    page = client.get(reverse("staff:client", args=[given.client_id])).content.decode()

    assert SOAP["assessment"] in page


def test_the_clients_export_holds_their_treatment_notes(given):
    write(given, user_of(given.therapist))

    exported = export_client(client=given.client)

    note = exported["appointments"][0]["treatment_note"]
    assert {field: note[field] for field in SOAP} == SOAP
    assert note["author"] == "anna"


def test_erasing_a_client_deletes_their_treatment_notes(given):
    write(given, user_of(given.therapist))

    erase_client(client=given.client, by=Actor(label="owner", is_staff=True))

    assert not TreatmentNote.objects.exists()
    assert Appointment.objects.filter(pk=given.pk).exists()


def test_the_retention_sweep_deletes_notes_of_old_massages_only(settings):
    settings.STUDIO_HEALTH_RETENTION_DAYS = 30
    anna = therapist_with_login("anna")
    maria = a_client("Maria", "maria@example.com")
    now = timezone.now()
    old = booked(maria, anna, now - timedelta(days=40))
    recent = booked(maria, anna, now - timedelta(days=10))
    for appointment in (old, recent):
        write(appointment, user_of(anna))

    purge_old_health_answers(now=now)

    assert list(TreatmentNote.objects.values_list("appointment_id", flat=True)) == [recent.pk]
