"""A forged selection or action index on an admin list is a 400, never a 500.

Django filters the list by the ids posted, which fail to convert only
when the query runs: on a live server `_selected_action=abc` (or empty,
or `1e309`, or a NUL) was a 500 on every list, ours and Django's own,
and so was `index=abc`.
"""

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from tests.factories import TherapistFactory

pytestmark = pytest.mark.django_db

APPOINTMENTS = reverse("admin:booking_appointment_changelist")
THERAPISTS = reverse("admin:booking_therapist_changelist")
USERS = reverse("admin:auth_user_changelist")


@pytest.mark.parametrize("selected", ["abc", "", "1e309", "\x00"])
@pytest.mark.parametrize(
    ("url", "action"),
    [
        (APPOINTMENTS, "mark_completed"),
        (THERAPISTS, "delete_selected"),
        (USERS, "delete_selected"),
    ],
)
def test_a_forged_selection_on_an_admin_list_is_a_400(admin_client, url, action, selected):
    response = admin_client.post(
        url, {"action": action, "_selected_action": selected, "index": "0"}
    )

    assert response.status_code == 400


def test_a_forged_action_index_is_a_400(admin_client):
    therapist = TherapistFactory.create()

    response = admin_client.post(
        THERAPISTS,
        {"action": "delete_selected", "_selected_action": str(therapist.pk), "index": "abc"},
    )

    assert response.status_code == 400


def test_a_real_selection_still_reaches_the_action(admin_client, django_user_model):
    other = django_user_model.objects.create_user("other", password="pw")

    response = admin_client.post(
        USERS, {"action": "delete_selected", "_selected_action": str(other.pk), "index": "0"}
    )

    # Django's confirmation page, before anything is deleted.
    assert response.status_code == 200
    assert User.objects.filter(pk=other.pk).exists()
