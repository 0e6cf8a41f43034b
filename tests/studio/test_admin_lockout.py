"""The admin's log-in locks a username at one address after five wrong passwords."""

from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-staff-password-7193"
LIMIT = 5


@pytest.fixture(autouse=True)
def lockout_rules(settings):
    settings.AXES_FAILURE_LIMIT = LIMIT
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)
    # A fast hasher: these tests check passwords dozens of times.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def desk(django_user_model):
    return django_user_model.objects.create_user("desk", password=PASSWORD, is_staff=True)


def log_in(client: Client, password: str, **meta: Any):
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": "desk", "password": password, "next": "/admin/"},
        **meta,
    )


def fail(client: Client, times: int = LIMIT, **meta: Any) -> None:
    for _ in range(times):
        log_in(client, "wrong", **meta)


def is_logged_in(client: Client) -> bool:
    return client.get("/admin/").status_code == 200


@pytest.mark.usefixtures("desk")
def test_after_five_wrong_passwords_the_right_one_is_refused_too(client: Client):
    fail(client)

    response = log_in(client, PASSWORD)

    assert response.status_code == 429
    assert response["Retry-After"] == "900"
    assert "Wait 15 minutes and try again" in response.content.decode()
    assert not is_logged_in(client)


@pytest.mark.usefixtures("desk")
def test_four_wrong_passwords_do_not_lock_the_log_in(client: Client):
    fail(client, times=LIMIT - 1)

    assert log_in(client, PASSWORD).status_code == 302
    assert is_logged_in(client)


@pytest.mark.usefixtures("desk")
def test_the_lockout_lifts_after_the_cool_off(client: Client, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    fail(client)

    time_machine.shift(timedelta(minutes=14))
    assert log_in(client, PASSWORD).status_code == 429
    time_machine.shift(timedelta(minutes=1, seconds=1))
    assert log_in(client, PASSWORD).status_code == 302
    assert is_logged_in(client)


@pytest.mark.usefixtures("desk")
def test_the_owner_lifts_the_lockout_with_axes_reset(client: Client):
    fail(client)

    call_command("axes_reset_username", "desk")

    assert log_in(client, PASSWORD).status_code == 302


@pytest.mark.usefixtures("desk")
def test_a_forged_forwarded_for_header_does_not_dodge_the_lockout(client: Client):
    for number in range(LIMIT):
        fail(client, times=1, HTTP_X_FORWARDED_FOR=f"203.0.113.{number}")

    assert log_in(client, PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.7").status_code == 429


@pytest.mark.usefixtures("desk")
def test_a_stranger_guessing_elsewhere_does_not_lock_the_owner_out(client: Client):
    fail(client, REMOTE_ADDR="203.0.113.9")

    assert log_in(client, PASSWORD, REMOTE_ADDR="127.0.0.1").status_code == 302


@pytest.mark.usefixtures("desk")
def test_a_successful_log_in_forgets_the_earlier_failures(client: Client):
    fail(client, times=LIMIT - 1)
    assert log_in(client, PASSWORD).status_code == 302
    client.post("/admin/logout/")

    fail(client, times=LIMIT - 1)

    assert log_in(client, PASSWORD).status_code == 302
