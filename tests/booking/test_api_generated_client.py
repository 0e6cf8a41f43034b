"""A Python client generated from the API's schema books, reads and cancels.

`openapi-python-client` turns the schema the app serves into a package;
the test imports it and drives a live server with it, as an integration
would. It fails when the schema tells a client something the API does
not do: a body type the API refuses, a header it cannot send, an answer
its models cannot parse.
"""

import importlib
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from rest_framework.authtoken.models import Token

from booking.models import Appointment, IdempotencyKey

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("migrated_data_around_module"),
]

PACKAGE = "studio_client"
GENERATOR = Path(sys.executable).parent / "openapi-python-client"
# No formatting hook: the generator would look for ruff on PATH, and
# the test needs only the code, not its looks.
CONFIG = "post_hooks: []\n"


@pytest.fixture(scope="module")
def generated(live_server, tmp_path_factory, django_db_blocker) -> Iterator[ModuleType]:
    """The client package generated from the schema the live server serves.

    Made once for the module: generating takes a few seconds.
    """
    tmp_path = tmp_path_factory.mktemp("generated")
    with django_db_blocker.unblock():
        schema = httpx.get(f"{live_server.url}/api/v1/schema/?format=json", timeout=30)
    assert schema.status_code == 200
    (tmp_path / "schema.json").write_bytes(schema.content)
    (tmp_path / "config.yml").write_text(CONFIG)
    result = subprocess.run(
        [
            str(GENERATOR),
            "generate",
            "--path",
            str(tmp_path / "schema.json"),
            "--output-path",
            str(tmp_path / PACKAGE),
            "--meta",
            "none",
            "--config",
            str(tmp_path / "config.yml"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    # A part of the schema the generator cannot follow is left out of the
    # client with a warning: none may be.
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Warning" not in result.stdout + result.stderr, result.stdout + result.stderr
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(tmp_path))
        for name in [name for name in sys.modules if name.partition(".")[0] == PACKAGE]:
            del sys.modules[name]


def next_working_day(after_days: int) -> date:
    """A studio-local weekday past the notice and the guests' cancellation cut-off."""
    day = timezone.now().astimezone(ZoneInfo("Europe/Berlin")).date() + timedelta(days=after_days)
    return day if day.weekday() != 6 else day + timedelta(days=1)


def part(name: str) -> ModuleType:
    return importlib.import_module(f"{PACKAGE}.{name}")


@pytest.fixture
def guest(generated, live_server) -> Iterator[Any]:
    """A guest's client: no credentials.

    The generator types every operation that accepts credentials as
    needing them, though the schema makes them optional (`{}`); a guest
    sends none, so a plain client it is. Closed at the end, so that no
    connection of it reaches the live server after the test.
    """
    with generated.Client(base_url=live_server.url, raise_on_unexpected_status=True) as client:
        yield client


@pytest.fixture
def crm(generated, live_server, django_user_model) -> Iterator[Any]:
    """An integration's client, with the token of a user in the `integrations` group."""
    user = django_user_model.objects.create_user("crm")
    user.groups.add(Group.objects.get(name="integrations"))
    with generated.AuthenticatedClient(
        base_url=live_server.url,
        token=Token.objects.create(user=user).key,
        prefix="Token",
        raise_on_unexpected_status=True,
    ) as client:
        yield client


def test_a_generated_client_books_reads_and_cancels(guest, classical, anna, two_rooms):
    models = part("models")
    day = next_working_day(3)

    free = part("api.availability.availability_retrieve").sync_detailed(
        client=guest, offering=classical.id, start=day, end=day
    )
    assert free.status_code == 200
    slot = free.parsed.slots[0]
    asked = models.AppointmentCreateRequest(
        offering=classical.id,
        start=slot.start,
        client=models.ClientInputRequest(
            name="Mira Example", email="mira@example.com", phone="+49 30 1234567"
        ),
        consent=True,
    )
    create = part("api.appointments.appointments_create")
    booked = create.sync_detailed(client=guest, body=asked, idempotency_key="generated-1")
    again = create.sync_detailed(client=guest, body=asked, idempotency_key="generated-1")

    assert booked.status_code == 201
    created = booked.parsed
    assert isinstance(created, models.AppointmentCreated)
    assert created.start == slot.start
    assert created.status == models.StatusEnum.CONFIRMED
    assert again.status_code == 201
    assert again.parsed.id == created.id

    read = part("api.appointments.appointments_retrieve").sync_detailed(
        created.id, client=guest, x_manage_token=created.manage_token
    )

    assert read.status_code == 200
    assert isinstance(read.parsed, models.Appointment)
    assert (read.parsed.id, read.parsed.client.email) == (created.id, "mira@example.com")

    later = free.parsed.slots[-1]
    moved = part("api.appointments.appointments_reschedule_create").sync_detailed(
        created.id,
        client=guest,
        body=models.AppointmentRescheduleRequest(start=later.start),
        x_manage_token=created.manage_token,
    )

    assert moved.status_code == 200
    assert moved.parsed.start == later.start

    cancelled = part("api.appointments.appointments_cancel_create").sync_detailed(
        created.id,
        client=guest,
        body=models.AppointmentCancelRequest(reason="Plans changed."),
        x_manage_token=created.manage_token,
    )

    assert cancelled.status_code == 200
    assert cancelled.parsed.status == models.StatusEnum.CANCELLED
    stored = Appointment.objects.get()
    assert (stored.pk, stored.status, stored.source) == (created.id, "cancelled", "api")
    assert IdempotencyKey.objects.get().appointment_id == created.id


def test_a_generated_client_lists_for_an_integration_by_its_token(crm, classical, anna, two_rooms):
    models = part("models")
    day = next_working_day(3)
    start = part("api.availability.availability_retrieve").sync(
        client=crm, offering=classical.id, start=day, end=day
    )
    booked = part("api.appointments.appointments_create").sync(
        client=crm,
        body=models.AppointmentCreateRequest(
            offering=classical.id,
            start=start.slots[0].start,
            client=models.ClientInputRequest(
                name="Mira Example", email="mira@example.com", phone="+49 30 1234567"
            ),
        ),
    )

    listed = part("api.appointments.appointments_list").sync_detailed(
        client=crm, date=day, status=models.AppointmentsListStatus.CONFIRMED
    )
    offerings = part("api.offerings.offerings_list").sync_detailed(client=crm, page_size=100)
    therapists = part("api.therapists.therapists_list").sync_detailed(client=crm)

    assert listed.status_code == 200
    assert [appointment.id for appointment in listed.parsed.results] == [booked.id]
    assert classical.id in {offering.id for offering in offerings.parsed.results}
    assert [therapist.id for therapist in therapists.parsed.results] == [anna.id]


def test_a_generated_client_reads_a_refusal_in_the_error_shape(guest):
    models = part("models")

    refused = part("api.appointments.appointments_retrieve").sync_detailed(
        "0b8f3c1e-2a7d-4a57-9a4e-4b7d3d0f5c11", client=guest, x_manage_token="wrong"
    )

    assert refused.status_code == 404
    assert isinstance(refused.parsed, models.Error)
    assert refused.parsed.error.code == "not_found"


def test_the_schema_offers_the_guests_headers_and_json_bodies_only(live_server):
    schema = httpx.get(f"{live_server.url}/api/v1/schema/?format=json", timeout=30).json()
    paths = schema["paths"]

    def headers(path: str, method: str) -> set[str]:
        parameters = paths[path][method].get("parameters", [])
        return {p["name"] for p in parameters if p["in"] == "header"}

    # Every operation reads Accept-Language (studio.language).
    assert headers("/api/v1/appointments/", "post") == {"Idempotency-Key", "Accept-Language"}
    for action in ["", "cancel/", "reschedule/"]:
        method = "get" if not action else "post"
        assert headers(f"/api/v1/appointments/{{id}}/{action}", method) == {
            "X-Manage-Token",
            "Accept-Language",
        }
    bodies = [
        operation["requestBody"]["content"]
        for operations in paths.values()
        for operation in operations.values()
        if "requestBody" in operation
    ]
    assert bodies
    assert all(set(content) == {"application/json"} for content in bodies)
