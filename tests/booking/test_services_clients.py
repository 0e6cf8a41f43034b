"""The client record: a booking without login never changes it; staff and the e-mailed link do."""

from datetime import date, timedelta
from pathlib import Path
from typing import cast

import pytest
import time_machine
from django.core import mail, signing
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse
from rest_framework.test import APIClient

from booking import errors
from booking.guest_access import manage_link
from booking.models import Appointment, AppointmentEvent, Client
from booking.services import (
    Actor,
    ClientDetails,
    book_appointment,
    merge_clients,
    update_client_from_booking,
)
from booking.services.clients import (
    DETAILS_LINK_SALT,
    appointment_for_details_link,
    details_link_token,
    offers_record_update,
)
from notifications.models import Message
from notifications.services import send_message_now
from tests.booking.conftest import NOW, TUESDAY, at

pytestmark = pytest.mark.django_db

WEDNESDAY = date(2027, 3, 3)
ATTACKER = ClientDetails(
    name="Call +49 900 555 to confirm", email="MIRA@Example.COM", phone="+4915199999999"
)


def book(offering, start, details, actor=None, **kwargs) -> Appointment:
    return book_appointment(
        offering=offering,
        start_at=start,
        client=details,
        source="web",
        actor=actor or Actor.guest(),
        now=NOW,
        **kwargs,
    )


def stored(client: Client) -> tuple[str, str, str]:
    client.refresh_from_db()
    return (client.name, client.email, client.phone)


# Takeover ---------------------------------------------------------------


def test_a_takeover_attempt_leaves_the_client_and_the_victims_reminders_alone(
    classical, anna, ben, two_rooms, guest_details, settings
):
    victim = book(classical, at(WEDNESDAY, "10:00"), guest_details)
    attacker = book(classical, at(WEDNESDAY, "11:00"), ATTACKER)

    assert stored(victim.client) == ("Mira Example", "mira@example.com", "+49 30 1234567")
    assert attacker.client_id == victim.client_id
    assert Appointment.objects.get(pk=attacker.pk).is_client_verified is False

    # Every message about the victim's appointment, sent when it is due.
    for reminder in victim.messages.order_by("due_at"):
        with time_machine.travel(reminder.due_at, tick=False):
            assert send_message_now(message_id=reminder.pk) == Message.Status.SENT
    emails = mail.outbox
    assert [message.to for message in emails] == [["Mira Example <mira@example.com>"]] * 2
    (sms,) = Path(settings.SMS_FILE_PATH).iterdir()
    assert "To: +49 30 1234567\n" in sms.read_text()
    rendered = [sms.read_text()]
    for message in emails:
        message = cast(EmailMultiAlternatives, message)
        rendered += [str(message.body), *(str(part[0]) for part in message.alternatives)]
        # The calendar file, its folded lines joined again (RFC 5545).
        rendered += [str(file[1]).replace("\r\n ", "") for file in message.attachments]
    assert all("Mira Example" in text for text in rendered[1:4])
    for text in rendered:
        assert "Call" not in text
        assert "900 555" not in text
        assert "99999999" not in text


def test_the_attackers_own_messages_go_to_the_details_it_was_booked_with(
    classical, anna, two_rooms, guest_details, settings
):
    book(classical, at(WEDNESDAY, "10:00"), guest_details)
    attacker = book(classical, at(WEDNESDAY, "11:00"), ATTACKER)

    for reminder in attacker.messages.order_by("due_at"):
        with time_machine.travel(reminder.due_at, tick=False):
            send_message_now(message_id=reminder.pk)

    assert mail.outbox[0].to == ["Call +49 900 555 to confirm <MIRA@Example.COM>"]
    assert mail.outbox[0].body.startswith("Dear Call +49 900 555 to confirm,")
    (sms,) = Path(settings.SMS_FILE_PATH).iterdir()
    assert "To: +4915199999999\n" in sms.read_text()


def test_a_first_booking_makes_the_client_record_from_its_details(
    classical, anna, two_rooms, guest_details
):
    appointment = book(classical, at(TUESDAY, "10:00"), guest_details)

    assert stored(appointment.client) == ("Mira Example", "mira@example.com", "+49 30 1234567")
    assert appointment.is_client_verified is False


