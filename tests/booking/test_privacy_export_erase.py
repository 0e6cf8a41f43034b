"""A client's data: exported whole, erased everywhere but the studio's books."""

import io
import json
from datetime import timedelta

import pytest
import time_machine
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command
from django.test import Client as Browser
from django.urls import reverse
from rest_framework.test import APIClient

from booking import errors, selectors
from booking.models import Appointment, AppointmentEvent, Client, IdempotencyKey
from booking.services import Actor, erase_client, export_client
from notifications.models import Message
from tests.booking.conftest import NOW, TUESDAY, at

pytestmark = pytest.mark.django_db

NAME = "Mira Privacy"
EMAIL = "Mira.Privacy@Example.com"
PHONE = "+49 30 5550199"
# As the studio keeps it: E.164.
STORED_PHONE = "+49305550199"
HEALTH_NOTE = "Varicose veins on the left calf"
NOTES = "Sensitive left knee after surgery"
REASON = "Feeling ill, call me on +49 30 5550199"
# Wednesday noon: both of Mira's appointments are over or cancelled.
AFTER = at(TUESDAY + timedelta(days=1), "12:00")
CLIENTS_URL = reverse("admin:booking_client_changelist")


def book(api: APIClient, offering, clock: str, key: str, *, who: dict, **extra) -> dict:
    response = api.post(
        "/api/v1/appointments/",
        {"offering": offering.id, "start": at(TUESDAY, clock).isoformat(), "client": who, **extra},
        format="json",
        headers={"Idempotency-Key": key},
    )
    assert response.status_code == 201, response.json()
    return response.json()


@pytest.fixture
def mira(classical, anna, two_rooms, admin_user) -> Client:
    """Mira's data in every table that holds any: two bookings, one cancelled.

    Booked through the API with Idempotency-Keys (their answers are
    stored), one also as the website stores it; she typed a reason when
    cancelling; a reminder failed quoting her address; staff edited her
    record in the admin. Otto, another client, books too.
    """
    who = {"name": NAME, "email": EMAIL, "phone": PHONE}
    with time_machine.travel(NOW, tick=False):
        api = APIClient()
        first = book(
            api,
            classical,
            "10:00",
            "mira-1",
            who=who,
            health={"vein_problems": True, "pregnancy": False, "note": HEALTH_NOTE},
            notes=NOTES,
            consent=True,
        )
        second = book(api, classical, "11:00", "mira-2", who=who)
        cancelled = api.post(
            f"/api/v1/appointments/{second['id']}/cancel/",
            {"reason": REASON},
            format="json",
            headers={"X-Manage-Token": second["manage_token"]},
        )
        assert cancelled.status_code == 200
        book(
            api,
            classical,
            "12:00",
            "otto-1",
            who={"name": "Otto Other", "email": "otto@example.com", "phone": "+49 30 1110000"},
        )
    IdempotencyKey.objects.create(
        owner="web",
        key="form-1",
        request_hash="0" * 64,
        state=IdempotencyKey.State.DONE,
        response_status=201,
        appointment_id=first["id"],
    )
    Message.objects.filter(appointment_id=first["id"]).update(
        last_error=f"550 no such mailbox: {EMAIL}"
    )
    client = Client.objects.get(appointments__id=first["id"])
    LogEntry.objects.create(
        user=admin_user,
        content_type=ContentType.objects.get_for_model(Client),
        object_id=str(client.pk),
        object_repr=str(client),
        action_flag=CHANGE,
        change_message="[]",
    )
    return client


def whole_database() -> str:
    """Every row of every table, as `dumpdata` writes it, in lower case."""
    out = io.StringIO()
    call_command("dumpdata", stdout=out)
    return out.getvalue().lower()


def facts(client: Client) -> list[tuple]:
    return list(
        Appointment.objects.filter(client=client)
        .order_by("start_at")
        .values_list(
            "offering", "therapist", "start_at", "end_at", "status", "price", "currency", "source"
        )
    )


# Export --------------------------------------------------------------------


