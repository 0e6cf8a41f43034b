"""Staff see the booked details beside the client record, change the record, merge duplicates."""

import pytest
from django.urls import reverse

from booking.models import Appointment, AppointmentEvent, Client
from booking.services import Actor, ClientDetails, book_appointment
from catalog.models import Offering
from tests.booking.conftest import NOW, TUESDAY, at

pytestmark = pytest.mark.django_db

CHANGELIST_URL = reverse("admin:booking_appointment_changelist")
CLIENTS_URL = reverse("admin:booking_client_changelist")
ATTACKER = ClientDetails(name="Olga Other", email="MIRA@example.com", phone="+4915199999999")


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


def book(details, clock, actor=None) -> Appointment:
    return book_appointment(
        offering=Offering.objects.get(slug="classical-foot-30"),
        start_at=at(TUESDAY, clock),
        client=details,
        source="web",
        actor=actor or Actor.guest(),
    )


def change_url(instance) -> str:
    return reverse(f"admin:booking_{instance._meta.model_name}_change", args=[instance.pk])


@pytest.fixture
def mira(anna, ben, two_rooms, guest_details) -> Appointment:
    return book(guest_details, "10:00")


def test_the_appointment_page_shows_the_booked_details_and_the_record_marked_unverified(
    admin_client, mira
):
    other = book(ATTACKER, "11:00")

    html = admin_client.get(change_url(other)).content.decode()

    assert "Booked with" in html
    assert "Olga Other" in html
    assert "+4915199999999" in html
    assert "Client record" in html
    assert "Mira Example &lt;mira@example.com&gt;" in html
    assert "+49 30 1234567" in html
    assert 'class="unverified"' in html


def test_a_phone_booking_is_not_marked_unverified(admin_client, anna, two_rooms):
    admin_client.post(
        reverse("admin:booking_appointment_add"),
        {
            "offering": Offering.objects.get(slug="classical-foot-30").pk,
            "therapist": "",
            "start_on": TUESDAY.isoformat(),
            "start_time": "10:00",
            "client_name": "Karl Caller",
            "client_email": "karl@example.com",
            "client_phone": "+49 30 7654321",
            "notes": "",
        },
    )
    appointment = Appointment.objects.get()

    html = admin_client.get(change_url(appointment)).content.decode()

    assert appointment.is_client_verified is True
    assert 'class="unverified"' not in html


def test_a_phone_booking_that_asks_updates_the_client_record(admin_client, mira):
    admin_client.post(
        reverse("admin:booking_appointment_add"),
        {
            "offering": Offering.objects.get(slug="classical-foot-30").pk,
            "therapist": "",
            "start_on": TUESDAY.isoformat(),
            "start_time": "11:00",
            "client_name": "Mira E.",
            "client_email": "mira@example.com",
            "client_phone": "030 7654321",
            "update_client": "on",
            "notes": "",
        },
    )

    record = Client.objects.get()
    assert (record.name, record.phone) == ("Mira E.", "+49307654321")


def test_staff_find_an_appointment_by_the_details_it_was_booked_with(admin_client, mira):
    other = book(ATTACKER, "11:00")

    for term in ["Olga", "15199999999"]:
        response = admin_client.get(CHANGELIST_URL, {"q": term})
        assert list(response.context["cl"].result_list) == [other]


def test_staff_change_the_client_record_and_a_new_email_is_unverified(admin_client, mira):
    record = mira.client
    Client.objects.filter(pk=record.pk).update(email_verified_at=NOW)

    response = admin_client.post(
        change_url(record),
        {
            "name": "Mira Example-Neu",
            "email": "mira.neu@example.com",
            "phone": "030 7654321",
            "language": "ru",
            "appointments-TOTAL_FORMS": "0",
            "appointments-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302
    record.refresh_from_db()
    assert (record.name, record.email, record.phone, record.language) == (
        "Mira Example-Neu",
        "mira.neu@example.com",
        "+49307654321",
        "ru",
    )
    assert record.email_verified_at is None
    # The appointment keeps what it was booked with.
    assert Appointment.objects.get(pk=mira.pk).contact_email == "mira@example.com"


def test_merging_asks_which_client_to_keep_first(admin_client, mira):
    work = book(ClientDetails("Mira E.", "mira@work.example", "+49307654321"), "11:00")

    response = admin_client.post(
        CLIENTS_URL,
        {"action": "merge_clients", "_selected_action": [mira.client_id, work.client_id]},
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "Choose the record to keep" in html
    assert "mira@work.example" in html
    assert Client.objects.count() == 2


def test_merging_keeps_the_chosen_client_with_every_appointment(admin_client, mira):
    work = book(ClientDetails("Mira E.", "mira@work.example", "+49307654321"), "11:00")

    response = admin_client.post(
        CLIENTS_URL,
        {
            "action": "merge_clients",
            "_selected_action": [mira.client_id, work.client_id],
            "post": "yes",
            "keep": work.client_id,
        },
        follow=True,
    )

    assert response.status_code == 200
    assert list(Client.objects.values_list("pk", flat=True)) == [work.client_id]
    assert set(Appointment.objects.values_list("client_id", flat=True)) == {work.client_id}
    event = AppointmentEvent.objects.get(action=AppointmentEvent.Action.CLIENT_MERGED)
    assert event.appointment_id == mira.pk
    assert event.actor == "admin"


def test_merging_one_client_alone_is_refused(admin_client, mira):
    response = admin_client.post(
        CLIENTS_URL,
        {"action": "merge_clients", "_selected_action": [mira.client_id], "post": "yes"},
        follow=True,
    )

    assert "Select two or more clients to merge." in response.content.decode()
    assert Client.objects.count() == 1


def test_the_client_admin_checks_and_normalises_the_phone(admin_client):
    mira = Client.objects.create(name="Mira", email="mira@example.com", phone="+49301234567")
    url = reverse("admin:booking_client_change", args=[mira.pk])
    values = {"name": "Mira", "email": "mira@example.com", "language": "en"}
    values |= {"appointments-TOTAL_FORMS": "0"}
    values |= {"appointments-INITIAL_FORMS": "0"}

    refused = admin_client.post(url, {**values, "phone": "555"})
    saved = admin_client.post(url, {**values, "phone": "030 7654321"})

    assert refused.status_code == 200
    assert "Enter a phone number we can call" in refused.content.decode()
    assert saved.status_code == 302
    mira.refresh_from_db()
    assert mira.phone == "+49307654321"


def test_the_client_admin_refuses_an_email_another_client_has_in_any_case(admin_client, mira):
    other = Client.objects.create(name="Olga", email="olga@example.com", phone="+49301234567")

    response = admin_client.post(
        reverse("admin:booking_client_change", args=[other.pk]),
        {
            "name": "Olga",
            "email": "MIRA@example.com",
            "phone": "+49301234567",
            "language": "en",
            "appointments-TOTAL_FORMS": "0",
            "appointments-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    other.refresh_from_db()
    assert other.email == "olga@example.com"
