"""The studio's limits on what one source books and moves, on the API and the website."""

import uuid
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from booking.guest_access import manage_link
from booking.models import Appointment
from booking.services import (
    Actor,
    ClientDetails,
    WantedAppointment,
    book_appointment,
    book_course,
    book_visit,
    cancel_appointment,
)
from booking.site_forms import slot_value
from tests.booking.conftest import NOW, TUESDAY, at

pytestmark = pytest.mark.django_db

# Tuesday and Wednesday on the hour, each start its own time: nothing overlaps.
HOURS = ["9:00", "10:00", "11:00", "12:00", "14:00", "15:00", "16:00", "17:00"]


@pytest.fixture(autouse=True)
def frozen():
    """Monday 1 March 2027, 07:00 UTC: the hourly window has a whole hour left."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def limits(settings):
    """Small limits, each test raising the one it does not look at out of the way."""
    settings.STUDIO_LIMIT_BOOKINGS_PER_HOUR_PER_IP = 5
    settings.STUDIO_LIMIT_BOOKINGS_PER_HOUR_PER_EMAIL = 100
    settings.STUDIO_LIMIT_BOOKINGS_PER_HOUR_PER_PHONE = 100
    settings.STUDIO_LIMIT_ACTIVE_BOOKINGS = 100
    settings.STUDIO_LIMIT_ACTIVE_BOOKINGS_PER_IP = 100
    settings.STUDIO_LIMIT_CHANGES_PER_BOOKING = 100
    settings.TRUSTED_PROXIES = 0
    settings.STUDIO_PHONE = "+49 30 5550100"
    return settings


def starts(count: int):
    """`count` starts on the hour from Tuesday on, none overlapping another."""
    days = [TUESDAY + timedelta(days=offset) for offset in range(4)]
    every = [at(day, clock) for day in days for clock in HOURS]
    return every[:count]


def body(offering, start, number: int, **client) -> dict:
    return {
        "offering": offering.id,
        "start": start.isoformat(),
        "client": {
            "name": f"Client {number}",
            "email": f"client{number}@example.com",
            "phone": f"+49 30 {1000000 + number}",
            **client,
        },
    }


def book(api, offering, start, number, address="198.51.100.7", headers=None, **client):
    return api.post(
        "/api/v1/appointments/",
        body(offering, start, number, **client),
        format="json",
        headers=headers,
        REMOTE_ADDR=address,
    )


@pytest.mark.parametrize("forged", [False, True], ids=["plain", "forged-x-forwarded-for"])
def test_a_flood_from_one_address_stops_at_the_limit_and_the_calendar_stays_bookable(
    classical, anna, two_rooms, forged
):
    api = APIClient()
    answers = []
    for number, start in enumerate(starts(12)):
        headers = {"X-Forwarded-For": f"203.0.113.{number}"} if forged else None
        answers.append(book(api, classical, start, number, headers=headers))

    statuses = [answer.status_code for answer in answers]
    assert statuses == [201] * 5 + [429] * 7
    refused = answers[-1]
    assert refused.json()["error"]["code"] == "rate_limited"
    assert refused["Retry-After"] == "3600"
    assert "+49 30 5550100" in refused.json()["error"]["message"]
    assert Appointment.objects.count() == 5
    # Someone else still finds the calendar open.
    other = book(api, classical, starts(12)[-1], 99, address="198.51.100.8")
    assert other.status_code == 201
    assert Appointment.objects.count() == 6


def test_the_hourly_window_opens_again_on_the_next_hour(classical, anna, two_rooms, frozen):
    api = APIClient()
    times = starts(7)
    for number in range(6):
        book(api, classical, times[number], number)

    frozen.move_to(NOW + timedelta(hours=1, seconds=1))
    again = book(api, classical, times[6], 6)

    assert again.status_code == 201
    assert Appointment.objects.count() == 6


def test_a_refused_booking_gives_its_count_back(classical, anna, two_rooms, limits):
    limits.STUDIO_LIMIT_BOOKINGS_PER_HOUR_PER_IP = 1
    api = APIClient()
    taken = at(TUESDAY, "10:00")
    book_appointment(
        offering=classical,
        start_at=taken,
        client=ClientDetails("Someone", "someone@example.com", "+49 30 1"),
        source="phone",
        actor=Actor.guest(),
        now=NOW,
    )

    conflict = book(api, classical, taken, 1)
    booked = book(api, classical, at(TUESDAY, "11:00"), 2)

    assert (conflict.status_code, booked.status_code) == (409, 201)


def test_an_email_is_limited_per_hour_whatever_its_letter_case(classical, anna, two_rooms, limits):
    limits.STUDIO_LIMIT_BOOKINGS_PER_HOUR_PER_IP = 100
    limits.STUDIO_LIMIT_BOOKINGS_PER_HOUR_PER_EMAIL = 2
    api = APIClient()
    emails = ["mira@example.com", "Mira@Example.com", "MIRA@EXAMPLE.COM"]

    answers = [
        book(api, classical, start, number, address=f"198.51.100.{number}", email=email)
        for number, (start, email) in enumerate(zip(starts(3), emails, strict=True))
    ]

    assert [answer.status_code for answer in answers] == [201, 201, 429]
    assert answers[-1].json()["error"]["code"] == "rate_limited"
    assert "e-mail" in answers[-1].json()["error"]["message"]


@pytest.mark.parametrize(
    "phones",
    [
        ["+49 30 1234567", "0049-30-123 45 67", "+49 (30) 1234567"],
        # Written nationally, read as dialled in STUDIO_PHONE_REGION (DE).
        ["030 1234567", "+49 30 1234567", "(030) 123 45 67"],
    ],
)
def test_a_phone_is_limited_per_hour_however_it_is_written(
    classical, anna, two_rooms, limits, phones
):
    limits.STUDIO_LIMIT_BOOKINGS_PER_HOUR_PER_IP = 100
    limits.STUDIO_LIMIT_BOOKINGS_PER_HOUR_PER_PHONE = 2
    api = APIClient()

    answers = [
        book(api, classical, start, number, address=f"198.51.100.{number}", phone=phone)
        for number, (start, phone) in enumerate(zip(starts(3), phones, strict=True))
    ]

    assert [answer.status_code for answer in answers] == [201, 201, 429]
    assert "phone" in answers[-1].json()["error"]["message"]


def hold(offering, start, email="mira@example.com", phone="+49301234567") -> Appointment:
    """A web booking as the booking form stores it: the phone in E.164."""
    return book_appointment(
        offering=offering,
        start_at=start,
        client=ClientDetails("Mira", email, phone),
        source="web",
        actor=Actor.guest(),
        now=NOW,
    )


def test_an_email_holds_only_so_many_future_bookings(classical, anna, two_rooms, limits):
    limits.STUDIO_LIMIT_ACTIVE_BOOKINGS = 2
    first, _ = hold(classical, at(TUESDAY, "9:00")), hold(classical, at(TUESDAY, "10:00"))

    refused = book(APIClient(), classical, at(TUESDAY, "11:00"), 1, email="MIRA@example.com")

    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "rate_limited"
    assert "2 upcoming bookings" in refused.json()["error"]["message"]
    # A place frees itself when the first held booking starts.
    assert refused["Retry-After"] == str(int((first.start_at - NOW).total_seconds()))
    assert Appointment.objects.count() == 2


def test_a_phone_holds_only_so_many_future_bookings(classical, anna, two_rooms, limits):
    limits.STUDIO_LIMIT_ACTIVE_BOOKINGS = 2
    hold(classical, at(TUESDAY, "9:00"), email="a@example.com", phone="+49301234567")
    hold(classical, at(TUESDAY, "10:00"), email="b@example.com", phone="+49301234567")

    refused = book(APIClient(), classical, at(TUESDAY, "11:00"), 1, phone="030 123 4567")

    assert refused.status_code == 429
    assert Appointment.objects.count() == 2


def test_a_cancelled_booking_frees_its_place_among_those_held(classical, anna, two_rooms, limits):
    limits.STUDIO_LIMIT_ACTIVE_BOOKINGS = 2
    first = hold(classical, at(TUESDAY, "9:00"))
    hold(classical, at(TUESDAY, "10:00"))
    cancel_appointment(appointment=first, actor=Actor.guest(), now=NOW)

    booked = book(APIClient(), classical, at(TUESDAY, "11:00"), 1, email="mira@example.com")

    assert booked.status_code == 201


def test_bookings_that_have_started_are_no_longer_held(classical, anna, two_rooms, limits, frozen):
    limits.STUDIO_LIMIT_ACTIVE_BOOKINGS = 2
    hold(classical, at(TUESDAY, "9:00"))
    hold(classical, at(TUESDAY, "10:00"))
    frozen.move_to(at(TUESDAY, "10:01"))

    booked = book(APIClient(), classical, at(TUESDAY, "15:00"), 1, email="mira@example.com")

    assert booked.status_code == 201


def test_an_integration_with_a_token_is_not_limited(
    classical, anna, two_rooms, limits, integration
):
    limits.STUDIO_LIMIT_BOOKINGS_PER_HOUR_PER_IP = 1
    limits.STUDIO_LIMIT_BOOKINGS_PER_HOUR_PER_EMAIL = 1
    limits.STUDIO_LIMIT_ACTIVE_BOOKINGS = 1

    answers = [
        book(integration, classical, start, 1, email="mira@example.com") for start in starts(4)
    ]

    assert [answer.status_code for answer in answers] == [201] * 4


def test_a_logged_in_user_without_the_booking_permission_is_limited(
    classical, anna, two_rooms, limits, django_user_model
):
    limits.STUDIO_LIMIT_BOOKINGS_PER_HOUR_PER_IP = 1
    api = APIClient()
    api.force_authenticate(django_user_model.objects.create_user("someone"))

    answers = [book(api, classical, start, number) for number, start in enumerate(starts(2))]

    assert [answer.status_code for answer in answers] == [201, 429]


# Moves by a guest ------------------------------------------------------------


def move(api, appointment, start, token=None):
    return api.post(
        f"/api/v1/appointments/{appointment.pk}/reschedule/",
        {"start": start.isoformat()},
        format="json",
        headers={"X-Manage-Token": token or appointment.manage_token},
    )


def test_a_guest_moves_one_booking_only_so_many_times(classical, anna, two_rooms, limits):
    limits.STUDIO_LIMIT_CHANGES_PER_BOOKING = 2
    appointment = hold(classical, at(TUESDAY, "9:00"))
    api = APIClient()

    answers = [move(api, appointment, at(TUESDAY, clock)) for clock in ["10:00", "11:00", "12:00"]]

    assert [answer.status_code for answer in answers] == [200, 200, 429]
    assert answers[-1].json()["error"]["code"] == "rate_limited"
    assert "call the studio on +49 30 5550100" in answers[-1].json()["error"]["message"]
    assert int(answers[-1]["Retry-After"]) > 0
    appointment.refresh_from_db()
    assert appointment.start_at == at(TUESDAY, "11:00")


def test_a_move_that_failed_does_not_count(classical, anna, two_rooms, limits):
    limits.STUDIO_LIMIT_CHANGES_PER_BOOKING = 1
    appointment = hold(classical, at(TUESDAY, "9:00"))
    hold(classical, at(TUESDAY, "10:00"), email="other@example.com", phone="+49302000000")
    api = APIClient()

    taken = move(api, appointment, at(TUESDAY, "10:00"))
    moved = move(api, appointment, at(TUESDAY, "11:00"))

    assert (taken.status_code, moved.status_code) == (409, 200)


def test_a_guest_may_still_cancel_after_the_last_move(classical, anna, two_rooms, limits):
    limits.STUDIO_LIMIT_CHANGES_PER_BOOKING = 1
    appointment = hold(classical, at(TUESDAY, "9:00"))
    api = APIClient()
    move(api, appointment, at(TUESDAY, "10:00"))

    cancelled = api.post(
        f"/api/v1/appointments/{appointment.pk}/cancel/",
        {},
        format="json",
        headers={"X-Manage-Token": appointment.manage_token},
    )

    assert cancelled.status_code == 200
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED


def test_staff_move_a_booking_as_often_as_they_need(
    classical, anna, two_rooms, limits, django_user_model
):
    limits.STUDIO_LIMIT_CHANGES_PER_BOOKING = 1
    appointment = hold(classical, at(TUESDAY, "9:00"))
    desk = django_user_model.objects.create_user("desk", is_staff=True)
    desk.groups.add(Group.objects.get(name="integrations"))
    api = APIClient()
    api.force_authenticate(desk)

    answers = [
        api.post(
            f"/api/v1/appointments/{appointment.pk}/reschedule/",
            {"start": at(TUESDAY, clock).isoformat()},
            format="json",
        )
        for clock in ["10:00", "11:00", "12:00"]
    ]

    assert [answer.status_code for answer in answers] == [200, 200, 200]


# The website -----------------------------------------------------------------


def form(start, number: int) -> dict:
    return {
        "idempotency_key": str(uuid.uuid4()),
        "start": slot_value(start),
        "therapist": "",
        "name": f"Client {number}",
        "email": f"client{number}@example.com",
        "phone": f"+49 30 {1000000 + number}",
        "vein_problems": "no",
        "pregnancy": "no",
        "recent_injury": "no",
        "skin_condition": "no",
        "note": "",
        "consent": "on",
    }


def test_the_booking_form_is_limited_per_address_too(classical, anna, two_rooms, limits):
    limits.STUDIO_LIMIT_BOOKINGS_PER_HOUR_PER_IP = 2
    browser = Client(REMOTE_ADDR="198.51.100.7")
    url = reverse("booking:book", kwargs={"offering_slug": classical.slug})

    answers = [
        browser.post(url, form(start, number), HTTP_X_FORWARDED_FOR=f"203.0.113.{number}")
        for number, start in enumerate(starts(3))
    ]

    assert [answer.status_code for answer in answers] == [303, 303, 429]
    refused = answers[-1]
    assert refused["Retry-After"] == "3600"
    html = refused.content.decode()
    assert "Too many bookings have been made from your network in the last hour." in html
    assert "call the studio on +49 30 5550100" in html
    # The form comes back filled in, to send once the hour is over.
    assert 'value="client2@example.com"' in html
    assert Appointment.objects.count() == 2


def test_a_logged_in_receptionist_books_on_the_website_without_limits(
    classical, anna, two_rooms, limits, django_user_model
):
    limits.STUDIO_LIMIT_BOOKINGS_PER_HOUR_PER_IP = 1
    desk = django_user_model.objects.create_user("desk", is_staff=True)
    desk.groups.add(Group.objects.get(name="integrations"))
    browser = Client()
    browser.force_login(desk)
    url = reverse("booking:book", kwargs={"offering_slug": classical.slug})

    answers = [browser.post(url, form(start, number)) for number, start in enumerate(starts(2))]

    assert [answer.status_code for answer in answers] == [303, 303]


def test_the_reschedule_page_refuses_a_move_too_many_with_a_429(classical, anna, two_rooms, limits):
    limits.STUDIO_LIMIT_CHANGES_PER_BOOKING = 1
    appointment = hold(classical, at(TUESDAY, "9:00"))
    url = reverse("booking:reschedule", kwargs={"appointment_id": appointment.pk})
    browser = Client()
    # The e-mail's link opens the booking for this browser's session.
    browser.get(manage_link(appointment))

    first = browser.post(url, {"start": slot_value(at(TUESDAY, "10:00"))})
    second = browser.post(url, {"start": slot_value(at(TUESDAY, "11:00"))})

    assert first.status_code == 303
    assert second.status_code == 429
    assert int(second["Retry-After"]) > 0
    assert "To change it again, please call the studio on +49 30 5550100." in (
        second.content.decode()
    )
    appointment.refresh_from_db()
    assert appointment.start_at == at(TUESDAY, "10:00")


def test_a_form_refused_by_a_limit_books_once_sent_again_next_hour(
    classical, anna, two_rooms, limits, frozen
):
    limits.STUDIO_LIMIT_BOOKINGS_PER_HOUR_PER_IP = 1
    browser = Client()
    url = reverse("booking:book", kwargs={"offering_slug": classical.slug})
    browser.post(url, form(at(TUESDAY, "9:00"), 1))
    refused_form = form(at(TUESDAY, "10:00"), 2)
    refused = browser.post(url, refused_form)

    frozen.move_to(NOW + timedelta(hours=1))
    again = browser.post(url, refused_form)

    assert (refused.status_code, again.status_code) == (429, 303)
    assert Appointment.objects.filter(contact_email="client2@example.com").count() == 1


def test_addresses_of_one_ipv6_network_share_one_allowance(classical, anna, two_rooms, limits):
    limits.STUDIO_LIMIT_BOOKINGS_PER_HOUR_PER_IP = 2
    api = APIClient()
    addresses = ["2001:db8:1:2::1", "2001:db8:1:2::abcd", "2001:db8:1:2:ffff::9", "2001:db8:1:3::1"]

    answers = [
        book(api, classical, start, number, address=address)
        for number, (start, address) in enumerate(zip(starts(4), addresses, strict=True))
    ]

    assert [answer.status_code for answer in answers] == [201, 201, 429, 201]


def test_without_a_studio_phone_the_refusal_still_says_to_call(classical, anna, two_rooms, limits):
    limits.STUDIO_LIMIT_BOOKINGS_PER_HOUR_PER_IP = 1
    limits.STUDIO_PHONE = ""
    api = APIClient()

    answers = [book(api, classical, start, number) for number, start in enumerate(starts(2))]

    assert answers[-1].json()["error"]["message"] == (
        "Too many bookings have been made from your network in the last hour. "
        "Please try again in 60 minutes, or call the studio."
    )


def test_a_course_or_a_visit_of_several_massages_holds_one_place(
    course_of_four, anna, two_rooms, limits
):
    """The limit counts bookings as the client made them, not the appointments in them."""
    limits.STUDIO_LIMIT_ACTIVE_BOOKINGS = 3
    mira = ClientDetails("Mira", "mira@example.com", "+49301234567")
    book_course(
        offering=course_of_four,
        starts=[at(TUESDAY + timedelta(days=7 * week), "9:00") for week in range(4)],
        client=mira,
        source="web",
        actor=Actor.guest(),
        now=NOW,
    )
    book_visit(
        appointments=[
            WantedAppointment(offering=course_of_four, start_at=at(TUESDAY, "14:00")),
            WantedAppointment(offering=course_of_four, start_at=at(TUESDAY, "14:30")),
        ],
        client=mira,
        source="web",
        actor=Actor.guest(),
        now=NOW,
    )
    assert Appointment.objects.count() == 6

    third = book(APIClient(), course_of_four, at(TUESDAY, "16:00"), 1, email="mira@example.com")
    fourth = book(APIClient(), course_of_four, at(TUESDAY, "17:00"), 1, email="mira@example.com")

    assert third.status_code == 201, third.json()
    assert fourth.status_code == 429
    assert "3 upcoming bookings" in fourth.json()["error"]["message"]