def test_the_export_holds_every_row_about_the_client(mira):
    exported = export_client(client=mira)

    assert exported["client"] | {"id": None} == {
        "id": None,
        "name": NAME,
        "email": EMAIL,
        "phone": STORED_PHONE,
        "language": "en",
        "email_verified_at": None,
        "created_at": mira.created_at.isoformat(),
    }
    first, second = exported["appointments"]
    assert first["contact"] == {"name": NAME, "email": EMAIL, "phone": STORED_PHONE}
    assert first["language"] == "en"
    assert first["health"] == {"vein_problems": True, "pregnancy": False, "note": HEALTH_NOTE}
    assert first["notes"] == NOTES
    assert first["consented_at"] == NOW.isoformat()
    assert (first["offering"], first["therapist"], first["price"]) == (
        "Classical: foot",
        "Anna",
        "35.00",
    )
    assert [event["action"] for event in second["events"]] == ["booked", "cancelled"]
    assert second["events"][1]["details"] == {"reason": REASON}
    assert {reminder["kind"] for reminder in first["reminders"]} >= {"confirmation"}
    assert f"550 no such mailbox: {EMAIL}" in [r["last_error"] for r in first["reminders"]]
    assert sorted(row["key"] for row in exported["idempotency_keys"]) == [
        "form-1",
        "mira-1",
        "mira-2",
    ]
    assert "Otto" not in json.dumps(exported)


def test_the_export_leaves_out_the_manage_tokens(mira):
    text = json.dumps(export_client(client=mira))

    for appointment in Appointment.objects.filter(client=mira):
        assert appointment.manage_token not in text


# Erase ---------------------------------------------------------------------


def test_erasing_leaves_no_name_email_phone_or_health_answer_anywhere(mira):
    tokens = list(Appointment.objects.filter(client=mira).values_list("manage_token", flat=True))
    before = whole_database()
    personal = [NAME, EMAIL, PHONE, STORED_PHONE, HEALTH_NOTE, NOTES, REASON, *tokens]
    assert all(text.lower() in before for text in personal)  # the search finds them

    erase_client(client=mira, by=Actor(label="test"), now=AFTER)

    after = whole_database()
    assert [text for text in personal if text.lower() in after] == []
    assert "otto@example.com" in after  # the other client keeps their data


def test_erasing_keeps_the_facts_the_books_need(mira):
    kept = facts(mira)

    erase_client(client=mira, by=Actor(label="test"), now=AFTER)

    assert facts(mira) == kept
    assert Client.objects.filter(pk=mira.pk).exists()


def test_erasing_anonymises_the_client_and_their_appointments(mira):
    erase_client(client=mira, by=Actor(label="test"), now=AFTER)

    mira.refresh_from_db()
    placeholder = f"erased-{mira.pk}@erased.invalid"
    assert (mira.name, mira.email, mira.phone) == ("Erased client", placeholder, "")
    assert (
        list(
            Appointment.objects.filter(client=mira).values_list(
                "contact_name", "contact_email", "contact_phone", "health", "notes"
            )
        )
        == [("Erased client", placeholder, "", {}, "")] * 2
    )


def test_erasing_cancels_pending_reminders_and_deletes_stored_answers(mira):
    Message.objects.filter(appointment__client=mira).update(status=Message.Status.PENDING)

    erased = erase_client(client=mira, by=Actor(label="test"), now=AFTER)

    assert erased.reminders_cancelled > 0
    assert not Message.objects.filter(
        appointment__client=mira, status=Message.Status.PENDING
    ).exists()
    assert erased.idempotency_keys == 3
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["otto-1"]


def test_erasing_records_an_event_without_personal_data(mira):
    erase_client(client=mira, by=Actor(label="desk"), now=AFTER)

    events = AppointmentEvent.objects.filter(action=AppointmentEvent.Action.ERASED)
    assert [(event.actor, event.details) for event in events] == [("desk", {})] * 2


def test_erasing_takes_the_appointments_booked_with_the_email_on_another_record(mira):
    other = Client.objects.get(email="otto@example.com")
    Appointment.objects.filter(client=mira, start_at=at(TUESDAY, "11:00")).update(client=other)

    erase_client(client=mira, by=Actor(label="test"), now=AFTER)

    assert EMAIL.lower() not in whole_database()
    other.refresh_from_db()
    assert other.name == "Otto Other"


def test_a_client_with_appointments_to_come_is_not_erased(mira):
    with pytest.raises(errors.StillBooked):
        erase_client(client=mira, by=Actor(label="test"), now=NOW)

    mira.refresh_from_db()
    assert mira.email == EMAIL


def test_the_old_manage_link_stops_working_after_erasing(mira):
    appointment = Appointment.objects.filter(client=mira).earliest("start_at")
    old_token = appointment.manage_token

    erase_client(client=mira, by=Actor(label="test"), now=AFTER)

    found = selectors.appointment_for_guest(
        appointment_id=appointment.pk, manage_token=old_token, now=NOW
    )
    assert found is None


# The admin's actions ----------------------------------------------------------


