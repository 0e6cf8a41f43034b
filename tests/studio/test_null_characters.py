"""A NUL character in a query anywhere is a 400, never a 500.

PostgreSQL refuses NUL in text, so a value that reaches a query (an
admin list filter, say) ended in a 500 outside the API, whose own guard
answered only under /api/. Found against a live server.
"""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

APPOINTMENTS = reverse("admin:booking_appointment_changelist")


@pytest.mark.parametrize(
    "url",
    [APPOINTMENTS, reverse("admin:notifications_message_changelist"), reverse("catalog:catalog")],
)
def test_a_nul_character_in_a_query_outside_the_api_is_a_400(admin_client, url):
    # PostgreSQL refuses NUL in text: a list filter holding one was a 500.
    response = admin_client.get(url, {"status__exact": "\x00"})

    assert response.status_code == 400


def test_a_nul_character_in_a_query_name_outside_the_api_is_a_400(client):
    response = client.get(reverse("catalog:catalog") + "?a%00b=1")

    assert response.status_code == 400
