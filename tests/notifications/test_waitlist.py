"""The waitlist: a freed time goes to the first matching entry in line, and is booked from the offer."""

import re
from datetime import date, time, timedelta
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from booking.models import Appointment, AppointmentEvent, Visit
from booking.services import cancel_visit, reschedule_visit
from booking.services.appointments import release_expired_holds
from booking.services.clients import ClientDetails
from notifications import waitlist, webhooks
from notifications.models import Message, WaitlistEntry, WaitlistOffer, WebhookEvent
from notifications.services import dispatch_due_messages
from tests.booking.conftest import BERLIN, NOW, TUESDAY, at
from tests.notifications.waitlist_clients import NINA, OTTO, PIA, join

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen(time_machine) -> None:
    time_machine.move_to(NOW, tick=False)


def take_link(body: str) -> str:
    """The path of the "Take it" link in an offer's e-mail."""
    found = re.search(r"https?://\S+/waitlist/offer/\?t=\S+", body)
    assert found is not None
    return urlsplit(found[0])._replace(scheme="", netloc="").geturl()


def offers_sent_to(address: str) -> list:
    return [m for m in mail.outbox if m.to == [address] and "freed up" in m.subject]


def test_a_cancellation_offers_the_freed_time_to_the_first_matching_entry(booked, classical, staff):
    afternoon = join(PIA, classical, window=(time(14), time(16)))  # first, but not this time
    first = join(NINA, classical)
    second = join(OTTO, classical)
    dispatch_due_messages()
    mail.outbox.clear()

    cancel_visit(visit=booked.visit, actor=staff, now=NOW)
    dispatch_due_messages()

    offer = WaitlistOffer.objects.get()
    assert offer.entry == first
    assert offer.start_at == at(TUESDAY, "10:00")
    assert offer.expires_at == NOW + timedelta(minutes=30)
    held = offer.visit
    assert held.status == Visit.Status.HELD
    assert held.hold_reason == Visit.HoldReason.OFFER
    assert held.contact_email == NINA.email
    [email] = offers_sent_to(NINA.email)
    assert "/waitlist/offer/?t=" in email.body
    assert Message.objects.filter(kind="waitlist_offer", channel="sms", status="sent").count() == 1
    assert not offers_sent_to(OTTO.email)
    assert not offers_sent_to(PIA.email)
    statuses = dict(WaitlistEntry.objects.values_list("pk", "status"))
    assert statuses == {afternoon.pk: "waiting", first.pk: "offered", second.pk: "waiting"}


def test_a_move_offers_the_time_it_left(booked, classical, staff):
    entry = join(NINA, classical)
    reschedule_visit(visit=booked.visit, start_at=at(TUESDAY, "15:00"), actor=staff, now=NOW)
    dispatch_due_messages()
    assert WaitlistOffer.objects.get().entry == entry


def test_taking_the_offer_books_the_time(booked, classical, staff):
    entry = join(NINA, classical)
    cancel_visit(visit=booked.visit, actor=staff, now=NOW)
    dispatch_due_messages()
    offer = WaitlistOffer.objects.get()

    taken = waitlist.take_offer(offer=offer)

    assert taken.appointment.status == Appointment.Status.CONFIRMED
    offer.refresh_from_db()
    entry.refresh_from_db()
    assert (offer.status, entry.status) == ("taken", "booked")
    # Taking it twice (a second tab) is the same booking.
    assert waitlist.take_offer(offer=offer).appointment == taken.appointment


