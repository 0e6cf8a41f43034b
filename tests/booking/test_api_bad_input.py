"""Bad input to the API is a 4xx in the error shape, naming the field, and writes nothing."""

import json

import pytest
import time_machine
from django.test import Client
from rest_framework.request import Request
from rest_framework.test import APIClient, APIRequestFactory

from booking.models import Appointment, AppointmentEvent, IdempotencyKey
from booking.models import Client as ClientRecord
from booking.services import Actor, book_appointment
from studio.api import Pagination
from tests.booking.conftest import NOW, TUESDAY, at

pytestmark = pytest.mark.django_db

BOOKINGS = "/api/v1/appointments/"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def body(classical, anna, two_rooms) -> dict:
    """A booking that would succeed."""
    return {
        "offering": classical.id,
        "start": at(TUESDAY, "10:00").isoformat(),
        "client": {"name": "Mira Example", "email": "mira@example.com", "phone": "+49 30 1234567"},
        "health": {"vein_problems": False, "note": "none"},
        "notes": "Quiet, please.",
    }


def post_raw(api: APIClient, text: str, **headers: str):
    return api.post(BOOKINGS, text, content_type="application/json", headers=headers)


def assert_nothing_booked() -> None:
    assert not Appointment.objects.exists()
    assert not ClientRecord.objects.exists()
    assert not IdempotencyKey.objects.exists()


def test_deeply_nested_json_is_a_400_parse_error(api, db):
    response = post_raw(api, "[" * 100_000, **{"Idempotency-Key": "deep"})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"
    assert_nothing_booked()


def test_json_nested_past_the_limit_is_a_400_parse_error(api, body):
    body["notes"] = json.loads("[" * 30 + "]" * 30)

    response = api.post(BOOKINGS, body, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"
    assert_nothing_booked()


@pytest.mark.parametrize("offering", ["1e309", "1.5", "true", '"1.5"', '"one"', "[1]"])
def test_an_offering_that_is_not_an_integer_id_is_a_400_on_offering(api, body, offering):
    text = json.dumps({**body, "offering": "OFFERING"}).replace('"OFFERING"', offering)

    response = post_raw(api, text)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert list(error["fields"]) == ["offering"]
    assert_nothing_booked()


def test_a_therapist_given_as_a_float_is_a_400_on_therapist(api, body, anna):
    response = api.post(BOOKINGS, {**body, "therapist": anna.id + 0.5}, format="json")

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["therapist"]
    assert_nothing_booked()


def test_an_availability_offering_that_is_not_an_integer_is_a_400(api, classical):
    response = api.get(
        "/api/v1/availability/",
        {"offering": f"{classical.id}.0", "start": "2027-03-02", "end": "2027-03-02"},
    )

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["offering"]


@pytest.mark.parametrize(
    ("where", "field"),
    [
        (("client", "name"), "client.name"),
        (("notes",), "notes"),
        (("health", "note"), "health.note"),
    ],
)
def test_a_nul_character_in_the_body_is_a_400_naming_the_field(api, body, where, field):
    target = body
    for key in where[:-1]:
        target = target[key]
    target[where[-1]] = "before\x00after"

    response = api.post(BOOKINGS, body, format="json", headers={"Idempotency-Key": "nul"})

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert error["fields"] == {field: ["Null characters are not allowed."]}
    assert_nothing_booked()


def test_a_nul_character_in_a_key_is_a_400_naming_it_written_out(api, body):
    body["no\x00tes"] = "x"

    response = api.post(BOOKINGS, body, format="json", headers={"Idempotency-Key": "nul-key"})

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "no\\u0000tes": ["Null characters are not allowed."]
    }
    assert_nothing_booked()


