from datetime import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from booking import errors
from booking.models import Appointment, AppointmentEvent, Client, Therapist, TimeOff
from booking.services import Actor, book_appointment, cancel_appointment
from catalog.models import Offering
from tests.booking.conftest import NOW, TUESDAY, at
from tests.factories import TherapistFactory, give_hours, vacuum_device

pytestmark = pytest.mark.django_db

ADD_URL = reverse("admin:booking_appointment_add")
DAY_URL = reverse("admin:booking_appointment_day")
CHANGELIST_URL = reverse("admin:booking_appointment_changelist")


@pytest.fixture(autouse=True)
def frozen(time_machine):
    """The admin calls the services without `now`: it is Monday 08:00 in the studio."""
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def booked(classical, anna, two_rooms, guest_details) -> Appointment:
    return book_appointment(
        offering=classical,
        start_at=at(TUESDAY, "10:00"),
        client=guest_details,
        source="web",
        actor=Actor.guest(),
        health={"vein_problems": True, "pregnancy": False},
        notes="Sensitive left knee.",
        has_consent=True,
    )


def phone_booking(**changes) -> dict:
    form = {
        "offering": Offering.objects.get(slug="classical-foot-30").pk,
        "therapist": "",
        "start_on": TUESDAY.isoformat(),
        "start_time": "10:00",
        "client_name": "Karl Caller",
        "client_email": "karl@example.com",
        "client_phone": "+49 30 7654321",
        "notes": "Called at 8.",
        "consent": "on",
    }
    return {**form, **changes}


def run_action(admin_client, action, *appointments, **extra):
    return admin_client.post(
        CHANGELIST_URL,
        {"action": action, "_selected_action": [a.pk for a in appointments], **extra},
        follow=True,
    )


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def change_url(instance) -> str:
    return reverse(f"admin:booking_{instance._meta.model_name}_change", args=[instance.pk])


# Pages load -------------------------------------------------------------


@pytest.mark.parametrize("model", ["therapist", "resource", "timeoff", "client", "appointment"])
def test_each_changelist_loads_for_staff(admin_client, booked, model):
    response = admin_client.get(reverse(f"admin:booking_{model}_changelist"))

    assert response.status_code == 200


@pytest.mark.parametrize(
    "page_of",
    [
        lambda appointment: appointment,
        lambda appointment: appointment.therapist,
        lambda appointment: appointment.client,
        lambda appointment: appointment.allocations.get().resource,
        lambda appointment: TimeOff.objects.create(
            start_at=at(TUESDAY, "00:00"), end_at=at(TUESDAY, "23:00"), reason="Closed"
        ),
    ],
    ids=["appointment", "therapist", "client", "resource", "timeoff"],
)
def test_each_change_page_loads_for_staff(admin_client, booked, page_of):
    response = admin_client.get(change_url(page_of(booked)))

    assert response.status_code == 200


