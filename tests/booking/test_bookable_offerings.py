"""One rule of what can be booked, for the catalog, the forms, the API and the booking service."""

from typing import cast

import pytest
from django.forms import ModelChoiceField
from rest_framework.test import APIClient

from booking import errors
from booking.forms import PhoneBookingForm
from booking.models import Appointment
from booking.services import Actor, book_appointment
from catalog.models import MassageType, Offering
from catalog.selectors import active_offerings, bookable_offerings, is_bookable
from tests.booking.conftest import NOW, TUESDAY, at

pytestmark = pytest.mark.django_db


@pytest.fixture
def hidden() -> tuple[Offering, Offering]:
    """One offering switched off, and one of a massage type switched off."""
    off = Offering.objects.get(slug="classical-foot-30")
    off.is_active = False
    off.save(update_fields=["is_active"])
    of_hidden_type = Offering.objects.filter(massage_type__slug="thai").first()
    assert of_hidden_type is not None
    MassageType.objects.filter(slug="thai").update(is_active=False)
    return off, Offering.objects.select_related("massage_type").get(pk=of_hidden_type.pk)


def test_an_inactive_offering_or_type_is_not_bookable_anywhere(hidden):
    ids = set(bookable_offerings().values_list("id", flat=True))
    choices = cast(ModelChoiceField, PhoneBookingForm().fields["offering"]).queryset
    form_ids = set(choices.values_list("id", flat=True)) if choices is not None else set()

    for offering in hidden:
        assert offering.pk not in ids
        assert offering.pk not in form_ids
        assert offering not in active_offerings()
        assert is_bookable(Offering.objects.select_related("massage_type").get(pk=offering.pk)) is (
            False
        )
    assert is_bookable(Offering.objects.select_related("massage_type").get(slug="vacuum-hip-45"))


def test_the_api_refuses_an_offering_that_cannot_be_booked_as_a_400_on_offering(
    hidden, anna, two_rooms
):
    response = APIClient().post(
        "/api/v1/appointments/",
        {
            "offering": hidden[1].pk,
            "start": at(TUESDAY, "10:00").isoformat(),
            "client": {"name": "Mira", "email": "mira@example.com", "phone": "+49301234567"},
        },
        format="json",
    )

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["offering"]
    assert not Appointment.objects.exists()


def test_the_booking_service_refuses_it_too(hidden, anna, two_rooms, guest_details):
    with pytest.raises(errors.NotBookable):
        book_appointment(
            offering=hidden[1],
            start_at=at(TUESDAY, "10:00"),
            client=guest_details,
            source="api",
            actor=Actor.guest(),
            now=NOW,
        )
