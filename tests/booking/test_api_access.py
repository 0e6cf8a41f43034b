"""Each sees only their own: guests by token, staff and integrations by credentials."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import Group
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from booking.models import Appointment
from tests.booking.conftest import NOW, TUESDAY, at

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


@pytest.fixture
def integration(django_user_model) -> APIClient:
    user = django_user_model.objects.create_user("crm")
    user.groups.add(Group.objects.get(name="integrations"))
    return token_client(user)


@pytest.fixture
def mine(api, classical, anna, ben, two_rooms) -> dict:
    """Mira's appointment with Anna."""
    return book(api, classical, at(TUESDAY, "10:00"), "mira@example.com", anna)


@pytest.fixture
def theirs(api, classical, anna, ben, two_rooms) -> dict:
    """Olga's appointment with Ben."""
    return book(api, classical, at(TUESDAY, "11:00"), "olga@example.com", ben)


def book(api, offering, start, email, therapist) -> dict:
    response = api.post(
        "/api/v1/appointments/",
        {
            "offering": offering.id,
            "start": start.isoformat(),
            "therapist": therapist.id,
            "client": {"name": "Guest", "email": email, "phone": "+49 30 1234567"},
        },
        format="json",
    )
    assert response.status_code == 201
    return response.json()


def test_a_guest_reads_their_appointment_with_its_token(api, mine):
    response = api.get(
        f"/api/v1/appointments/{mine['id']}/", headers={"X-Manage-Token": mine["manage_token"]}
    )

    assert response.status_code == 200
    assert response.json()["id"] == mine["id"]
    assert "manage_token" not in response.json()


def test_a_token_does_not_reach_another_guests_appointment(api, mine, theirs):
    response = api.get(
        f"/api/v1/appointments/{theirs['id']}/", headers={"X-Manage-Token": mine["manage_token"]}
    )

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_a_wrong_token_cannot_cancel(api, mine):
    response = api.post(
        f"/api/v1/appointments/{mine['id']}/cancel/",
        {},
        format="json",
        headers={"X-Manage-Token": "guess"},
    )

    assert response.status_code == 404
    assert Appointment.objects.get(pk=mine["id"]).status == "confirmed"


def test_a_guest_cancels_with_their_token(api, mine, classical):
    response = api.post(
        f"/api/v1/appointments/{mine['id']}/cancel/",
        {"reason": "ill"},
        format="json",
        headers={"X-Manage-Token": mine["manage_token"]},
    )

    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"


def test_a_guest_reschedules_with_their_token(api, mine):
    response = api.post(
        f"/api/v1/appointments/{mine['id']}/reschedule/",
        {"start": at(TUESDAY, "15:00").isoformat()},
        format="json",
        headers={"X-Manage-Token": mine["manage_token"]},
    )

    assert response.status_code == 200
    assert response.json()["start"] == "2027-03-02T15:00:00+01:00"


def test_a_guest_past_the_cut_off_gets_a_clear_refusal(api, mine):
    with time_machine.travel(at(TUESDAY, "8:00"), tick=False):
        response = api.post(
            f"/api/v1/appointments/{mine['id']}/cancel/",
            {},
            format="json",
            headers={"X-Manage-Token": mine["manage_token"]},
        )

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "cancellation_closed"
    assert "24 hours" in response.json()["error"]["message"]


def test_rescheduling_into_a_taken_time_is_a_409(api, mine, classical, anna):
    book(api, classical, at(TUESDAY, "15:00"), "olga@example.com", anna)

    response = api.post(
        f"/api/v1/appointments/{mine['id']}/reschedule/",
        {"start": at(TUESDAY, "15:00").isoformat()},
        format="json",
        headers={"X-Manage-Token": mine["manage_token"]},
    )

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "slot_unavailable"
    assert Appointment.objects.get(pk=mine["id"]).start_at == at(TUESDAY, "10:00")