def test_the_add_appointment_page_is_the_phone_booking_form(admin_client, anna):
    response = admin_client.get(ADD_URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Book by phone" in html
    for field in ["offering", "therapist", "start_on", "start_time", "client_email", "notes"]:
        assert f'name="{field}"' in html


def test_the_day_view_loads_for_staff(admin_client, booked):
    response = admin_client.get(DAY_URL, {"date": TUESDAY.isoformat()})

    assert response.status_code == 200


def test_the_day_view_sends_anonymous_visitors_to_the_login(client):
    response = client.get(DAY_URL)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_the_appointment_list_links_to_the_day_view_and_the_phone_booking(admin_client):
    html = admin_client.get(CHANGELIST_URL).content.decode()

    assert f'href="{DAY_URL}"' in html
    assert f'href="{ADD_URL}"' in html


# The appointment's page is read-only ------------------------------------


def test_the_appointment_page_shows_health_answers_and_notes_read_only(admin_client, booked):
    html = admin_client.get(change_url(booked)).content.decode()

    assert "Do you have varicose veins or other vein problems?: yes" in html
    assert "Are you pregnant?: no" in html
    assert "Sensitive left knee." in html
    assert "Tue 2 Mar 2027, 10:00" in html  # studio time, not UTC
    for field in ["notes", "start_at", "end_at", "status", "therapist", "health"]:
        assert f'name="{field}"' not in html


def test_the_appointment_page_shows_its_history(admin_client, booked):
    cancel_appointment(appointment=booked, actor=Actor.guest(), reason="ill")

    html = admin_client.get(change_url(booked)).content.decode()

    assert "Booked" in html
    assert "reason: ill" in html


def test_posting_the_appointment_page_changes_nothing(admin_client, booked, ben):
    response = admin_client.post(
        change_url(booked),
        {"status": "cancelled", "therapist": ben.pk, "start_at_0": "2027-03-02"},
    )

    assert response.status_code == 403
    booked.refresh_from_db()
    assert (booked.status, booked.therapist.slug) == ("confirmed", "anna")


def test_appointments_cannot_be_deleted_in_the_admin(admin_client, booked):
    url = reverse("admin:booking_appointment_delete", args=[booked.pk])

    response = admin_client.post(url, {"post": "yes"})

    assert response.status_code == 403
    assert Appointment.objects.filter(pk=booked.pk).exists()


# Phone bookings ---------------------------------------------------------


def test_a_phone_booking_books_through_the_service(admin_client, admin_user, anna, two_rooms):
    response = admin_client.post(ADD_URL, phone_booking())

    appointment = Appointment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == change_url(appointment)
    assert appointment.start_at == at(TUESDAY, "10:00")
    assert (appointment.source, appointment.therapist) == ("admin", anna)
    assert (appointment.client.email, appointment.notes) == ("karl@example.com", "Called at 8.")
    event = appointment.events.get()
    assert (event.action, event.actor, event.user) == ("booked", "admin", admin_user)


def test_a_phone_booking_keeps_the_health_answers_asked_on_the_phone(admin_client, anna, two_rooms):
    admin_client.post(ADD_URL, phone_booking(recent_injury="yes", pregnancy="no"))

    assert Appointment.objects.get().health == {
        "vein_problems": None,
        "pregnancy": False,
        "recent_injury": True,
        "skin_condition": None,
    }


def test_a_phone_booking_stores_a_question_left_unanswered_as_not_asked(
    admin_client, anna, two_rooms
):
    admin_client.post(ADD_URL, phone_booking())

    assert set(Appointment.objects.get().health.values()) == {None}


def test_a_phone_booking_asks_for_consent_for_a_no_too(admin_client, anna, two_rooms):
    response = admin_client.post(ADD_URL, phone_booking(pregnancy="no", consent="", notes=""))

    assert "consent" in response.context["adminform"].form.errors
    assert not Appointment.objects.exists()


def test_a_phone_booking_ruled_out_by_an_answer_says_why_and_saves_nothing(
    admin_client, anna, two_rooms
):
    vacuum_device()
    vacuum = Offering.objects.get(slug="vacuum-hip-45")

    response = admin_client.post(ADD_URL, phone_booking(offering=vacuum.pk, vein_problems="yes"))

    assert response.status_code == 200
    assert "not given with varicose veins" in response.content.decode()
    assert not Appointment.objects.exists()


def test_a_phone_booking_with_a_therapist_named_books_that_therapist(
    admin_client, anna, ben, two_rooms
):
    admin_client.post(ADD_URL, phone_booking(therapist=ben.pk))

    assert Appointment.objects.get().therapist == ben


def test_a_phone_booking_at_a_taken_time_shows_the_conflict_and_saves_nothing(admin_client, booked):
    response = admin_client.post(ADD_URL, phone_booking())

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.non_field_errors() == [errors.SlotUnavailable.default_message]
    assert str(errors.SlotUnavailable.default_message) in response.content.decode()
    assert Appointment.objects.count() == 1
    assert not Client.objects.filter(email="karl@example.com").exists()


def test_a_phone_booking_in_the_lunch_break_puts_the_refusal_on_the_time(
    admin_client, anna, two_rooms
):
    response = admin_client.post(ADD_URL, phone_booking(start_time="13:30"))

    form = response.context["adminform"].form
    assert form.errors["start_time"] == [errors.OutsideHours.default_message]
    assert not Appointment.objects.exists()


def test_a_phone_booking_with_a_therapist_who_lacks_the_skill_names_the_therapist(
    admin_client, ben, two_rooms
):
    thai = Offering.objects.get(slug="thai-foot-45")

    response = admin_client.post(ADD_URL, phone_booking(offering=thai.pk, therapist=ben.pk))

    form = response.context["adminform"].form
    assert form.errors["therapist"] == [errors.NotQualified.default_message]
    assert not Appointment.objects.exists()


def test_the_phone_booking_form_takes_its_first_values_from_the_address(admin_client, anna):
    response = admin_client.get(ADD_URL, {"therapist": anna.pk, "start_on": "2027-03-02"})

    form = response.context["adminform"].form
    assert (form["therapist"].value(), form["start_on"].value()) == (str(anna.pk), "2027-03-02")


# Actions ----------------------------------------------------------------


def test_the_cancel_action_asks_to_confirm_first(admin_client, booked):
    response = run_action(admin_client, "cancel_appointments", booked)

    assert response.status_code == 200
    assert "Yes, cancel them" in response.content.decode()
    booked.refresh_from_db()
    assert booked.status == Appointment.Status.CONFIRMED


def test_the_cancel_action_cancels_through_the_service(admin_client, admin_user, booked):
    response = run_action(
        admin_client, "cancel_appointments", booked, post="yes", reason="Therapist ill"
    )

    booked.refresh_from_db()
    assert booked.status == Appointment.Status.CANCELLED
    assert not booked.allocations.filter(is_active=True).exists()
    event = booked.events.latest("created_at", "id")
    assert (event.action, event.user, event.details) == (
        "cancelled",
        admin_user,
        {"reason": "Therapist ill"},
    )
    assert messages_of(response) == [f"{booked}: cancelled."]


def test_the_cancel_action_reports_each_refusal_and_still_cancels_the_rest(
    admin_client, booked, classical, guest_details
):
    cancel_appointment(appointment=booked, actor=Actor.guest())
    later = book_appointment(
        offering=classical,
        start_at=at(TUESDAY, "15:00"),
        client=guest_details,
        source="web",
        actor=Actor.guest(),
    )

    response = run_action(admin_client, "cancel_appointments", booked, later, post="yes")

    assert response.status_code == 200
    assert messages_of(response) == [
        f"{booked}: {errors.NotActive.default_message}",
        f"{later}: cancelled.",
    ]
    later.refresh_from_db()
    assert later.status == Appointment.Status.CANCELLED


def test_marking_completed_once_started_records_it(admin_client, booked, time_machine):
    time_machine.move_to(at(TUESDAY, "10:35"), tick=False)

    response = run_action(admin_client, "mark_completed", booked)

    booked.refresh_from_db()
    assert booked.status == Appointment.Status.COMPLETED
    assert booked.events.latest("created_at", "id").action == AppointmentEvent.Action.COMPLETED
    assert messages_of(response) == [f"{booked}: marked completed."]


def test_marking_no_show_once_started_records_it(admin_client, booked, time_machine):
    time_machine.move_to(at(TUESDAY, "10:20"), tick=False)

    run_action(admin_client, "mark_no_show", booked)

    booked.refresh_from_db()
    assert booked.status == Appointment.Status.NO_SHOW
    assert booked.events.latest("created_at", "id").action == AppointmentEvent.Action.NO_SHOW


def test_marking_an_appointment_before_it_starts_reports_the_refusal(admin_client, booked):
    response = run_action(admin_client, "mark_no_show", booked)

    assert response.status_code == 200
    assert messages_of(response) == [
        f"{booked}: An appointment can be marked only once it has started."
    ]
    booked.refresh_from_db()
    assert booked.status == Appointment.Status.CONFIRMED


def test_an_action_from_the_appointment_page_returns_to_it(admin_client, booked, time_machine):
    time_machine.move_to(at(TUESDAY, "10:35"), tick=False)

    response = admin_client.post(
        CHANGELIST_URL,
        {"action": "mark_completed", "_selected_action": [booked.pk], "next": change_url(booked)},
    )

    assert response.status_code == 302
    assert response["Location"] == change_url(booked)


# Lists and searches -----------------------------------------------------


@pytest.mark.parametrize(
    "term_of",
    [
        lambda appointment: "Mira",
        lambda appointment: "MIRA@example.com",
        lambda appointment: "1234567",
        lambda appointment: str(appointment.id)[:8],
    ],
    ids=["name", "email", "phone", "id"],
)
def test_staff_find_an_appointment_by_client_or_id(admin_client, booked, term_of):
    response = admin_client.get(CHANGELIST_URL, {"q": term_of(booked)})

    assert list(response.context["cl"].result_list) == [booked]


def test_the_appointment_list_costs_the_same_queries_for_more_appointments(
    admin_client, booked, classical, ben, guest_details
):
    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert admin_client.get(CHANGELIST_URL).status_code == 200
        return len(queries)

    one = count_queries()
    for clock in ["11:00", "12:00", "15:00"]:
        book_appointment(
            offering=classical,
            start_at=at(TUESDAY, clock),
            client=guest_details,
            source="web",
            actor=Actor.guest(),
            therapist=ben,
        )

    assert count_queries() == one


def test_the_client_page_lists_their_appointments(admin_client, booked):
    html = admin_client.get(change_url(booked.client)).content.decode()

    assert "Tue 2 Mar 2027, 10:00" in html
    assert change_url(booked) in html


# The day view -----------------------------------------------------------


def test_the_day_view_shows_each_therapists_appointments_hours_and_time_off(
    admin_client, booked, ben
):
    TimeOff.objects.create(
        therapist=ben, start_at=at(TUESDAY, "14:00"), end_at=at(TUESDAY, "16:00"), reason="Dentist"
    )

    html = admin_client.get(DAY_URL, {"date": TUESDAY.isoformat()}).content.decode()

    assert "Tuesday 2 March 2027" in html
    assert "09:00\u201313:00, 14:00\u201318:00" in html  # Anna
    assert "10:00\u201310:30" in html
    assert "Mira Example" in html
    assert "Classical: foot" in html
    assert "Off: 14:00\u201316:00 (Dentist)" in html  # Ben


def test_the_day_view_shows_a_studio_closure(admin_client, anna):
    TimeOff.objects.create(
        start_at=at(TUESDAY, "00:00"), end_at=at(TUESDAY, "12:00"), reason="Inspection"
    )

    html = admin_client.get(DAY_URL, {"date": TUESDAY.isoformat()}).content.decode()

    assert "Studio closed: Until 12:00 (Inspection)" in html


def test_the_day_view_opens_on_today_with_links_to_the_days_around(admin_client, anna):
    response = admin_client.get(DAY_URL)

    html = response.content.decode()
    assert "Monday 1 March 2027" in html
    assert f"{DAY_URL}?date=2027-02-28" in html
    assert f"{DAY_URL}?date=2027-03-02" in html


def test_the_day_view_shows_only_that_days_appointments(admin_client, booked):
    html = admin_client.get(DAY_URL, {"date": "2027-03-03"}).content.decode()

    assert "Mira Example" not in html


def test_the_day_view_costs_the_same_queries_however_full_the_day(
    admin_client, booked, ben, classical, guest_details, django_assert_num_queries
):
    for clock in ["11:00", "14:00", "15:00"]:
        book_appointment(
            offering=classical,
            start_at=at(TUESDAY, clock),
            client=guest_details,
            source="web",
            actor=Actor.guest(),
            therapist=ben,
        )
    TimeOff.objects.create(
        therapist=ben, start_at=at(TUESDAY, "16:00"), end_at=at(TUESDAY, "18:00")
    )

    # 1. the session, 2. the staff user,
    # 3. the day's appointments with their clients and offerings,
    # 4. the therapists, 5. their working hours on that weekday,
    # 6. the time off overlapping the day.
    with django_assert_num_queries(6):
        response = admin_client.get(DAY_URL, {"date": TUESDAY.isoformat()})

    assert response.status_code == 200


# Schedules --------------------------------------------------------------


def test_overlapping_working_hours_on_one_day_are_refused(admin_client):
    response = admin_client.post(
        reverse("admin:booking_therapist_add"),
        {
            "name": "Eva",
            "slug": "eva",
            "massage_types": [Offering.objects.get(slug="classical-foot-30").massage_type_id],
            "is_active": "on",
            "working_hours-TOTAL_FORMS": "2",
            "working_hours-INITIAL_FORMS": "0",
            "working_hours-0-weekday": "0",
            "working_hours-0-start_time": "09:00",
            "working_hours-0-end_time": "13:00",
            "working_hours-1-weekday": "0",
            "working_hours-1-start_time": "12:00",
            "working_hours-1-end_time": "18:00",
            "time_off-TOTAL_FORMS": "0",
            "time_off-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 200
    assert "Two intervals on Monday overlap." in response.content.decode()
    assert not Therapist.objects.filter(slug="eva").exists()


def test_time_off_over_booked_appointments_warns_staff(admin_client, booked):
    response = admin_client.post(
        reverse("admin:booking_timeoff_add"),
        {
            "therapist": booked.therapist_id,
            "start_at_0": "2027-03-02",
            "start_at_1": "09:00",
            "end_at_0": "2027-03-02",
            "end_at_1": "12:00",
            "reason": "Doctor",
        },
        follow=True,
    )

    assert TimeOff.objects.filter(reason="Doctor").exists()
    assert any("1 confirmed appointment falls in this time off" in m for m in messages_of(response))


def test_time_off_of_another_therapist_brings_no_warning(admin_client, booked):
    other = TherapistFactory.create()
    give_hours(other, (time(9), time(18)))

    response = admin_client.post(
        reverse("admin:booking_timeoff_add"),
        {
            "therapist": other.pk,
            "start_at_0": "2027-03-02",
            "start_at_1": "09:00",
            "end_at_0": "2027-03-02",
            "end_at_1": "12:00",
        },
        follow=True,
    )

    assert not any("fall in this time off" in m for m in messages_of(response))


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_time_off_off_the_calendar_is_refused_on_the_form(admin_client, anna, day):
    # Midnight of year 1 in Berlin is before year 1 in UTC, which
    # PostgreSQL refuses: that post was a 500 on a live server.
    response = admin_client.post(
        reverse("admin:booking_timeoff_add"),
        {
            "therapist": anna.pk,
            "start_at_0": day,
            "start_at_1": "00:00",
            "end_at_0": day,
            "end_at_1": "12:00",
            "reason": "Far away",
        },
    )

    assert response.status_code == 200
    assert "Give a date between 2000-01-01 and 2199-12-31." in response.content.decode()
    assert not TimeOff.objects.filter(reason="Far away").exists()
