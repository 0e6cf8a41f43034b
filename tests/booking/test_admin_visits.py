"""Visits and courses in the admin: their pages, the day view, cancelling them."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client as Browser
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from booking.models import AppointmentEvent, Course, Visit
from booking.services import (
    Actor,
    WantedAppointment,
    book_appointment,
    book_course,
    book_visit,
)
from catalog.models import Offering
from tests.booking.conftest import NOW, TUESDAY, at
from tests.factories import vacuum_device

pytestmark = pytest.mark.django_db

VISITS_URL = reverse("admin:booking_visit_changelist")
COURSES_URL = reverse("admin:booking_course_changelist")
DAY_URL = reverse("admin:booking_appointment_day")


@pytest.fixture(autouse=True)
def frozen(time_machine):
    """The admin calls the services without `now`: it is Monday 08:00 in the studio."""
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def couples(classical_for_two, anna, ben, room_for_two, guest_details) -> Visit:
    """Mira and Olga side by side on Tuesday at 10:00, with Anna and Ben."""
    return book_visit(
        appointments=[
            WantedAppointment(
                offering=classical_for_two, start_at=at(TUESDAY, "10:00"), therapist=anna
            ),
            WantedAppointment(
                offering=classical_for_two,
                start_at=at(TUESDAY, "10:00"),
                therapist=ben,
                guest_name="Olga Example",
            ),
        ],
        client=guest_details,
        source="web",
        actor=Actor.guest(),
        notes="Celebrating a birthday.",
        has_consent=True,
    )


@pytest.fixture
def in_turn(classical, vacuum, anna, two_rooms, guest_details) -> Visit:
    """Mira's foot with Anna at 14:00, then her hip with the vacuum at 14:30, on Tuesday."""
    vacuum_device()
    return book_visit(
        appointments=[
            WantedAppointment(offering=classical, start_at=at(TUESDAY, "14:00"), therapist=anna),
            WantedAppointment(offering=vacuum, start_at=at(TUESDAY, "14:30"), therapist=anna),
        ],
        client=guest_details,
        source="web",
        actor=Actor.guest(),
    )


@pytest.fixture
def course(anna, two_rooms, guest_details) -> Course:
    """Three weekly anti-cellulite sessions on Tuesdays at 10:00, with Anna."""
    Offering.objects.filter(slug="anti-cellulite-hip-shin-60").update(course_sessions=3)
    offering = Offering.objects.get(slug="anti-cellulite-hip-shin-60")
    return book_course(
        offering=offering,
        starts=[at(TUESDAY + timedelta(days=7 * week), "10:00") for week in range(3)],
        client=guest_details,
        source="web",
        actor=Actor.guest(),
        therapist=anna,
    )


def change_url(instance) -> str:
    return reverse(f"admin:booking_{instance._meta.model_name}_change", args=[instance.pk])


def run_action(admin_client, url, action, *rows, **extra):
    return admin_client.post(
        url, {"action": action, "_selected_action": [row.pk for row in rows], **extra}, follow=True
    )


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# The list of visits ----------------------------------------------------


def test_the_visit_list_shows_status_start_client_and_how_many_appointments(admin_client, couples):
    response = admin_client.get(VISITS_URL)

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [couples]
    row = response.content.decode()
    assert "Tue 2 Mar 2027, 10:00" in row
    assert "Mira Example" in row
    assert '<td class="field-appointments_in_it">2</td>' in row
    assert "Confirmed" in row


def test_the_visit_list_links_a_course_session_to_its_course(admin_client, course):
    html = admin_client.get(VISITS_URL).content.decode()

    assert html.count(change_url(course)) == 3


def test_the_visit_list_is_newest_first_without_counting_every_visit(
    admin_client, couples, in_turn
):
    response = admin_client.get(VISITS_URL)

    assert list(response.context["cl"].result_list) == [in_turn, couples]
    assert response.context["cl"].model_admin.show_full_result_count is False


@pytest.mark.parametrize("term", ["Mira", "MIRA@example.com", "1234567"])
def test_staff_find_a_visit_by_the_name_email_or_phone_it_was_booked_with(
    admin_client, couples, term
):
    response = admin_client.get(VISITS_URL, {"q": term})

    assert list(response.context["cl"].result_list) == [couples]


def test_a_search_for_someone_else_finds_no_visit(admin_client, couples):
    response = admin_client.get(VISITS_URL, {"q": "Zoe"})

    assert list(response.context["cl"].result_list) == []