def test_the_offer_made_and_taken_are_webhook_events(
    booked, classical, staff, settings, django_user_model
):
    settings.STUDIO_WEBHOOKS_ALLOW_PRIVATE = True
    settings.STUDIO_WEBHOOKS_ALLOW_HTTP_LOOPBACK = True
    webhooks.create_subscription(
        url="http://127.0.0.1:9/hooks",
        events=[webhooks.WAITLIST_OFFER_MADE, webhooks.WAITLIST_OFFER_TAKEN],
        owner=django_user_model.objects.create_user("crm"),
    )
    entry = join(NINA, classical)
    cancel_visit(visit=booked.visit, actor=staff, now=NOW)
    dispatch_due_messages()
    offer = WaitlistOffer.objects.get()

    waitlist.take_offer(offer=offer)

    events = list(WebhookEvent.objects.order_by("created_at", "type"))
    assert [event.type for event in events] == ["waitlist.offer_made", "waitlist.offer_taken"]
    made, taken = (event.payload["data"] for event in events)
    assert (made["id"], made["status"], made["entry"]["id"]) == (offer.pk, "open", entry.pk)
    # As the API writes times: in the studio's zone.
    assert made["start"] == at(TUESDAY, "10:00").astimezone(BERLIN).isoformat()
    assert (taken["status"], taken["visit"]) == ("taken", str(offer.visit_id))


def test_a_time_held_for_an_offer_is_booked_for_integrations_only_once_taken(
    booked, classical, staff, settings, django_user_model, time_machine
):
    settings.STUDIO_WEBHOOKS_ALLOW_PRIVATE = True
    settings.STUDIO_WEBHOOKS_ALLOW_HTTP_LOOPBACK = True
    webhooks.create_subscription(
        url="http://127.0.0.1:9/hooks",
        events=list(webhooks.EVENT_TYPES),
        owner=django_user_model.objects.create_user("crm"),
    )

    def events() -> list[tuple[str, str]]:
        deliveries = Message.objects.filter(kind=Message.Kind.WEBHOOK).order_by("pk")
        found = {str(event.pk): event for event in WebhookEvent.objects.all()}
        return [
            (found[d.payload["event"]].type, found[d.payload["event"]].payload["data"]["status"])
            for d in deliveries
        ]

    join(NINA, classical)
    join(OTTO, classical)
    cancel_visit(visit=booked.visit, actor=staff, now=NOW)
    dispatch_due_messages()
    # The first offer lapses: its held visit was never booked, so it is never cancelled either.
    later = NOW + timedelta(minutes=31)
    time_machine.move_to(later, tick=False)
    release_expired_holds(now=later)
    dispatch_due_messages()
    assert events() == [
        ("visit.cancelled", "cancelled"),
        ("waitlist.offer_made", "open"),
        ("waitlist.offer_made", "open"),
    ]

    waitlist.take_offer(offer=WaitlistOffer.objects.get(status="open"), now=later)

    assert events()[3:] == [("visit.booked", "confirmed"), ("waitlist.offer_taken", "taken")]


def test_an_untaken_offer_passes_on_when_its_hold_expires(booked, classical, staff, time_machine):
    first = join(NINA, classical)
    second = join(OTTO, classical)
    cancel_visit(visit=booked.visit, actor=staff, now=NOW)
    dispatch_due_messages()
    lapsed = WaitlistOffer.objects.get()

    later = NOW + timedelta(minutes=31)
    time_machine.move_to(later, tick=False)
    release_expired_holds(now=later)
    dispatch_due_messages()

    lapsed.refresh_from_db()
    assert lapsed.status == "passed"
    passed_on = WaitlistOffer.objects.exclude(pk=lapsed.pk).get()
    assert passed_on.entry == second
    assert passed_on.start_at == at(TUESDAY, "10:00")
    assert offers_sent_to(OTTO.email)
    first.refresh_from_db()
    assert first.status == "waiting"  # back in line, for another time
    with pytest.raises(waitlist.OfferGone):
        waitlist.take_offer(offer=lapsed)


def test_an_offer_no_longer_free_says_so(booked, classical, staff, client, time_machine):
    join(NINA, classical)
    cancel_visit(visit=booked.visit, actor=staff, now=NOW)
    dispatch_due_messages()
    offer = WaitlistOffer.objects.get()
    opened = client.get(take_link(offers_sent_to(NINA.email)[0].body))
    assert opened.status_code == 303
    page = client.get(opened["Location"])
    assert b"Take it" in page.content

    time_machine.move_to(NOW + timedelta(minutes=31), tick=False)
    taken = client.post(opened["Location"])

    assert taken.status_code == 409
    assert b"This time has gone" in taken.content
    offer.refresh_from_db()
    assert offer.status == "gone"