def test_a_booking_by_staff_is_verified_and_leaves_the_record_unless_asked(
    classical, anna, ben, two_rooms, guest_details, staff
):
    book(classical, at(TUESDAY, "10:00"), guest_details)
    by_phone = book(
        classical,
        at(TUESDAY, "11:00"),
        ClientDetails(name="Mira E.", email="mira@example.com", phone="+49 30 7654321"),
        actor=staff,
    )

    assert Appointment.objects.get(pk=by_phone.pk).is_client_verified is True
    assert stored(by_phone.client) == ("Mira Example", "mira@example.com", "+49 30 1234567")


def test_staff_who_ask_to_put_the_booked_details_on_the_record(
    classical, anna, two_rooms, guest_details, staff
):
    book(classical, at(TUESDAY, "10:00"), guest_details)
    by_phone = book(
        classical,
        at(TUESDAY, "11:00"),
        ClientDetails(name="Mira E.", email="mira@example.com", phone="+49 30 7654321"),
        actor=staff,
        update_client_record=True,
    )

    assert stored(by_phone.client) == ("Mira E.", "mira@example.com", "+49 30 7654321")


def test_a_guest_cannot_ask_to_change_the_record(classical, anna, two_rooms, guest_details):
    book(classical, at(TUESDAY, "10:00"), guest_details)

    with pytest.raises(errors.BookingError):
        book(classical, at(TUESDAY, "11:00"), ATTACKER, update_client_record=True)

    assert Appointment.objects.count() == 1
    assert Client.objects.get().name == "Mira Example"


def test_a_logged_in_user_without_the_change_permission_books_as_unverified(
    classical, anna, two_rooms, guest_details, django_user_model
):
    user = django_user_model.objects.create_user("visitor")

    appointment = book(classical, at(TUESDAY, "10:00"), guest_details, actor=Actor.for_user(user))

    assert Appointment.objects.get(pk=appointment.pk).is_client_verified is False


# The e-mailed link ------------------------------------------------------


@pytest.fixture
def differing(classical, anna, ben, two_rooms, guest_details) -> Appointment:
    """Mira's second booking, with the same e-mail and another name and phone."""
    book(classical, at(TUESDAY, "10:00"), guest_details)
    return book(
        classical,
        at(TUESDAY, "11:00"),
        ClientDetails(name="Mira E.", email="mira@example.com", phone="+49 30 7654321"),
    )


def test_the_confirmation_offers_the_link_when_the_details_differ(differing):
    assert offers_record_update(differing) is True

    with time_machine.travel(NOW, tick=False):
        send_message_now(message_id=differing.messages.get(kind="confirmation").pk)

    (message,) = mail.outbox
    assert message.to == ['"Mira E." <mira@example.com>']
    assert "/booking/client-details/" in message.body
    html = cast(EmailMultiAlternatives, message).alternatives[0][0]
    assert "Use these details for your client record" in str(html)


def test_the_confirmation_has_no_link_when_the_details_match(
    classical, anna, two_rooms, guest_details
):
    appointment = book(classical, at(TUESDAY, "10:00"), guest_details)

    with time_machine.travel(NOW, tick=False):
        send_message_now(message_id=appointment.messages.get(kind="confirmation").pk)

    assert offers_record_update(appointment) is False
    assert "/booking/client-details/" not in mail.outbox[0].body


def test_following_the_link_puts_the_booked_details_on_the_record(differing):
    found = appointment_for_details_link(details_link_token(differing))
    assert found is not None

    update_client_from_booking(appointment=found, now=NOW)

    client = Client.objects.get()
    assert (client.name, client.phone) == ("Mira E.", "+49 30 7654321")
    assert client.email_verified_at == NOW
    differing.refresh_from_db()
    assert differing.is_client_verified is True
    assert differing.events.filter(action=AppointmentEvent.Action.CLIENT_VERIFIED).exists()


def test_a_link_stops_working_after_seven_days(differing):
    with time_machine.travel(NOW):
        token = details_link_token(differing)

    with time_machine.travel(NOW + timedelta(days=7, minutes=1)):
        assert appointment_for_details_link(token) is None
    with time_machine.travel(NOW + timedelta(days=6)):
        assert appointment_for_details_link(token) is not None