def staff_browser(django_user_model, *codenames: str) -> Browser:
    user = django_user_model.objects.create_user("desk", is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="booking", codename__in=codenames)
    )
    browser = Browser()
    browser.force_login(user)
    return browser


def test_the_export_action_downloads_the_clients_data_as_json(admin_client, mira):
    response = admin_client.post(
        CLIENTS_URL, {"action": "export_data", "_selected_action": [mira.pk]}
    )

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].startswith("attachment;")
    [exported] = json.loads(response.content)
    assert exported["client"]["email"] == EMAIL
    assert len(exported["appointments"]) == 2


@pytest.mark.parametrize(
    ("codenames", "offered"),
    [
        (["view_client"], []),
        (["view_client", "export_client"], []),
        (["view_client", "export_client", "view_health"], ["export_data"]),
        (["view_client", "erase_client"], ["erase_data"]),
    ],
)
def test_the_privacy_actions_need_their_permissions(django_user_model, mira, codenames, offered):
    browser = staff_browser(django_user_model, *codenames)

    html = browser.get(CLIENTS_URL).content.decode()

    shown = [action for action in ["export_data", "erase_data"] if f'value="{action}"' in html]
    assert shown == offered


def test_the_erase_action_asks_to_confirm_first(admin_client, mira):
    response = admin_client.post(
        CLIENTS_URL, {"action": "erase_data", "_selected_action": [mira.pk]}
    )

    assert response.status_code == 200
    assert "Yes, erase their data" in response.content.decode()
    mira.refresh_from_db()
    assert mira.email == EMAIL


def erase_confirmed(admin_user, client: Client):
    """The confirmed erase action, by a superuser logged in at the time it runs."""
    browser = Browser()
    browser.force_login(admin_user)
    return browser.post(
        CLIENTS_URL,
        {"action": "erase_data", "_selected_action": [client.pk], "post": "yes"},
        follow=True,
    )


def test_the_erase_action_erases_once_confirmed(admin_user, mira):
    with time_machine.travel(AFTER, tick=False):
        response = erase_confirmed(admin_user, mira)

    messages = [str(message) for message in response.context["messages"]]
    assert messages == [f"Client {mira.pk}: personal data erased, with 2 appointments."]
    mira.refresh_from_db()
    assert mira.name == "Erased client"


def test_the_erase_action_says_why_it_skips_a_client(admin_user, mira):
    with time_machine.travel(NOW, tick=False):
        response = erase_confirmed(admin_user, mira)

    [message] = [str(message) for message in response.context["messages"]]
    assert "Cancel them first" in message
    mira.refresh_from_db()
    assert mira.email == EMAIL


# The commands ---------------------------------------------------------------


def test_client_export_prints_the_json_of_the_client_found_by_email(mira):
    out = io.StringIO()

    call_command("client_export", "--email", EMAIL.upper(), stdout=out)

    exported = json.loads(out.getvalue())
    assert exported["client"]["phone"] == STORED_PHONE
    assert len(exported["appointments"]) == 2


def test_client_export_writes_a_file_when_asked(mira, tmp_path):
    target = tmp_path / "mira.json"

    call_command("client_export", "--email", EMAIL, "--output", str(target), stderr=io.StringIO())

    assert json.loads(target.read_text())["client"]["name"] == NAME


def test_client_export_of_an_unknown_email_is_an_error(db):
    with pytest.raises(CommandError, match="No client has this e-mail"):
        call_command("client_export", "--email", "nobody@example.com")


def test_client_erase_with_yes_erases_and_says_what(mira):
    out = io.StringIO()

    with time_machine.travel(AFTER, tick=False):
        call_command("client_erase", "--email", EMAIL.lower(), "--yes", stdout=out)

    assert f"Erased client {mira.pk}" in out.getvalue()
    assert "2 appointment(s)" in out.getvalue()
    assert EMAIL.lower() not in whole_database()


def test_client_erase_asks_first_and_a_no_erases_nothing(mira, monkeypatch):
    monkeypatch.setattr("builtins.input", lambda prompt: "n")

    with (
        time_machine.travel(AFTER, tick=False),
        pytest.raises(CommandError, match="Nothing erased"),
    ):
        call_command("client_erase", "--email", EMAIL)

    mira.refresh_from_db()
    assert mira.email == EMAIL


def test_client_erase_refuses_a_client_with_appointments_to_come(mira):
    with time_machine.travel(NOW, tick=False), pytest.raises(CommandError, match="Cancel them"):
        call_command("client_erase", "--email", EMAIL, "--noinput")
