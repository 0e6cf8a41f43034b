"""DRF's request throttle: one atomic counter per caller and window, by the real client address."""

import threading
import time

import pytest
from django.test import RequestFactory
from rest_framework.request import Request
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from studio.throttling import AnonRateThrottle, Window, count_hit


@pytest.fixture
def rates(monkeypatch):
    def set_rates(anon: str, user: str = "1000/minute") -> None:
        monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"anon": anon, "user": user})

    return set_rates


def seconds_into_minute_are_safe() -> None:
    """Wait out the last seconds of a minute, so that a burst stays in one window."""
    while time.time() % 60 > 55:
        time.sleep(0.2)


@pytest.mark.django_db
def test_a_forged_x_forwarded_for_does_not_escape_the_anonymous_throttle(rates, settings):
    settings.TRUSTED_PROXIES = 0
    rates("3/minute")
    seconds_into_minute_are_safe()
    api = APIClient(REMOTE_ADDR="198.51.100.7")

    answers = [
        api.get("/api/v1/therapists/", HTTP_X_FORWARDED_FOR=f"203.0.113.{number}")
        for number in range(6)
    ]

    assert [answer.status_code for answer in answers] == [200] * 3 + [429] * 3
    assert answers[-1].json()["error"]["code"] == "throttled"
    assert 1 <= int(answers[-1]["Retry-After"]) <= 60


@pytest.mark.django_db
def test_clients_behind_a_trusted_proxy_are_counted_apart(rates, settings):
    settings.TRUSTED_PROXIES = 1
    rates("2/minute")
    seconds_into_minute_are_safe()
    api = APIClient(REMOTE_ADDR="10.0.0.2")

    first = [api.get("/api/v1/therapists/", HTTP_X_FORWARDED_FOR="198.51.100.7") for _ in range(3)]
    other = api.get("/api/v1/therapists/", HTTP_X_FORWARDED_FOR="198.51.100.8")

    assert [answer.status_code for answer in first] == [200, 200, 429]
    assert other.status_code == 200


def test_the_anonymous_throttle_lets_exactly_its_rate_through_from_many_threads(rates):
    """DRF's own throttle, a list read and written back, let 135 of 150 through 120."""
    rates("25/minute")
    seconds_into_minute_are_safe()
    factory = RequestFactory()
    allowed: list[bool] = []
    start_line = threading.Barrier(60)

    def ask() -> None:
        request = Request(factory.get("/api/v1/therapists/", REMOTE_ADDR="198.51.100.7"))
        start_line.wait()
        allowed.append(AnonRateThrottle().allow_request(request, None))

    threads = [threading.Thread(target=ask) for _ in range(60)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert allowed.count(True) == 25
    assert allowed.count(False) == 35


@pytest.mark.redis
def test_counts_from_many_threads_add_up_on_redis():
    key = Window.around(1_000_000.0, 60).key("probe")
    results: list[int] = []

    def hit() -> None:
        results.extend(count_hit(key, timeout=120) for _ in range(50))

    threads = [threading.Thread(target=hit) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results) == list(range(1, 401))


def test_a_window_says_how_long_is_left_of_it():
    window = Window.around(3600 * 5 + 59.5, 3600)

    assert window.seconds_left(3600 * 5 + 59.5) == 3541
    assert window.key("throttle") == "throttle:3600:5"