def test_a_nul_character_in_a_cancel_reason_is_a_400_and_cancels_nothing(
    api, classical, anna, two_rooms, guest_details
):
    booked = book_appointment(
        offering=classical,
        start_at=at(TUESDAY, "10:00"),
        client=guest_details,
        source="api",
        actor=Actor.guest(),
        now=NOW,
    )
    events = AppointmentEvent.objects.count()

    response = api.post(
        f"{BOOKINGS}{booked.pk}/cancel/",
        {"reason": "\x00"},
        format="json",
        headers={"X-Manage-Token": booked.manage_token},
    )

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["reason"]
    booked.refresh_from_db()
    assert booked.status == Appointment.Status.CONFIRMED
    assert AppointmentEvent.objects.count() == events


def test_a_nul_character_in_a_query_parameter_is_a_400_naming_it(api, db):
    response = api.get("/api/v1/offerings/", {"massage_type": "thai\x00"})

    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "invalid",
        "message": "Some fields are not valid.",
        "fields": {"massage_type": ["Null characters are not allowed."]},
    }


def test_a_nul_character_in_a_header_is_a_400_naming_it_and_stores_no_key(api, body):
    response = api.post(BOOKINGS, body, format="json", headers={"Idempotency-Key": "a\x00b"})

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "Idempotency-Key": ["Null characters are not allowed."]
    }
    assert_nothing_booked()


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/appointments/not-a-uuid/"),
        ("get", "/api/v1/appointments/not.a.uuid/"),
        ("post", "/api/v1/appointments/123/cancel/"),
        ("post", "/api/v1/appointments/not.a.uuid/reschedule/"),
        ("get", "/api/v1/therapists/1.5/"),
        ("get", "/api/v1/no-such-thing/"),
        ("get", "/api/v2/"),
    ],
)
def test_an_unknown_api_address_or_id_is_a_json_404(db, method, path):
    response = getattr(APIClient(), method)(path, {}, format="json")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "not_found"


def test_an_unknown_page_of_the_site_is_still_the_studios_html_page(client: Client, db):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


@pytest.mark.parametrize("page", ["0", "abc", "99999", "-1", "", "last"])
def test_a_page_that_does_not_exist_is_a_404_not_found(api, db, page):
    response = api.get("/api/v1/offerings/", {"page": page})

    assert response.status_code == 404
    assert response.json()["error"] == {
        "code": "not_found",
        "message": "Invalid page.",
        "fields": {},
    }


@pytest.mark.parametrize("size", ["abc", "0", "-1", "1.5", ""])
def test_a_page_size_that_is_not_a_whole_number_above_zero_is_a_400(api, db, size):
    response = api.get("/api/v1/offerings/", {"page_size": size})

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert list(error["fields"]) == ["page_size"]


def test_an_empty_filter_is_a_400_naming_it_rather_than_no_filter(api, db):
    response = api.get("/api/v1/offerings/", {"massage_type": ""})

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["massage_type"]


def test_an_empty_status_on_the_staff_list_is_a_400_on_status(admin_user):
    staff = APIClient()
    staff.force_authenticate(admin_user)

    response = staff.get(BOOKINGS, {"status": ""})

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["status"]


def test_a_page_size_is_honoured_and_capped():
    def size(given: str) -> int:
        request = Request(APIRequestFactory().get("/", {"page_size": given}))
        return Pagination().get_page_size(request)

    assert size("3") == 3
    assert size("100000") == Pagination.max_page_size


def test_a_small_page_size_pages_the_list(api, db):
    body = api.get("/api/v1/offerings/", {"page_size": "2"}).json()

    assert len(body["results"]) == 2
    assert body["next"] is not None


@pytest.mark.parametrize(
    ("content_type", "text"),
    [
        ("application/x-www-form-urlencoded", "offering=1&start=2027-03-02T10:00Z"),
        (
            "multipart/form-data; boundary=b",
            '--b\r\nContent-Disposition: form-data; name="offering"\r\n\r\n1\r\n--b--\r\n',
        ),
        ("text/plain", "{}"),
    ],
)
def test_a_body_that_is_not_json_is_a_415_and_books_nothing(api, body, content_type, text):
    response = api.post(BOOKINGS, text, content_type=content_type)

    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_media_type"
    assert_nothing_booked()
