"""A therapist's calendar feed: their appointments, behind a secret address they can revoke."""

from datetime import datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from booking import errors
from booking.models import Appointment, Therapist
from booking.services import Actor
from booking.services.feeds import renew_feed, revoke_feed
from studio.log_redaction import redact_tokens
from tests.staff.clients_setup import (
    a_client,
    booked,
    reception_login,
    therapist_with_login,
    user_of,
)

pytestmark = pytest.mark.django_db


def feed_on(therapist: Therapist) -> str:
    return renew_feed(therapist=therapist, by=Actor.for_user(user_of(therapist)))


def events(response) -> list:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return list(Calendar.from_ical(response.content).walk("VEVENT"))


def soon(days: int, hour: int = 9) -> datetime:
    moment = timezone.now().replace(minute=0, second=0, microsecond=0) + timedelta(days=days)
    return moment.replace(hour=hour)


def test_the_feed_holds_exactly_that_therapists_appointments(client, settings):
    settings.STUDIO_ADDRESS = "Lindenstraße 12, 10969 Berlin"
    anna = therapist_with_login("anna")
    ben = therapist_with_login("ben")
    maria = a_client("Maria Schneider", "maria@example.com")
    mine = [booked(maria, anna, soon(2)), booked(maria, anna, soon(-3))]
    booked(maria, anna, soon(4), status=Appointment.Status.CANCELLED)
    booked(maria, ben, soon(2, 12))
    token = feed_on(anna)

    found = events(client.get(reverse("staff:feed", args=[token])))

    by_uid = {str(event["uid"]): event for event in found}
    assert set(by_uid) == {f"staff-appointment-{a.pk}@127.0.0.1" for a in mine}
    event = by_uid[f"staff-appointment-{mine[0].pk}@127.0.0.1"]
    assert event.decoded("dtstart") == mine[0].start_at
    assert event["dtstart"].to_ical().endswith(b"Z")
    assert event["dtend"].to_ical().endswith(b"Z")
    assert event.decoded("dtend") == mine[0].end_at
    assert str(event["location"]) == "Lindenstraße 12, 10969 Berlin"
    assert f"/staff/visits/{mine[0].visit_id}/" in str(event["description"])


def test_the_feed_names_the_client_by_first_name_only_and_holds_no_health_data(client):
    anna = therapist_with_login("anna")
    maria = a_client("Maria Schneider", "maria@example.com", "+49301234567")
    booked(maria, anna, soon(1), health={"pregnancy": True, "note": "Bad knee"})
    token = feed_on(anna)

    response = client.get(reverse("staff:feed", args=[token]))

    (event,) = events(response)
    assert "Maria" in str(event["summary"])
    body = response.content.decode()
    for secret in ("Schneider", "maria@example.com", "1234567", "Bad knee", "pregnan"):
        assert secret not in body


def test_the_feed_is_never_stored_by_caches(client):
    anna = therapist_with_login("anna")
    token = feed_on(anna)

    response = client.get(reverse("staff:feed", args=[token]))

    assert response["Cache-Control"] == "private, no-store"


def test_the_feed_reaches_back_and_ahead_only_so_far(client):
    anna = therapist_with_login("anna")
    maria = a_client("Maria", "maria@example.com")
    booked(maria, anna, soon(-60))
    booked(maria, anna, soon(400))
    inside = booked(maria, anna, soon(100))
    token = feed_on(anna)

    found = events(client.get(reverse("staff:feed", args=[token])))

    assert [str(event["uid"]) for event in found] == [f"staff-appointment-{inside.pk}@127.0.0.1"]


@pytest.mark.parametrize("token", ["", "not-a-token", "x" * 43])
def test_an_unknown_token_is_404(client, token):
    therapist_with_login("anna")
    Therapist.objects.update(feed_token="")

    assert client.get(f"/staff/feed/{token}.ics").status_code == 404


