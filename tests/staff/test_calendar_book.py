"""Booking at the desk: walk-ins, a phone without an e-mail, health answered or not asked."""

from datetime import UTC, datetime, time

import pytest
import time_machine

from booking.errors import TooSoon
from booking.models import Appointment, Client, WorkingHours
from booking.services import Actor, ClientDetails, WantedAppointment, book_visit
from catalog.models import ResourceKind
from notifications.models import Message
from tests.factories import ResourceFactory, TherapistFactory, give_hours, rooms
from tests.staff.conftest import DAY, at

pytestmark = pytest.mark.django_db

# 09:05 in Berlin, a Tuesday: the studio's notice is two hours.
NOW = datetime(2031, 3, 4, 8, 5, tzinfo=UTC)
BOOK_URL = "/staff/book/"


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def anna(classical):
    therapist = TherapistFactory.create(name="Anna Weber")
    therapist.massage_types.add(classical.massage_type)
    give_hours(therapist, (time(9), time(18)))
    rooms()
    return therapist


def desk_booking(classical, anna, start: str = "09:15", **changes) -> dict:
    form = {
        "offering": classical.pk,
        "date": DAY,
        "therapist": anna.pk,
        "people": "1",
        "start": at(start).isoformat(),
        "name": "Walter Walkin",
        "phone": "+49 30 1234567",
        "email": "",
        "language": "en",
    }
    return {**form, **changes}


def test_a_walk_in_books_the_next_start_at_the_desk(client, reception, classical, anna):
    client.force_login(reception)

    response = client.post(BOOK_URL, desk_booking(classical, anna, "09:15"))

    appointment = Appointment.objects.get()
    assert response.status_code == 302
    assert appointment.start_at == at("09:15")
    assert (appointment.source, appointment.therapist) == ("desk", anna)
    assert response["Location"].endswith(f"highlight={appointment.pk}#appointment-{appointment.pk}")


def test_the_finder_offers_a_walk_in_time_the_website_would_not(client, reception, classical, anna):
    client.force_login(reception)

    page = client.get(BOOK_URL, {"offering": classical.pk, "date": DAY}).content.decode()

    assert f'value="{at("09:15").isoformat()}"' in page


def test_the_website_keeps_its_notice(classical, anna):
    with pytest.raises(TooSoon):
        book_visit(
            appointments=[WantedAppointment(offering=classical, start_at=at("09:15"))],
            client=ClientDetails(name="Web", email="web@example.com", phone=""),
            source=Appointment.Source.WEB,
            actor=Actor.guest(),
        )


def test_a_phone_alone_books_and_sends_no_email(client, reception, classical, anna):
    client.force_login(reception)

    client.post(BOOK_URL, desk_booking(classical, anna))

    appointment = Appointment.objects.get()
    assert (appointment.client.email, appointment.client.phone) == ("", "+49301234567")
    assert not Message.objects.filter(channel=Message.Channel.EMAIL).exists()


def test_a_second_phone_only_booking_finds_the_same_client(client, reception, classical, anna):
    client.force_login(reception)

    client.post(BOOK_URL, desk_booking(classical, anna, "09:15"))
    client.post(BOOK_URL, desk_booking(classical, anna, "11:00", phone="030 1234567"))

    assert Client.objects.count() == 1
    assert Appointment.objects.filter(client=Client.objects.get()).count() == 2


def test_a_booking_without_phone_and_email_asks_for_one(client, reception, classical, anna):
    client.force_login(reception)

    response = client.post(BOOK_URL, desk_booking(classical, anna, phone=""))

    assert response.status_code == 400
    assert "Enter a phone number or an e-mail address." in response.content.decode()
    assert not Appointment.objects.exists()


def test_questions_left_not_asked_are_stored_as_not_asked(client, reception, classical, anna):
    client.force_login(reception)

    client.post(BOOK_URL, desk_booking(classical, anna, consent="on", pregnancy="no"))

    health = Appointment.objects.get().health
    assert health["pregnancy"] is False
    assert health["recent_injury"] is None
    assert health["vein_problems"] is None


