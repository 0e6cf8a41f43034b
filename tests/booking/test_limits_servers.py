"""The limits hold across web processes: gunicorn with two workers, PostgreSQL and Redis.

gunicorn serves the studio from a subprocess, on a free loopback port,
against this test run's PostgreSQL database and Redis cache, behind one
(pretend) trusted proxy: the client's address is the rightmost entry of
X-Forwarded-For, and the entries before it are whatever the client
forged. Threads send more requests than the limit at once; exactly the
limit passes, whichever worker answers, and every other request is a
429 with Retry-After.

The server commits for real, so the tests are transactional
(`serialized_rollback` brings the catalog back; see tests/conftest.py).
"""

import http.client
import json
import os
import secrets
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from datetime import time as clock
from pathlib import Path
from threading import Barrier, Thread
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from booking.models import Appointment
from catalog.models import Offering
from tests.factories import TherapistFactory, give_hours, rooms

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("migrated_data_around_module"),
]

ROOT = Path(__file__).resolve().parent.parent.parent
PER_IP = 5
ANON_PER_MINUTE = 25
FLOOD = 60
THREADS = 8


def database_url() -> str:
    """The URL of this run's test database, which the server must use too."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"])
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def request(port: int, method: str, path: str, client_ip: str, payload=None):
    """One request as the proxy passes it on: the client's address last in X-Forwarded-For."""
    forged = f"203.0.113.{secrets.randbelow(250)}"
    headers = {"X-Forwarded-For": f"{forged}, {client_ip}", "Accept": "application/json"}
    body = None
    if payload is not None:
        body = json.dumps(payload).encode()
        headers["Content-Type"] = "application/json"
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.getheader("Retry-After"), json.loads(response.read())
    finally:
        conn.close()


@pytest.fixture(scope="module")
def server(django_db_setup, tmp_path_factory) -> Iterator[int]:
    """gunicorn with two workers on the test database and Redis; yields its port."""
    if "postgresql" not in settings.DATABASES["default"]["ENGINE"] or not settings.REDIS_URL:
        pytest.skip("needs PostgreSQL and Redis")
    port = free_port()
    log_path = tmp_path_factory.mktemp("gunicorn") / "server.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "studio.settings",
        "DATABASE_URL": database_url(),
        # So that the test database can be dropped once the server is gone.
        "DATABASE_CONN_MAX_AGE": "0",
        "REDIS_URL": settings.REDIS_URL,
        "CACHE_KEY_PREFIX": settings.CACHES["default"].get("KEY_PREFIX", ""),
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        # Confirmations queue up as files in a folder of their own, not on a broker.
        "CELERY_BROKER_URL": "filesystem://",
        "STUDIO_VAR_DIR": str(tmp_path_factory.mktemp("var")),
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "TRUSTED_PROXIES": "1",
        "STUDIO_LIMIT_BOOKINGS_PER_HOUR_PER_IP": str(PER_IP),
        "STUDIO_LIMIT_BOOKINGS_PER_HOUR_PER_EMAIL": "1000",
        "STUDIO_LIMIT_BOOKINGS_PER_HOUR_PER_PHONE": "1000",
        "STUDIO_LIMIT_ACTIVE_BOOKINGS": "1000",
        "STUDIO_LIMIT_ACTIVE_BOOKINGS_PER_IP": "1000",
        "API_THROTTLE_ANON": f"{ANON_PER_MINUTE}/minute",
        "LOG_LEVEL": "ERROR",
        "PYTHONWARNINGS": "ignore:No directory at:UserWarning",
    }
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "studio.wsgi:application",
                "--workers",
                "2",
                "--bind",
                f"127.0.0.1:{port}",
                "--error-logfile",
                "-",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            while not _answers(port):
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"gunicorn did not start:\n{log_path.read_text()}")
                time.sleep(0.2)
            yield port
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _answers(port: int) -> bool:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        conn.request("GET", "/health/", headers={"X-Forwarded-For": "192.0.2.1"})
        conn.getresponse().read()
        return True
    except OSError:
        return False
    finally:
        conn.close()