def test_the_end_of_the_window_is_a_start_it_takes(booked, classical, staff):
    """ "Start no later than 10:00" takes a time freed at 10:00."""
    join(NINA, classical, window=(time(9), time(10)))
    cancel_visit(visit=booked.visit, actor=staff, now=NOW)
    dispatch_due_messages()
    assert WaitlistOffer.objects.get().start_at == at(TUESDAY, "10:00")


def test_nothing_is_offered_when_the_entry_does_not_match(booked, classical, vacuum, anna, staff):
    join(NINA, vacuum)  # another massage
    join(OTTO, classical, window=(time(11), time(12)))  # another time of day
    join(PIA, classical, date_from=TUESDAY + timedelta(days=1))  # other dates
    cancel_visit(visit=booked.visit, actor=staff, now=NOW)
    dispatch_due_messages()
    assert not WaitlistOffer.objects.exists()
    assert Visit.objects.filter(status=Visit.Status.HELD).count() == 0


def test_matching_reads_as_much_with_a_long_line(booked, classical, staff):
    def checked_with(waiting: int) -> int:
        WaitlistEntry.objects.all().delete()
        for number in range(waiting):
            join(
                ClientDetails(name="Late", email=f"late{number}@example.com", phone=""),
                classical,
                window=(time(15), time(16)),
            )
        message = waitlist.freed_time_message(
            appointment=booked,
            start_at=booked.start_at,
            therapist_id=booked.therapist_id,
            now=NOW,
        )
        with CaptureQueriesContext(connection) as queries:
            assert waitlist.check_freed_time(message, now=NOW) is None
        return len(queries)

    assert checked_with(3) == checked_with(40)


def test_joining_refuses_bad_ranges(classical):
    with pytest.raises(waitlist.WaitlistError) as past:
        join(NINA, classical, date_from=date(2027, 2, 1), date_to=date(2027, 2, 2))
    assert "date_to" in past.value.fields
    with pytest.raises(waitlist.WaitlistError) as empty:
        join(NINA, classical, window=(time(12), time(9)))
    assert "time_to" in empty.value.fields
    with pytest.raises(waitlist.WaitlistError) as far:
        join(NINA, classical, date_from=date(2027, 9, 1), date_to=date(2027, 9, 2))
    assert "date_from" in far.value.fields


def test_staff_offer_a_free_time_by_hand(classical, anna, two_rooms):
    entry = join(NINA, classical)
    offer = waitlist.offer_by_hand(entry=entry, start_at=at(TUESDAY, "11:00"), now=NOW)
    assert offer.visit.status == Visit.Status.HELD
    assert AppointmentEvent.objects.filter(appointment__visit=offer.visit).exists()


def test_the_api_adds_shows_and_withdraws_an_entry(api, classical, anna):
    body = {
        "client": {"name": "Nina First", "email": "nina@example.com", "phone": "+49 30 1111111"},
        "offering": classical.pk,
        "date_from": "2027-03-02",
        "date_to": "2027-03-05",
        "time_from": "09:00",
        "time_to": "12:00",
    }
    created = api.post("/api/v1/waitlist/", body, format="json")
    assert created.status_code == 201, created.content
    answer = created.json()
    assert answer["status"] == "waiting"
    assert answer["manage_token"]
    entry_url = f"/api/v1/waitlist/{answer['id']}/"

    assert api.get(entry_url).status_code == 404
    assert api.get(entry_url, HTTP_X_MANAGE_TOKEN="wrong").status_code == 404
    shown = api.get(entry_url, HTTP_X_MANAGE_TOKEN=answer["manage_token"])
    assert shown.status_code == 200
    assert "manage_token" not in shown.json()
    withdrawn = api.delete(entry_url, HTTP_X_MANAGE_TOKEN=answer["manage_token"])
    assert withdrawn.json()["status"] == "withdrawn"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"date_from": "2027-02-01", "date_to": "2027-02-02"}, "date_to"),
        ({"date_from": "2027-09-01", "date_to": "2027-09-02"}, "date_from"),
        ({"time_from": "12:00", "time_to": "09:00"}, "time_to"),
        ({"offering": 999999}, "offering"),
        ({"therapist": 999999}, "therapist"),
    ],
)
def test_the_api_names_a_bad_field(api, classical, change, field):
    body = {
        "client": {"name": "Nina First", "email": "nina@example.com", "phone": "+49 30 1111111"},
        "offering": classical.pk,
        "date_from": "2027-03-02",
        "date_to": "2027-03-05",
        "time_from": "09:00",
        "time_to": "12:00",
        **change,
    }
    refused = api.post("/api/v1/waitlist/", body, format="json")
    assert refused.status_code == 400, refused.content
    assert field in str(refused.json())
    assert not WaitlistEntry.objects.exists()


