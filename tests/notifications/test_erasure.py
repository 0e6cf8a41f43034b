"""Erasing a client reaches the outbox: their waitlist entries and the webhook events about them.

The events are made by the real services (a booking, a waitlist offer
made and taken, a payment at the desk) and erased through booking's
`erase_client`, as the admin and the command erase.
"""

import json
from datetime import time, timedelta

import pytest
from django.apps import apps

from booking.api.visit_serializers import VisitSerializer
from booking.models import Client
from booking.services import Actor, ClientDetails, book_appointment, cancel_visit, erase_client
from booking.services.privacy import ERASED_NAME, erased_email
from notifications import waitlist, webhooks
from notifications.models import Message, WaitlistEntry, WaitlistOffer, WebhookEvent
from notifications.services import dispatch_due_messages
from payments.services.checkout import take_desk_payment
from tests.booking.conftest import NOW, TUESDAY, at

pytestmark = pytest.mark.django_db

# Mira as booked_couples_visit books her, and her guest there.
NAME = "Mira Example"
EMAIL = "mira@example.com"
PHONE = "+49 30 1234567"
STORED_PHONE = "+49301234567"
GUEST = "Alex Example"
OLGA = ClientDetails(name="Olga Other", email="olga@example.com", phone="+49 30 7654321")
# Wednesday noon: every visit of Tuesday is over.
AFTER = at(TUESDAY + timedelta(days=1), "12:00")


@pytest.fixture(autouse=True)
def frozen(time_machine) -> None:
    time_machine.move_to(NOW, tick=False)


def join(details: ClientDetails, offering, *, window=(time(9), time(12))) -> WaitlistEntry:
    return waitlist.join_waitlist(
        details=details,
        offering=offering,
        therapist=None,
        people=1,
        date_from=TUESDAY,
        date_to=TUESDAY + timedelta(days=2),
        time_from=window[0],
        time_to=window[1],
        language="en",
        actor=waitlist.WAITLIST_ACTOR,
        now=NOW,
    )


def offered_and_taken(for_two, staff) -> WaitlistOffer:
    """Olga's 11:00 is cancelled, offered to Mira's entry, and taken."""
    olgas = book_appointment(
        offering=for_two,
        start_at=at(TUESDAY, "11:00"),
        client=OLGA,
        source="web",
        actor=Actor.guest(),
        now=NOW,
    )
    entry = join(ClientDetails(name=NAME, email=EMAIL, phone=PHONE), for_two)
    cancel_visit(visit=olgas.visit, actor=staff, now=NOW)
    dispatch_due_messages()
    offer = WaitlistOffer.objects.get(entry=entry)
    waitlist.take_offer(offer=offer, now=NOW)
    return offer


def notifications_text() -> str:
    """Every row of every table of notifications, as JSON, in lower case."""
    rows = {
        model.__name__: list(model._default_manager.values())
        for model in apps.get_app_config("notifications").get_models()
    }
    return json.dumps(rows, default=str).lower()


def erase() -> int:
    """Erase Mira after her visits; returns her record's id."""
    mira = Client.objects.get(email__iexact=EMAIL)
    erase_client(client=mira, by=Actor(label="test"), now=AFTER)
    return mira.pk


# The scrubbing, over payloads the services wrote ----------------------------


def test_a_visits_client_guest_and_notes_get_the_erasures_placeholders(
    subscribed, booked_couples_visit
):
    [event] = WebhookEvent.objects.filter(type="visit.booked")
    booked = event.payload["data"]
    assert booked["client"]["email"] == EMAIL  # the event holds what the API showed
    guests = [a["guest"] for a in booked["appointments"]]
    assert sorted(guests, key=bool) == [None, {"name": GUEST}]

    erased = webhooks.erased_event_data(type=event.type, data=booked, client_id=7)

    assert erased["client"] == {"name": ERASED_NAME, "email": erased_email(7), "phone": ""}
    assert [a["guest"] for a in erased["appointments"]] == [None, None]
    # Everything else as it was, and the data given is left as it was.
    unchanged = ["id", "status", "start", "therapist", "offering", "price"]
    assert [{k: a[k] for k in unchanged} for a in erased["appointments"]] == [
        {k: a[k] for k in unchanged} for a in booked["appointments"]
    ]
    assert {k: v for k, v in erased.items() if k not in {"client", "appointments"}} == {
        k: v for k, v in booked.items() if k not in {"client", "appointments"}
    }
    assert booked["client"]["name"] == NAME


def test_a_visits_notes_are_cleared_where_the_api_showed_them(booked_couples_visit):
    booked_couples_visit.notes = "Sensitive left knee"
    shown = VisitSerializer(booked_couples_visit, context={"can_see_health": True}).data

    erased = webhooks.erased_event_data(type="visit.cancelled", data=dict(shown), client_id=7)

    assert (shown["notes"], erased["notes"]) == ("Sensitive left knee", "")