def stay_in_one_window(seconds: int) -> None:
    """Wait out the last 20 seconds of a fixed window, so that a burst stays in one.

    Windows of a minute also end every hour, so waiting for a minute's
    covers the hour's too.
    """
    while time.time() % seconds > seconds - 20:
        time.sleep(0.5)


def all_at_once(jobs):
    """Deal the jobs to THREADS threads that start together; their results in order."""
    results = [None] * len(jobs)
    start_line = Barrier(THREADS)

    def work(first: int) -> None:
        start_line.wait()
        for index in range(first, len(jobs), THREADS):
            results[index] = jobs[index]()

    threads = [Thread(target=work, args=(first,)) for first in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.fixture
def offering() -> Offering:
    """A therapist every day 8-20 with two rooms: an hour apart, every start is free."""
    therapist = TherapistFactory.create(name="Anna", slug="anna")
    give_hours(therapist, (clock(8), clock(20)))
    rooms(2)
    return Offering.objects.get(slug="classical-foot-30")


def hourly_starts(count: int) -> list[datetime]:
    zone = ZoneInfo(settings.STUDIO_TIME_ZONE)
    first_day = timezone.now().astimezone(zone).date() + timedelta(days=2)
    found: list[datetime] = []
    day = first_day
    while len(found) < count:
        found += [datetime.combine(day, clock(hour), tzinfo=zone) for hour in range(9, 20)]
        day += timedelta(days=1)
    return found[:count]


def booking(offering: Offering, start: datetime, number: int) -> dict:
    return {
        "offering": offering.id,
        "start": start.isoformat(),
        "client": {
            "name": f"Flood {number}",
            "email": f"flood{number}@example.com",
            "phone": f"+49 30 {2000000 + number}",
        },
    }


def test_a_booking_flood_through_two_workers_passes_exactly_the_limit(server, offering):
    starts = hourly_starts(FLOOD + 1)
    # Both the booking limit's hour and the request throttle's minute:
    # a burst across a minute's end would meet a fresh throttle count.
    stay_in_one_window(60)

    answers = all_at_once(
        [
            lambda number=number: request(
                server,
                "POST",
                "/api/v1/appointments/",
                "198.51.100.7",
                booking(offering, starts[number], number),
            )
            for number in range(FLOOD)
        ]
    )

    statuses = Counter(status for status, _, _ in answers)
    print(f"\n{FLOOD} bookings from one address, X-Forwarded-For forged: {dict(statuses)}")
    assert statuses == {201: PER_IP, 429: FLOOD - PER_IP}
    # The request throttle lets ANON_PER_MINUTE through to the booking
    # limit, which books PER_IP of them.
    refusals = Counter(body["error"]["code"] for status, _, body in answers if status == 429)
    assert refusals == {
        "rate_limited": ANON_PER_MINUTE - PER_IP,
        "throttled": FLOOD - ANON_PER_MINUTE,
    }
    for status, retry_after, _ in answers:
        if status == 429:
            assert retry_after is not None
            assert 1 <= int(retry_after) <= 3600
    assert Appointment.objects.count() == PER_IP
    # The calendar is still open to everyone else.
    other = request(
        server, "POST", "/api/v1/appointments/", "198.51.100.8", booking(offering, starts[-1], 99)
    )
    assert other[0] == 201
    assert Appointment.objects.count() == PER_IP + 1


def test_the_anonymous_throttle_holds_across_two_workers(server):
    stay_in_one_window(60)

    answers = all_at_once(
        [
            lambda: request(server, "GET", "/api/v1/therapists/", "198.51.100.9")
            for _ in range(ANON_PER_MINUTE + 15)
        ]
    )

    statuses = Counter(status for status, _, _ in answers)
    assert statuses == {200: ANON_PER_MINUTE, 429: 15}
    for status, retry_after, body in answers:
        if status == 429:
            assert body["error"]["code"] == "throttled"
            assert retry_after is not None