def test_a_forged_or_altered_link_opens_nothing(differing):
    token = details_link_token(differing)
    forged = signing.dumps(
        {"client": differing.client_id, "appointment": str(differing.pk), "digest": "x"},
        salt=DETAILS_LINK_SALT,
    )
    unsigned = signing.dumps({"client": differing.client_id, "appointment": str(differing.pk)})

    assert appointment_for_details_link(token[:-2] + "xx") is None
    assert appointment_for_details_link(forged) is None
    assert appointment_for_details_link(unsigned) is None


def test_a_link_stops_working_once_the_records_email_changes(differing):
    token = details_link_token(differing)
    Client.objects.update(email="mira.new@example.com")

    assert appointment_for_details_link(token) is None


# Merging ----------------------------------------------------------------


@pytest.fixture
def duplicates(classical, anna, ben, two_rooms) -> list[Appointment]:
    """Mira booked under two e-mails, three appointments in all."""
    first = ClientDetails(name="Mira Example", email="mira@example.com", phone="+49 30 1234567")
    second = ClientDetails(name="Mira E.", email="mira@work.example", phone="+49 30 7654321")
    return [
        book(classical, at(TUESDAY, "10:00"), first),
        book(classical, at(TUESDAY, "11:00"), second),
        book(classical, at(TUESDAY, "12:00"), second),
    ]


def test_merging_moves_the_appointments_to_the_kept_client_and_deletes_the_others(
    duplicates, staff
):
    keep = duplicates[0].client
    other = duplicates[1].client

    merged = merge_clients(keep=keep, duplicates=[other], by=staff, now=NOW)

    assert list(Client.objects.all()) == [merged]
    assert stored(merged) == ("Mira Example", "mira@example.com", "+49 30 1234567")
    assert set(Appointment.objects.values_list("client_id", flat=True)) == {keep.pk}
    events = AppointmentEvent.objects.filter(action=AppointmentEvent.Action.CLIENT_MERGED)
    assert sorted(str(e.appointment_id) for e in events) == sorted(
        str(a.pk) for a in duplicates[1:]
    )
    assert {(e.details["from_client"], e.details["into_client"]) for e in events} == {
        (other.pk, keep.pk)
    }
    # The snapshots stay: each appointment's messages still go where it was booked.
    assert Appointment.objects.get(pk=duplicates[2].pk).contact_email == "mira@work.example"


def test_merging_without_a_duplicate_is_refused(duplicates, staff):
    keep = duplicates[0].client

    with pytest.raises(errors.CannotMerge):
        merge_clients(keep=keep, duplicates=[keep], by=staff)

    assert Client.objects.count() == 2


def test_only_staff_merge(duplicates):
    with pytest.raises(errors.BookingError):
        merge_clients(
            keep=duplicates[0].client, duplicates=[duplicates[1].client], by=Actor.guest()
        )

    assert Client.objects.count() == 2


# What the one who booked sees --------------------------------------------


def test_a_guest_reading_their_booking_sees_its_details_not_the_record(
    classical, anna, ben, two_rooms, guest_details
):
    book(classical, at(WEDNESDAY, "10:00"), guest_details)
    api = APIClient()
    with time_machine.travel(NOW, tick=False):
        created = api.post(
            "/api/v1/appointments/",
            {
                "offering": classical.id,
                "start": at(WEDNESDAY, "11:00").isoformat(),
                "client": {"name": ATTACKER.name, "email": ATTACKER.email, "phone": ATTACKER.phone},
            },
            format="json",
        ).json()
        response = api.get(
            f"/api/v1/appointments/{created['id']}/",
            headers={"X-Manage-Token": created["manage_token"]},
        )

    assert response.json()["client"] == {
        "name": ATTACKER.name,
        "email": ATTACKER.email,
        "phone": ATTACKER.phone,
    }
    assert "1234567" not in response.content.decode()
    assert "Mira Example" not in response.content.decode()


def test_the_confirmation_page_shows_the_details_it_was_booked_with(
    client, classical, anna, ben, two_rooms, guest_details
):
    book(classical, at(WEDNESDAY, "10:00"), guest_details)
    attacker = book(classical, at(WEDNESDAY, "11:00"), ATTACKER)

    with time_machine.travel(NOW, tick=False):
        # The attacker's own link opens their booking in this browser.
        client.get(manage_link(attacker))
        html = client.get(
            reverse("booking:confirmation", kwargs={"appointment_id": attacker.pk})
        ).content.decode()

    assert "Call +49 900 555 to confirm" in html
    assert "Mira Example" not in html
