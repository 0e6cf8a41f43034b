"""The settings module refuses unsafe or unreadable configuration at start-up."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from studio.env import env_bool, env_int, env_list, env_str

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "x7!k2-production-like-key-that-is-long-and-random-enough-0192837465",
    "ALLOWED_HOSTS": "booking.example.com",
}


def run_django(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "SECRET_KEY_FILE"}
    }
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = run_django("check", DEBUG="0", ALLOWED_HOSTS="booking.example.com")

    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = run_django("check", DEBUG="0", SECRET_KEY=PRODUCTION["SECRET_KEY"])

    assert result.returncode != 0
    assert "ALLOWED_HOSTS must be set when DEBUG is off" in result.stderr


def test_production_settings_pass_the_deployment_checklist():
    result = run_django("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)

    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_the_secret_key_can_come_from_a_file(tmp_path):
    key_file = tmp_path / "secret"
    key_file.write_text(PRODUCTION["SECRET_KEY"] + "\n")
    env = {**PRODUCTION, "SECRET_KEY_FILE": str(key_file)}
    del env["SECRET_KEY"]

    result = run_django("check", "--deploy", "--fail-level", "WARNING", **env)

    assert result.returncode == 0, result.stderr


def test_an_unknown_studio_time_zone_is_refused():
    result = run_django("check", DEBUG="1", STUDIO_TIME_ZONE="Europe/Atlantis")

    assert result.returncode != 0
    assert "STUDIO_TIME_ZONE" in result.stderr


def test_a_slot_step_that_does_not_divide_the_hour_is_refused():
    result = run_django("check", DEBUG="1", STUDIO_SLOT_STEP_MINUTES="45")

    assert result.returncode != 0
    assert "STUDIO_SLOT_STEP_MINUTES must divide an hour" in result.stderr


def test_a_boolean_that_is_not_one_is_refused_with_its_name(monkeypatch):
    monkeypatch.setenv("EMAIL_USE_TLS", "maybe")

    with pytest.raises(ImproperlyConfigured, match="EMAIL_USE_TLS"):
        env_bool("EMAIL_USE_TLS", default=False)


@pytest.mark.parametrize(
    ("raw", "expected"), [("1", True), ("true", True), ("0", False), ("", False)]
)
def test_booleans_read_the_usual_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("FLAG", raw)

    assert env_bool("FLAG", default=not expected) is expected


def test_a_number_below_its_minimum_is_refused(monkeypatch):
    monkeypatch.setenv("EMAIL_PORT", "0")

    with pytest.raises(ImproperlyConfigured, match="EMAIL_PORT: must be at least 1"):
        env_int("EMAIL_PORT", default=25, minimum=1)


def test_a_number_that_is_not_one_is_refused(monkeypatch):
    monkeypatch.setenv("EMAIL_PORT", "twenty-five")

    with pytest.raises(ImproperlyConfigured, match="EMAIL_PORT: expected a whole number"):
        env_int("EMAIL_PORT", default=25)


def test_lists_are_comma_separated_and_trimmed(monkeypatch):
    monkeypatch.setenv("ALLOWED_HOSTS", " a.example , b.example,, ")

    assert env_list("ALLOWED_HOSTS") == ["a.example", "b.example"]


def test_an_unreadable_secret_file_is_refused_with_its_name(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY_FILE", str(tmp_path / "missing"))

    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY_FILE"):
        env_str("SECRET_KEY")


def test_a_reminder_lease_no_longer_than_one_send_is_refused():
    result = run_django(
        "check", **PRODUCTION, STUDIO_REMINDER_LEASE_SECONDS="30", EMAIL_TIMEOUT="30"
    )

    assert result.returncode != 0
    assert "STUDIO_REMINDER_LEASE_SECONDS must be longer than EMAIL_TIMEOUT" in result.stderr


def test_a_short_monitoring_token_is_refused():
    result = run_django("check", **PRODUCTION, STUDIO_MONITORING_TOKEN="guessable")

    assert result.returncode != 0
    assert "STUDIO_MONITORING_TOKEN: use at least 32 random characters" in result.stderr


def test_an_unknown_phone_region_stops_the_start():
    result = run_django("check", DEBUG="1", STUDIO_PHONE_REGION="XX")

    assert result.returncode != 0
    assert "STUDIO_PHONE_REGION: expected a region such as DE or AT, got 'XX'" in result.stderr


@pytest.mark.parametrize("region", ["XX", "DE-XX"])
def test_unknown_public_holidays_stop_the_start(region):
    result = run_django("check", DEBUG="1", STUDIO_HOLIDAYS=region)

    assert result.returncode != 0
    assert "STUDIO_HOLIDAYS: expected a country or a country and its subdivision" in result.stderr


def test_a_country_and_its_state_are_known_public_holidays():
    assert run_django("check", DEBUG="1", STUDIO_HOLIDAYS="de-be").returncode == 0