def test_the_visit_list_costs_the_same_queries_for_more_visits(
    admin_client, couples, classical, guest_details
):
    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert admin_client.get(VISITS_URL).status_code == 200
        return len(queries)

    one = count_queries()
    for clock in ["12:00", "14:00", "15:00"]:
        book_appointment(
            offering=classical,
            start_at=at(TUESDAY, clock),
            client=guest_details,
            source="web",
            actor=Actor.guest(),
        )

    assert count_queries() == one


# A visit's page --------------------------------------------------------


def test_the_visit_page_lists_its_appointments_read_only(admin_client, couples):
    html = admin_client.get(change_url(couples)).content.decode()

    assert "Classical for two: whole leg" in html
    assert "Anna" in html and "Ben" in html
    assert "Olga Example" in html
    for appointment in couples.appointments.all():
        assert change_url(appointment) in html
    for field in ["start_at", "therapist", "status", "notes"]:
        assert f'name="{field}"' not in html
        assert f'name="appointments-0-{field}"' not in html


def test_the_visit_page_shows_the_room_it_holds_for_both(admin_client, couples):
    html = admin_client.get(change_url(couples)).content.decode()

    assert "Room for two (Treatment room), 10:00\u201311:15: the whole visit" in html


def test_the_visit_page_shows_the_history_of_its_appointments(admin_client, couples):
    html = admin_client.get(change_url(couples)).content.decode()

    assert html.count("<td>Booked</td>") == 2


def test_the_visit_page_shows_its_notes_to_staff_who_may_see_health_data(admin_client, couples):
    html = admin_client.get(change_url(couples)).content.decode()

    assert "Celebrating a birthday." in html


@pytest.fixture
def desk(django_user_model) -> Browser:
    """Staff who may see visits, but not health data."""
    user = django_user_model.objects.create_user("desk", password="pw", is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_visit", "view_appointment"])
    )
    browser = Browser()
    browser.force_login(user)
    return browser


def test_the_visit_page_hides_its_notes_from_staff_without_the_permission(desk, couples):
    html = desk.get(change_url(couples)).content.decode()

    assert "Celebrating a birthday." not in html
    assert "Hidden: needs the permission to see health data." in html


def test_staff_without_the_permission_cannot_filter_visits_by_their_notes(desk, couples):
    # Which rows a filter keeps would tell, row by row, what the page hides.
    response = desk.get(VISITS_URL, {"notes__icontains": "birthday"})

    assert response.status_code == 400


def test_staff_with_the_permission_filter_visits_by_their_notes(admin_client, couples):
    response = admin_client.get(VISITS_URL, {"notes__icontains": "birthday"})

    assert list(response.context["cl"].result_list) == [couples]


def test_nobody_filters_visits_by_their_manage_token(admin_client, couples):
    response = admin_client.get(VISITS_URL, {"manage_token__startswith": couples.manage_token[:1]})

    assert response.status_code == 400


def test_posting_the_visit_page_changes_nothing(admin_client, couples):
    response = admin_client.post(change_url(couples), {"status": "cancelled", "notes": "x"})

    assert response.status_code == 403
    couples.refresh_from_db()
    assert (couples.status, couples.notes) == ("confirmed", "Celebrating a birthday.")


def test_visits_cannot_be_deleted_in_the_admin(admin_client, couples):
    response = admin_client.post(
        reverse("admin:booking_visit_delete", args=[couples.pk]), {"post": "yes"}
    )

    assert response.status_code == 403
    assert Visit.objects.filter(pk=couples.pk).exists()


# Courses ---------------------------------------------------------------


def test_the_course_list_shows_the_client_offering_sessions_and_next_one(admin_client, course):
    html = admin_client.get(COURSES_URL).content.decode()

    assert "Mira Example" in html
    assert "Anti-cellulite: hip and shin" in html
    assert "3 sessions, every 7 days" in html
    assert "Tue 2 Mar 2027, 10:00" in html


def test_the_course_page_shows_its_client_offering_and_length(admin_client, course):
    html = admin_client.get(change_url(course)).content.decode()

    assert change_url(course.client) in html
    assert "Anti-cellulite: hip and shin" in html
    assert "Days between sessions" in html


def test_the_course_page_lists_its_sessions(admin_client, course):
    html = admin_client.get(change_url(course)).content.decode()

    for visit in course.visits.all():
        assert change_url(visit) in html
    assert "Tue 16 Mar 2027, 10:00" in html


# Cancelling ------------------------------------------------------------


def test_cancelling_a_visit_asks_for_a_reason_first(admin_client, couples):
    response = run_action(admin_client, VISITS_URL, "cancel_visits", couples)

    assert "Yes, cancel them" in response.content.decode()
    couples.refresh_from_db()
    assert couples.status == Visit.Status.CONFIRMED


