"""schemathesis over the whole API schema: no 500, and every answer as the schema says.

Each operation gets cases generated from its schema, valid ones and
deliberately invalid ones (negative data), sent to the Django WSGI app
in the test's transaction. A seeded offering with a therapist, rooms
and working hours lets some bookings and availability answers succeed;
an integration's token reaches the staff endpoints.
"""

from collections import Counter
from collections.abc import Iterator
from datetime import time

import pytest
import schemathesis
import time_machine
from django.contrib.auth.models import Group
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from rest_framework.throttling import SimpleRateThrottle
from schemathesis.checks import (
    negative_data_rejection,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from tests.booking.conftest import NOW
from tests.factories import TherapistFactory, give_hours, rooms

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
# Cases per operation: enough to reach every branch of the input checks
# while the whole run stays well under two minutes.
EXAMPLES_PER_OPERATION = 20
# What was sent, per operation: tests/studio/conftest.py reports the figure.
calls: Counter[str] = Counter()


# Loaded once, when pytest collects this file: serving the schema reads
# no table. (schemathesis.pytest.from_fixture would load it per test, but
# does not run under pytest 9.)
schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", get_wsgi_application())


@pytest.fixture(autouse=True)
def studio(db, monkeypatch) -> Iterator[None]:
    """A bookable studio, at a fixed time, without the anonymous throttle's limit."""
    # One test sends hundreds of requests from one address.
    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {"anon": "100000/minute", "user": "100000/minute"}
    )
    therapist = TherapistFactory.create(name="Anna", slug="anna")
    give_hours(therapist, (time(9), time(18)), weekdays=range(6))
    rooms(2)
    # The WSGI app closes the database connection after each request, as
    # it should between requests; here that connection holds the test's
    # transaction, so keep it open as Django's test client does.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        with time_machine.travel(NOW, tick=False):
            yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def token(django_user_model) -> str:
    user = django_user_model.objects.create_user("crm")
    user.groups.add(Group.objects.get(name="integrations"))
    return Token.objects.create(user=user).key


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    # The cases share the test's `db` and studio on purpose; schemathesis
    # filters generated data (valid JSON, headers), which Hypothesis's
    # checks for speed and filtering would otherwise stop.
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.large_base_example,
    ],
)
def test_the_api_answers_every_generated_request_as_its_schema_says(case, token):
    calls[case.operation.label] += 1
    case.call_and_validate(headers={"Authorization": f"Token {token}"}, checks=CHECKS)
