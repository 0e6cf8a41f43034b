"""The waitlist in the admin: the owner lists, filters, searches and withdraws entries."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from notifications.models import WaitlistEntry, WaitlistOffer
from tests.booking.conftest import NOW, TUESDAY
from tests.factories import WaitlistEntryFactory

pytestmark = pytest.mark.django_db

ENTRIES = reverse("admin:notifications_waitlistentry_changelist")


def entry(offering, **fields) -> WaitlistEntry:
    return WaitlistEntryFactory.create(
        **{
            "offering": offering,
            "date_from": TUESDAY,
            "date_to": TUESDAY + timedelta(days=2),
            "created_at": NOW,
            **fields,
        }
    )


def listed(response) -> set[int]:
    return {row.pk for row in response.context["cl"].result_list}


def test_the_list_shows_who_waits_for_what_and_never_the_token(admin_client, classical, anna):
    waiting = entry(classical, contact_name="Nina First", therapist=anna, people=2)

    response = admin_client.get(ENTRIES)

    assert response.status_code == 200
    assert listed(response) == {waiting.pk}
    page = response.content.decode()
    for shown in ("Nina First", classical.name, anna.name, "09:00–12:00", "Waiting"):
        assert shown in page
    assert waiting.manage_token not in page
    assert admin_client.get(ENTRIES, {"manage_token": waiting.manage_token}).status_code == 400


def test_the_list_filters_by_status_offering_and_therapist(admin_client, classical, vacuum, anna):
    entry(classical)
    booked = entry(classical, status="booked")
    other = entry(vacuum, therapist=anna)

    assert listed(admin_client.get(ENTRIES, {"status__exact": "booked"})) == {booked.pk}
    assert listed(admin_client.get(ENTRIES, {"offering__id__exact": vacuum.pk})) == {other.pk}
    assert listed(admin_client.get(ENTRIES, {"therapist__id__exact": anna.pk})) == {other.pk}


def test_the_list_goes_by_the_last_day_asked_for(admin_client, classical):
    to_thursday = entry(classical)
    to_next_tuesday = entry(classical, date_to=TUESDAY + timedelta(days=7))
    day = {"date_to__year": "2027", "date_to__month": "3", "date_to__day": "9"}

    assert listed(admin_client.get(ENTRIES, day)) == {to_next_tuesday.pk}
    assert listed(admin_client.get(ENTRIES, {**day, "date_to__day": "4"})) == {to_thursday.pk}


@pytest.mark.parametrize("term", ["nina first", "NINA@example.com", "1111111"])
def test_the_list_finds_an_entry_by_name_e_mail_or_phone(admin_client, classical, term):
    nina = entry(
        classical,
        contact_name="Nina First",
        contact_email="nina@example.com",
        contact_phone="+49 30 1111111",
    )
    entry(classical, contact_name="Otto Second", contact_email="otto@example.com")

    assert listed(admin_client.get(ENTRIES, {"q": term})) == {nina.pk}


def test_withdrawing_takes_entries_out_of_line_and_leaves_ended_ones_alone(admin_client, classical):
    waiting = entry(classical)
    offered = entry(classical, status="offered")
    booked = entry(classical, status="booked")

    response = admin_client.post(
        ENTRIES,
        {"action": "withdraw", "_selected_action": [waiting.pk, offered.pk, booked.pk]},
        follow=True,
    )

    assert response.status_code == 200
    statuses = dict(WaitlistEntry.objects.values_list("pk", "status"))
    assert statuses == {waiting.pk: "withdrawn", offered.pk: "withdrawn", booked.pk: "booked"}
    shown = [str(message) for message in response.context["messages"]]
    assert shown == [
        "2 entries withdrawn.",
        "1 selected entry was no longer in line and was left alone.",
    ]


def test_an_entrys_page_is_read_only_with_its_offers(admin_client, classical, booked):
    waiting = entry(classical, status="offered")
    WaitlistOffer.objects.create(
        entry=waiting, visit=booked.visit, start_at=booked.start_at, expires_at=NOW
    )

    page = admin_client.get(reverse("admin:notifications_waitlistentry_change", args=[waiting.pk]))

    assert page.status_code == 200
    html = page.content.decode()
    assert reverse("admin:booking_visit_change", args=[booked.visit_id]) in html
    assert 'name="contact_name"' not in html  # no field to edit
    assert waiting.manage_token not in html
    changed = admin_client.post(
        reverse("admin:notifications_waitlistentry_change", args=[waiting.pk]),
        {"contact_name": "Someone Else"},
    )
    assert changed.status_code == 403
    assert WaitlistEntry.objects.get(pk=waiting.pk).contact_name == waiting.contact_name


def test_reception_neither_sees_nor_withdraws_entries_here(client, django_user_model, classical):
    waiting = entry(classical)
    desk = django_user_model.objects.create_user("desk", is_staff=True)
    desk.groups.add(Group.objects.get(name="reception"))
    client.force_login(desk)

    assert client.get(ENTRIES).status_code == 403
    refused = client.post(ENTRIES, {"action": "withdraw", "_selected_action": [waiting.pk]})

    assert refused.status_code == 403
    assert WaitlistEntry.objects.get(pk=waiting.pk).status == "waiting"