def test_cancelling_a_visit_cancels_every_appointment_in_it(admin_client, admin_user, couples):
    response = run_action(
        admin_client, VISITS_URL, "cancel_visits", couples, post="yes", reason="Closed"
    )

    couples.refresh_from_db()
    assert couples.status == Visit.Status.CANCELLED
    assert set(couples.appointments.values_list("status", flat=True)) == {"cancelled"}
    assert not couples.allocations.filter(is_active=True).exists()
    event = AppointmentEvent.objects.filter(appointment__visit=couples).latest("created_at", "id")
    assert (event.action, event.user, event.details["reason"]) == (
        "cancelled",
        admin_user,
        "Closed",
    )
    assert messages_of(response) == [f"{couples}: cancelled."]


def test_cancelling_a_course_cancels_the_sessions_to_come(admin_client, course, time_machine):
    first = course.visits.order_by("start_at").first()
    time_machine.move_to(first.end_at, tick=False)

    run_action(admin_client, COURSES_URL, "cancel_courses", course, post="yes")

    statuses = list(course.visits.order_by("start_at").values_list("status", flat=True))
    assert statuses == ["confirmed", "cancelled", "cancelled"]


# Rooms and offerings ---------------------------------------------------


def test_the_resource_list_shows_each_rooms_capacity(admin_client, room_for_two):
    html = admin_client.get(reverse("admin:booking_resource_changelist")).content.decode()

    assert '<td class="field-capacity">2</td>' in html


def test_staff_set_a_rooms_capacity(admin_client, room_for_two):
    response = admin_client.post(
        change_url(room_for_two),
        {
            "name": "Room for two",
            "kind": room_for_two.kind_id,
            "capacity": "3",
            "is_active": "on",
        },
    )

    assert response.status_code == 302
    room_for_two.refresh_from_db()
    assert room_for_two.capacity == 3


def test_the_offering_list_shows_people_at_once_and_the_course(admin_client):
    html = admin_client.get(reverse("admin:catalog_offering_changelist")).content.decode()

    assert '<td class="field-max_people">2</td>' in html
    assert "10 sessions, every 7 days" in html


def test_the_offering_page_edits_people_and_the_course(admin_client, classical_for_two):
    html = admin_client.get(
        reverse("admin:catalog_offering_change", args=[classical_for_two.pk])
    ).content.decode()

    for field in ["max_people", "course_sessions", "course_interval_days"]:
        assert f'name="{field}"' in html


# The day view ----------------------------------------------------------


def card_of(html: str, therapist: str) -> str:
    """The day view's column of one therapist."""
    column = html.split(f">{therapist}</a></h2>", 1)[1]
    return column.split('<div class="day-column">', 1)[0]


def test_the_day_view_shows_a_couples_visit_across_its_two_therapists(admin_client, couples):
    html = admin_client.get(DAY_URL, {"date": TUESDAY.isoformat()}).content.decode()

    anna_column, ben_column = card_of(html, "Anna"), card_of(html, "Ben")
    assert "Side by side with Ben, Room for two" in anna_column
    assert "Side by side with Anna, Room for two" in ben_column
    assert "For Olga Example" in ben_column
    for column in (anna_column, ben_column):
        assert "10:00\u201311:00" in column
        assert change_url(couples) in column


def test_the_day_view_shows_a_visit_in_turn_as_one_visit(admin_client, in_turn):
    html = admin_client.get(DAY_URL, {"date": TUESDAY.isoformat()}).content.decode()

    column = card_of(html, "Anna")
    assert "Then Vacuum: hip, Anna, 14:30" in column
    assert "After Classical: foot, Anna, 14:00" in column
    assert column.count(change_url(in_turn)) == 2


def test_the_day_view_marks_no_visit_on_a_single_appointment(
    admin_client, classical, anna, two_rooms, guest_details
):
    book_appointment(
        offering=classical,
        start_at=at(TUESDAY, "10:00"),
        client=guest_details,
        source="web",
        actor=Actor.guest(),
    )

    html = admin_client.get(DAY_URL, {"date": TUESDAY.isoformat()}).content.decode()

    assert "The whole visit" not in html


def test_the_day_view_costs_one_query_more_for_any_number_of_visits_of_several(
    admin_client, couples, in_turn, django_assert_num_queries
):
    # 1. the session, 2. the staff user,
    # 3. the day's appointments with their clients, offerings and therapists,
    # 4. the rooms held for a whole visit,
    # 5. the therapists, 6. their working hours on that weekday,
    # 7. the time off overlapping the day.
    with django_assert_num_queries(7):
        response = admin_client.get(DAY_URL, {"date": TUESDAY.isoformat()})

    assert response.status_code == 200