def test_cancelling_twice_is_a_409(api, mine):
    headers = {"X-Manage-Token": mine["manage_token"]}
    api.post(f"/api/v1/appointments/{mine['id']}/cancel/", {}, format="json", headers=headers)

    response = api.post(
        f"/api/v1/appointments/{mine['id']}/cancel/", {}, format="json", headers=headers
    )

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "not_active"


def test_anonymous_listing_is_refused(api, mine):
    response = api.get("/api/v1/appointments/")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_anonymous_reading_without_a_token_is_refused(api, mine):
    assert api.get(f"/api/v1/appointments/{mine['id']}/").status_code == 401


def test_a_user_without_the_permissions_cannot_list(django_user_model, mine):
    nobody = token_client(django_user_model.objects.create_user("nobody"))

    assert nobody.get("/api/v1/appointments/").status_code == 403
    assert nobody.get(f"/api/v1/appointments/{mine['id']}/").status_code == 403


def test_an_integration_token_lists_and_filters(integration, mine, theirs, anna):
    everything = integration.get("/api/v1/appointments/").json()
    annas = integration.get(
        "/api/v1/appointments/", {"therapist": anna.id, "date": "2027-03-02"}
    ).json()
    cancelled = integration.get("/api/v1/appointments/", {"status": "cancelled"}).json()
    other_day = integration.get("/api/v1/appointments/", {"date": "2027-03-03"}).json()

    assert everything["count"] == 2
    assert [a["id"] for a in everything["results"]] == [mine["id"], theirs["id"]]
    assert everything["results"][0]["client"]["email"] == "mira@example.com"
    assert [a["id"] for a in annas["results"]] == [mine["id"]]
    assert cancelled["count"] == 0
    assert other_day["count"] == 0


def test_an_integration_cancels_after_the_guests_cut_off(integration, mine):
    with time_machine.travel(at(TUESDAY, "9:00"), tick=False):
        response = integration.post(f"/api/v1/appointments/{mine['id']}/cancel/", {}, format="json")

    assert response.status_code == 200


def test_a_therapist_with_a_login_sees_only_their_own(django_user_model, mine, theirs, anna):
    user = django_user_model.objects.create_user("anna")
    anna.user = user
    anna.save(update_fields=["user"])
    as_anna = token_client(user)

    listed = as_anna.get("/api/v1/appointments/").json()

    assert [a["id"] for a in listed["results"]] == [mine["id"]]
    assert as_anna.get(f"/api/v1/appointments/{mine['id']}/").status_code == 200
    assert as_anna.get(f"/api/v1/appointments/{theirs['id']}/").status_code == 404
    cancel = as_anna.post(f"/api/v1/appointments/{mine['id']}/cancel/", {}, format="json")
    assert cancel.status_code == 403


def test_an_unknown_or_malformed_id_is_a_404(integration, db):
    assert integration.get("/api/v1/appointments/not-a-uuid/").status_code == 404
    assert (
        integration.get(f"/api/v1/appointments/{'0' * 8}-0000-0000-0000-{'0' * 12}/").status_code
        == 404
    )


def test_listing_takes_a_fixed_number_of_queries(
    integration, mine, theirs, django_assert_num_queries
):
    # 1. the token and its user, 2. the user's permissions, 3. the user's
    # groups' permissions, 4. count, 5. the page with client, offering and
    # therapist joined.
    with django_assert_num_queries(5):
        integration.get("/api/v1/appointments/")


def test_guest_cut_off_does_not_bind_staff(integration, mine):
    start = Appointment.objects.get(pk=mine["id"]).start_at
    with time_machine.travel(start - timedelta(hours=1), tick=False):
        response = integration.post(
            f"/api/v1/appointments/{mine['id']}/reschedule/",
            {"start": at(TUESDAY, "16:00").isoformat()},
            format="json",
        )

    assert response.status_code == 200


def test_a_used_up_token_reaches_nothing(api, mine):
    Appointment.objects.filter(pk=mine["id"]).update(status="completed")

    response = api.get(
        f"/api/v1/appointments/{mine['id']}/", headers={"X-Manage-Token": mine["manage_token"]}
    )

    assert response.status_code == 404