def test_a_waitlist_offers_entry_gets_the_erasures_placeholders(
    subscribed, for_two, anna, two_rooms, staff
):
    offered_and_taken(for_two, staff)
    made = WebhookEvent.objects.get(type="waitlist.offer_made")

    erased = webhooks.erased_event_data(type=made.type, data=made.payload["data"], client_id=7)

    assert made.payload["data"]["entry"]["client"]["name"] == NAME
    assert erased["entry"]["client"] == {"name": ERASED_NAME, "email": erased_email(7), "phone": ""}
    assert {k: v for k, v in erased.items() if k != "entry"} == {
        k: v for k, v in made.payload["data"].items() if k != "entry"
    }


def test_a_payment_names_nobody_and_comes_back_as_it_was(subscribed, booked, crm):
    take_desk_payment(
        visit=booked.visit, amount=booked.price, method="cash", actor=Actor.for_user(crm)
    )
    paid = WebhookEvent.objects.get(type="payment.received")

    erased = webhooks.erased_event_data(type=paid.type, data=paid.payload["data"], client_id=7)

    assert erased == paid.payload["data"]


# Through erase_client --------------------------------------------------------


def test_erasing_leaves_nothing_of_the_client_in_the_outbox_events_or_waitlist(
    subscribed, booked_couples_visit, for_two, anna, staff, time_machine
):
    offered_and_taken(for_two, staff)
    join(ClientDetails(name=NAME, email=EMAIL, phone=PHONE), for_two, window=(time(14), time(16)))
    before = notifications_text()
    personal = [NAME, EMAIL, PHONE, STORED_PHONE, GUEST]
    # The search finds them: the events hold the visits and the offers.
    assert [text for text in personal if text.lower() not in before] == [STORED_PHONE]
    assert {"visit.booked", "waitlist.offer_made", "waitlist.offer_taken"} <= set(
        WebhookEvent.objects.values_list("type", flat=True)
    )
    time_machine.move_to(AFTER, tick=False)

    mira_id = erase()

    after = notifications_text()
    assert [text for text in personal if text.lower() in after] == []
    assert erased_email(mira_id) in after
    assert "olga@example.com" in after  # her own booking's event keeps her details


def test_erasing_withdraws_the_entries_in_line_and_gives_them_the_placeholders(
    subscribed, booked_couples_visit, for_two, anna, staff, time_machine
):
    taken = offered_and_taken(for_two, staff).entry
    waiting = join(ClientDetails(name=NAME, email=EMAIL, phone=PHONE), for_two)
    time_machine.move_to(AFTER, tick=False)

    placeholder = erased_email(erase())

    assert list(
        WaitlistEntry.objects.order_by("id").values_list(
            "pk", "status", "contact_name", "contact_email", "contact_phone"
        )
    ) == [
        (taken.pk, "booked", ERASED_NAME, placeholder, ""),
        (waiting.pk, "withdrawn", ERASED_NAME, placeholder, ""),
    ]
    # The link to leave the line that went out by e-mail leads nowhere now.
    assert waitlist.entry_for_token(waiting.manage_token) is None


def test_erasing_takes_an_entry_made_with_her_email_on_another_record(for_two, anna, time_machine):
    entry = join(ClientDetails(name=NAME, email=EMAIL.upper(), phone=PHONE), for_two)
    other = Client.objects.create(name="Otto Other", email="otto@example.com")
    WaitlistEntry.objects.filter(pk=entry.pk).update(client=other)
    time_machine.move_to(AFTER, tick=False)

    mira_id = erase()

    entry.refresh_from_db()
    assert (entry.contact_email, entry.status) == (erased_email(mira_id), "withdrawn")
    assert EMAIL not in notifications_text()  # the confirmation sent to it forgets it too
    other.refresh_from_db()
    assert other.email == "otto@example.com"


def test_a_delivery_still_to_send_after_erasing_sends_the_erased_body(
    subscribed, receiver, for_two, anna, ben, room_for_two, time_machine
):
    webhooks.pause_subscription(subscription=subscribed, reason="test")
    book_appointment(
        offering=for_two,
        start_at=at(TUESDAY, "10:00"),
        client=ClientDetails(name=NAME, email=EMAIL, phone=PHONE),
        source="web",
        actor=Actor.guest(),
        now=NOW,
    )
    time_machine.move_to(AFTER, tick=False)
    mira_id = erase()
    assert Message.objects.get(kind="webhook").status == "pending"

    webhooks.resume_subscription(subscription=subscribed)
    dispatch_due_messages()

    [event] = receiver.events
    assert event["type"] == "visit.booked"
    assert event["data"]["client"] == {
        "name": ERASED_NAME,
        "email": erased_email(mira_id),
        "phone": "",
    }
    assert Message.objects.get(kind="webhook").status == "sent"