def test_a_revoked_feed_is_404(client):
    anna = therapist_with_login("anna")
    token = feed_on(anna)

    revoke_feed(therapist=anna, by=Actor.for_user(user_of(anna)))

    assert client.get(reverse("staff:feed", args=[token])).status_code == 404


def test_a_renewed_feed_stops_the_old_address(client):
    anna = therapist_with_login("anna")
    old = feed_on(anna)
    new = feed_on(anna)

    assert client.get(reverse("staff:feed", args=[old])).status_code == 404
    assert client.get(reverse("staff:feed", args=[new])).status_code == 200


def test_each_feed_secret_is_long_and_random():
    anna = therapist_with_login("anna")
    ben = therapist_with_login("ben")

    tokens = {feed_on(anna), feed_on(ben), feed_on(anna)}

    assert len(tokens) == 3
    assert all(len(token) >= 43 for token in tokens)


def test_an_inactive_therapists_feed_is_404(client):
    anna = therapist_with_login("anna")
    token = feed_on(anna)
    Therapist.objects.filter(pk=anna.pk).update(is_active=False)

    assert client.get(reverse("staff:feed", args=[token])).status_code == 404


def test_another_therapist_cannot_renew_or_revoke_a_feed():
    anna = therapist_with_login("anna")
    ben = therapist_with_login("ben")
    token = feed_on(anna)

    with pytest.raises(errors.NotTheirFeed):
        renew_feed(therapist=anna, by=Actor.for_user(user_of(ben)))
    with pytest.raises(errors.NotTheirFeed):
        revoke_feed(therapist=anna, by=Actor.for_user(user_of(ben)))

    anna.refresh_from_db()
    assert anna.feed_token == token


def test_a_therapist_turns_their_feed_on_and_sees_its_address(client):
    anna = therapist_with_login("anna")
    client.force_login(user_of(anna))

    response = client.post(reverse("staff:feed-settings"), {"action": "renew"})

    assert response.status_code == 303
    anna.refresh_from_db()
    page = client.get(reverse("staff:feed-settings")).content.decode()
    assert f"/staff/feed/{anna.feed_token}.ics" in page


def test_a_therapist_cannot_reach_another_therapists_feed_page(client):
    anna = therapist_with_login("anna")
    ben = therapist_with_login("ben")
    token = feed_on(ben)
    client.force_login(user_of(anna))

    page = client.get(reverse("staff:feed-settings"), {"therapist": ben.pk})
    revoked = client.post(reverse("staff:feed-settings"), {"therapist": ben.pk, "action": "revoke"})

    assert page.status_code == 404
    assert revoked.status_code == 404
    ben.refresh_from_db()
    assert ben.feed_token == token


def test_reception_turns_off_any_therapists_feed(client):
    ben = therapist_with_login("ben")
    feed_on(ben)
    client.force_login(reception_login())

    response = client.post(
        reverse("staff:feed-settings"), {"therapist": ben.pk, "action": "revoke"}
    )

    assert response.status_code == 303
    ben.refresh_from_db()
    assert ben.feed_token == ""


def test_an_unknown_action_is_a_400(client):
    anna = therapist_with_login("anna")
    client.force_login(user_of(anna))

    assert client.post(reverse("staff:feed-settings"), {"action": "explode"}).status_code == 400


def test_the_feeds_secret_is_kept_out_of_log_lines():
    line = 'GET /staff/feed/Abc-123_xyz.ics HTTP/1.1" 200'

    assert "Abc-123_xyz" not in redact_tokens(line)


def test_reception_sees_every_therapist_and_whose_feed_is_on(client):
    anna = therapist_with_login("anna", name="Anna Weber")
    therapist_with_login("ben", name="Ben Hoffmann")
    feed_on(anna)
    client.force_login(reception_login())

    response = client.get(reverse("staff:feed-settings"))

    assert response.status_code == 200
    assert [t.name for t in response.context["therapists"]] == ["Anna Weber", "Ben Hoffmann"]
    assert [bool(t.feed_token) for t in response.context["therapists"]] == [True, False]