def test_the_site_form_puts_a_client_in_line(client, classical, anna):
    page = client.get(f"/en/waitlist/join/{classical.slug}/?on=2027-03-02")
    assert page.status_code == 200
    sent = client.post(
        f"/en/waitlist/join/{classical.slug}/",
        {
            "date_from": "2027-03-02",
            "date_to": "2027-03-04",
            "time_from": "09:00",
            "time_to": "12:00",
            "people": "1",
            "name": "Nina First",
            "email": "nina@example.com",
            "phone": "+49 30 1111111",
        },
    )
    assert sent.status_code == 303
    shown = client.get(sent["Location"])
    assert b"You are on the waitlist" in shown.content
    dispatch_due_messages()
    [joined] = [m for m in mail.outbox if m.to == ["nina@example.com"]]
    assert "/waitlist/entry/?t=" in joined.body


def test_reception_sees_the_day_and_offers_a_time_by_hand(
    client, django_user_model, classical, anna, two_rooms
):
    entry = join(NINA, classical)
    desk = django_user_model.objects.create_user("desk", is_staff=True)
    desk.groups.add(Group.objects.get(name="reception"))
    client.force_login(desk)

    page = client.get("/staff/waitlist/?date=2027-03-03")
    assert page.status_code == 200
    assert b"Nina First" in page.content
    # Reception picks from the times an offer can hold, in Nina's window (09:00 to 12:00).
    offered_starts = re.findall(r'<option value="(\d\d:\d\d)"', page.content.decode())
    assert offered_starts[0] == "09:00" and offered_starts[-1] == "12:00"
    assert "11:00" in offered_starts and "12:15" not in offered_starts
    offered = client.post(
        f"/staff/waitlist/{entry.pk}/offer/", {"date": "2027-03-03", "time": "11:00"}
    )

    assert offered.status_code == 303
    offer = WaitlistOffer.objects.get()
    assert offer.start_at == at(date(2027, 3, 3), "11:00")
    assert offer.visit.hold_reason == Visit.HoldReason.OFFER


def test_a_therapist_login_does_not_see_the_waitlist(client, django_user_model, classical):
    join(NINA, classical)
    login = django_user_model.objects.create_user("anna")
    login.groups.add(Group.objects.get(name="therapist"))
    client.force_login(login)
    assert client.get("/staff/waitlist/?date=2027-03-03").status_code == 403


def test_reception_lists_the_free_starts_of_a_long_line_with_one_reading(
    classical, anna, two_rooms
):
    first = join(NINA, classical)
    wednesday = date(2027, 3, 3)
    with CaptureQueriesContext(connection) as one:
        alone = waitlist.free_starts([first], wednesday)
    line = [first, join(OTTO, classical, window=(time(11), time(12))), join(PIA, classical)]
    with CaptureQueriesContext(connection) as many:
        listed = waitlist.free_starts(line, wednesday)

    assert len(many) == len(one)
    assert listed[first.pk] == alone[first.pk]
    assert listed[line[1].pk] == [s for s in alone[first.pk] if s >= at(wednesday, "11:00")]
