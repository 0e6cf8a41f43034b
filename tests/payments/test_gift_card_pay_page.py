"""The one pay page: a gift card's code on a visit's, and a gift card bought with the SetupIntent."""

from decimal import Decimal

import pytest
from django.urls import reverse

from booking.models import Visit
from payments.models import Entry, GiftCard, Payment
from payments.selectors import gift_card_balance
from tests.factories import sold_gift_card
from tests.payments.conftest import card_entered
from tests.payments.test_gift_cards_online import start
from tests.payments.test_pay_pages import booked  # noqa: F401 (a fixture, found by name)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


def gift_card_url(payment: Payment) -> str:
    return reverse("payments:gift_card", kwargs={"payment_id": payment.pk})


def test_a_gift_card_that_covers_the_deposit_confirms_without_a_card(client, booked):  # noqa: F811
    card, code = sold_gift_card("50.00")

    answer = client.post(gift_card_url(booked), {"code": code})

    lead = Visit.objects.get().appointments.get()
    confirmation = reverse("booking:confirmation", kwargs={"appointment_id": lead.pk})
    assert (answer.status_code, answer["Location"]) == (303, confirmation)
    html = client.get(confirmation).content.decode()
    assert "Your massage is booked" in html
    assert "Paid with your gift card: €7. No card was needed." in html
    assert "no card is needed" in html
    assert Visit.objects.get().status == Visit.Status.CONFIRMED
    assert gift_card_balance(card) == Decimal("43.00")


def test_a_wrong_code_is_said_on_the_field_and_the_card_still_pays(client, booked):  # noqa: F811
    answer = client.post(gift_card_url(booked), {"code": "nope"})

    assert answer.status_code == 400
    html = answer.content.decode()
    assert "There is no gift card with this code" in html
    assert "Pay €7" in html
    assert not Entry.objects.exists()
    assert Payment.objects.get().status == Payment.Status.PENDING


def test_a_spent_gift_card_is_said_on_the_field(client, booked):  # noqa: F811
    card, code = sold_gift_card("10.00")
    Entry.objects.create(
        kind="gift_card_redemption",
        method="gift_card",
        amount=card.amount,
        currency="EUR",
        gift_card=card,
    )

    answer = client.post(gift_card_url(booked), {"code": code})

    assert answer.status_code == 409
    assert "This gift card has been spent in full." in answer.content.decode()


def test_a_gift_card_is_bought_on_the_one_pay_page_with_the_cards_setup(client, stripe_backend):
    payment = start(client)

    page = client.get(reverse("gift_cards:gift_card_pay", args=[payment.pk])).content.decode()
    assert "Pay for the gift card" in page
    assert 'data-entry-secret="seti_' in page
    assert "payments/pay.js" in page
    answer = client.post(
        reverse("gift_cards:gift_card_card", args=[payment.pk]), {"entry": card_entered(payment)}
    )
    paid_url = reverse("gift_cards:gift_card_paid", args=[payment.pk])
    assert answer.json() == {"next": paid_url}

    paid = client.get(paid_url)
    assert paid.context["code"]
    card = GiftCard.objects.get()
    assert card.is_paid and gift_card_balance(card) == Decimal("60.00")
    assert Payment.objects.get().status == Payment.Status.SUCCEEDED


def test_the_first_pay_page_gone_back_to_leads_to_the_rest_or_the_confirmation(
    client,
    booked,  # noqa: F811
):
    _card, code = sold_gift_card("5.00")
    client.post(gift_card_url(booked), {"code": code})
    rest = Payment.objects.get(status=Payment.Status.PENDING)

    for name in ("payments:pay", "payments:status"):
        again = client.get(reverse(name, kwargs={"payment_id": booked.pk}))
        assert again["Location"] == reverse("payments:pay", kwargs={"payment_id": rest.pk})

    _card, code = sold_gift_card("50.00")
    client.post(gift_card_url(rest), {"code": code})
    lead = Visit.objects.get().appointments.get()
    confirmation = reverse("booking:confirmation", kwargs={"appointment_id": lead.pk})
    assert (
        client.get(reverse("payments:status", kwargs={"payment_id": rest.pk}))["Location"]
        == confirmation
    )
    html = client.get(confirmation).content.decode()
    assert "Paid with your gift card: €7. No card was needed." in html
