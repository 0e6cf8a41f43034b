"""The admin's date drill-down takes any date in the address without a 500.

Found against a live server: year 9999 has no end to compute.
"""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

APPOINTMENTS = reverse("admin:booking_appointment_changelist")
TIME_OFF = reverse("admin:booking_timeoff_changelist")


@pytest.mark.parametrize("changelist", [APPOINTMENTS, TIME_OFF])
@pytest.mark.parametrize(
    "query",
    [
        {"start_at__year": "9999"},
        {"start_at__year": "9999", "start_at__month": "12"},
        {"start_at__year": "9999", "start_at__month": "12", "start_at__day": "31"},
    ],
)
def test_the_admin_date_drill_down_past_the_last_year_is_a_bad_lookup(
    admin_client, changelist, query
):
    response = admin_client.get(changelist, query)

    # Django's answer to every lookup it cannot run: the list, flagged.
    assert response.status_code == 302
    assert response["Location"] == f"{changelist}?e=1"


def test_the_admin_date_drill_down_to_the_last_day_there_is_still_works(admin_client):
    response = admin_client.get(
        APPOINTMENTS, {"start_at__year": "9998", "start_at__month": "12", "start_at__day": "30"}
    )

    assert response.status_code == 200