def test_earlier_answers_are_shown_and_must_be_gone_over(client, reception, classical, anna):
    client.force_login(reception)
    client.post(BOOK_URL, desk_booking(classical, anna, consent="on", pregnancy="no"))
    known = Client.objects.get()

    page = client.get(
        BOOK_URL, {"offering": classical.pk, "date": DAY, "client": known.pk}
    ).content.decode()
    refused = client.post(
        BOOK_URL, desk_booking(classical, anna, "11:00", client=known.pk, consent="on")
    )

    assert "Are you pregnant? <strong>no</strong>" in page
    assert "three months? <strong>not asked</strong>" in page
    assert refused.status_code == 400
    assert Appointment.objects.count() == 1


def test_a_taken_time_shows_the_form_again_with_the_nearest_free_times(
    client, reception, classical, anna
):
    client.force_login(reception)
    first = desk_booking(classical, anna, "10:00", phone="+49 30 7654321", name="First")
    client.post(BOOK_URL, first)

    response = client.post(BOOK_URL, desk_booking(classical, anna, "10:00"))

    page = response.content.decode()
    assert response.status_code == 409
    assert "That time was just taken." in page
    assert "The nearest free times:" in page
    assert Appointment.objects.count() == 1


def test_the_booked_card_is_highlighted_on_the_calendar(client, reception, classical, anna):
    client.force_login(reception)

    response = client.post(BOOK_URL, desk_booking(classical, anna), follow=True)

    page = response.content.decode()
    assert "Booked: Walter Walkin at 09:15." in page
    assert "is-highlighted" in page


def test_a_past_time_is_refused_with_its_reason(client, reception, classical, anna):
    client.force_login(reception)

    response = client.post(BOOK_URL, desk_booking(classical, anna, "09:00"))

    assert response.status_code in (400, 409)
    assert not Appointment.objects.exists()


def test_a_finder_without_a_massage_is_a_400(client, reception):
    client.force_login(reception)

    assert client.get(BOOK_URL, {"offering": "x", "date": DAY}).status_code == 400


@pytest.fixture
def couples(classical, anna):
    """Two more therapists of the classical massage, and a room for two."""
    classical.max_people = 2
    classical.save(update_fields=["max_people"])
    made = []
    for name in ("Ben Hoffmann", "Clara Braun"):
        therapist = TherapistFactory.create(name=name)
        therapist.massage_types.add(classical.massage_type)
        give_hours(therapist, (time(9), time(18)))
        made.append(therapist)
    ResourceFactory.create(
        name="Room for two", kind=ResourceKind.objects.get(slug="room"), capacity=2
    )
    return made


def test_the_desk_chooses_each_persons_therapist_for_two(
    client, reception, classical, anna, couples
):
    clara = couples[1]
    client.force_login(reception)

    response = client.post(
        BOOK_URL,
        desk_booking(
            classical,
            anna,
            "10:00",
            people="2",
            second_therapist=clara.pk,
            guest_name="Greta Guest",
        ),
    )

    assert response.status_code == 302
    given = dict(Appointment.objects.values_list("guest_name", "therapist__name"))
    assert given == {"": "Anna Weber", "Greta Guest": "Clara Braun"}


def test_the_finder_offers_only_times_both_chosen_therapists_are_free(
    client, reception, classical, anna, couples
):
    clara = couples[1]
    WorkingHours.objects.filter(therapist=clara).delete()
    give_hours(clara, (time(13), time(18)))
    client.force_login(reception)

    page = client.get(
        BOOK_URL,
        {
            "offering": classical.pk,
            "date": DAY,
            "therapist": anna.pk,
            "people": "2",
            "second_therapist": clara.pk,
        },
    ).content.decode()

    assert f'value="{at("10:00").isoformat()}"' not in page
    assert f'value="{at("14:00").isoformat()}"' in page


def test_one_therapist_for_both_people_is_refused_in_the_finder(
    client, reception, classical, anna, couples
):
    client.force_login(reception)

    response = client.get(
        BOOK_URL,
        {
            "offering": classical.pk,
            "date": DAY,
            "therapist": anna.pk,
            "people": "2",
            "second_therapist": anna.pk,
        },
    )

    assert response.status_code == 400
    assert "need two therapists" in response.content.decode()
