"""The website's pay page and its status page, reached only through the booking's session."""

import re
import uuid

import pytest
from django.test import Client
from django.urls import reverse

from booking.models import Visit
from booking.site_forms import slot_value
from payments.models import Payment
from payments.services import online
from tests.booking.conftest import TUESDAY, at
from tests.payments.conftest import CARD_DECLINED, card_entered, gateway_event, post_event

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


def form(start_at) -> dict:
    return {
        "idempotency_key": str(uuid.uuid4()),
        "start": slot_value(start_at),
        "therapist": "",
        "name": "Mira Example",
        "email": "mira@example.com",
        "phone": "+49 30 1234567",
        "vein_problems": "no",
        "pregnancy": "no",
        "recent_injury": "no",
        "skin_condition": "no",
        "note": "",
        "consent": "on",
    }


@pytest.fixture
def booked(client: Client, stripe_backend, deposit_policy, classical, anna, two_rooms):
    """The booking form sent: the browser is sent on to the pay page."""
    url = reverse("booking:book", kwargs={"offering_slug": classical.slug})
    response = client.post(url, form(at(TUESDAY, "10:00")))
    payment = Payment.objects.get()
    assert response.status_code == 303
    assert response["Location"] == reverse("payments:pay", kwargs={"payment_id": payment.pk})
    return payment


def status_url(payment) -> str:
    return reverse("payments:status", kwargs={"payment_id": payment.pk})


def test_the_pay_page_shows_the_deposit_the_hold_and_the_gateways_card_field(
    client, booked, stripe_backend
):
    html = client.get(reverse("payments:pay", kwargs={"payment_id": booked.pk})).content.decode()

    assert "Pay the deposit" in html
    assert "Pay €7" in html
    assert re.search(r'<time datetime="2027-03-01T08:15:00\+01:00">08:15</time>', html)
    assert f'<script src="{stripe_backend}/js.stripe.com/v3/"></script>' in html
    assert 'id="card-element"' in html
    # The card's secret is the gateway's SetupIntent's, never a token of the booking.
    assert 'data-entry-secret="seti_' in html
    assert Visit.objects.get().manage_token not in html


def test_another_browser_cannot_open_the_pay_page(booked):
    stranger = Client()

    assert (
        stranger.get(reverse("payments:pay", kwargs={"payment_id": booked.pk})).status_code == 404
    )
    assert stranger.get(status_url(booked)).status_code == 404


def test_the_status_page_waits_for_the_webhook_then_says_the_visit_is_confirmed(client, booked):
    online.pay_with_card(payment=booked, entry_reference=card_entered(booked))

    waiting = client.get(status_url(booked)).content.decode()
    assert "Waiting for the payment" in waiting
    assert 'hx-trigger="every 2s"' in waiting
    assert "Check again" in waiting

    assert post_event(Client(), gateway_event(online.SUCCEEDED, booked)).status_code == 200

    paid = client.get(status_url(booked), headers={"HX-Request": "true"}).content.decode()
    assert "Payment received, your visit is confirmed" in paid
    assert "hx-trigger" not in paid


def test_a_declined_card_says_why_and_offers_another_try(client, booked):
    answer = client.post(
        reverse("payments:card", kwargs={"payment_id": booked.pk}),
        {"entry": card_entered(booked, CARD_DECLINED)},
    )
    assert answer.json() == {"next": status_url(booked)}

    html = client.get(status_url(booked)).content.decode()
    assert "The payment did not go through" in html
    assert "declined" in html
    again = client.post(reverse("payments:retry", kwargs={"payment_id": booked.pk}))

    fresh = Payment.objects.exclude(pk=booked.pk).get()
    assert again["Location"] == reverse("payments:pay", kwargs={"payment_id": fresh.pk})
    assert fresh.status == Payment.Status.PENDING


def test_the_confirmation_of_a_paid_visit_says_what_was_paid_online(client, booked):
    online.pay_with_card(payment=booked, entry_reference=card_entered(booked))
    post_event(Client(), gateway_event(online.SUCCEEDED, booked))
    lead = Visit.objects.get().appointments.get()

    html = client.get(
        reverse("booking:confirmation", kwargs={"appointment_id": lead.pk})
    ).content.decode()

    assert "Your massage is booked" in html
    assert "Paid online: €7. The rest is paid at the studio." in html
    assert ">paid at the studio<" not in html
    # The booking's own page says the same.
    manage = client.get(reverse("booking:manage", kwargs={"appointment_id": lead.pk}))
    assert "Paid online: €7. The rest is paid at the studio." in manage.content.decode()
    assert ">paid at the studio<" not in manage.content.decode()


def test_with_pay_at_the_studio_the_confirmation_says_the_deposit_is_paid_there(
    client, deposit_policy, classical, anna, two_rooms
):
    url = reverse("booking:book", kwargs={"offering_slug": classical.slug})
    response = client.post(url, form(at(TUESDAY, "10:00")))

    html = client.get(response["Location"]).content.decode()
    assert "Your massage is booked" in html
    assert "deposit of €7 for this booking: you pay it at the studio" in html
    assert not Payment.objects.exists()
