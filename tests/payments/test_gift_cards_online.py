"""Gift cards bought online through Stripe (localstripe), and the public balance page."""

from decimal import Decimal

import pytest
import stripe
from django.core import mail
from django.test import Client as WebClient
from django.urls import reverse

from payments.codes import normalise_code
from payments.models import Entry, GiftCard, Payment
from payments.selectors import gift_card_balance
from payments.services import complete_gift_card_purchase
from payments.services.gift_cards import find_gift_card
from tests.factories import sold_gift_card
from tests.payments.conftest import CARD_DECLINED, CARD_OK
from tests.payments.test_stripe_backend import _card, _pay_in_browser

pytestmark = pytest.mark.django_db

PURCHASE = {
    "amount": "60.00",
    "buyer_name": "Mira Example",
    "buyer_email": "mira@example.com",
    "recipient_name": "Olga",
    "recipient_email": "olga@example.com",
    "message": "Happy birthday!",
}


def start(web: WebClient) -> Payment:
    response = web.post(reverse("gift_cards:gift_cards"), PURCHASE)
    assert response.status_code == 303, response.content
    return Payment.objects.get()


def test_with_pay_at_the_studio_the_page_says_gift_cards_are_sold_there(client):
    page = client.get(reverse("gift_cards:gift_cards")).content.decode()

    assert "Gift cards are sold at the studio" in page
    assert client.post(reverse("gift_cards:gift_cards"), PURCHASE).status_code == 200
    assert not GiftCard.objects.exists()


def test_a_card_bought_online_shows_its_code_once_and_is_in_the_ledger(
    client, stripe_backend, django_capture_on_commit_callbacks
):
    payment = start(client)
    assert client.get(reverse("gift_cards:gift_card_pay", args=[payment.pk])).status_code == 200
    _pay_in_browser(payment.gateway_reference, _card(CARD_OK))

    with django_capture_on_commit_callbacks(execute=True):
        page = client.get(reverse("gift_cards:gift_card_paid", args=[payment.pk]))

    code = page.context["code"]
    assert code and find_gift_card(code) == payment.gift_card
    card = GiftCard.objects.get()
    assert card.is_paid and gift_card_balance(card) == Decimal("60.00")
    [sale] = Entry.objects.filter(gift_card=card)
    assert (sale.kind, sale.method, sale.amount) == ("gift_card_sale", "online", Decimal("60.00"))
    assert sale.gateway_reference == payment.gateway_reference
    to = sorted(address for message in mail.outbox for address in message.to)
    assert "olga@example.com" in to and "mira@example.com" in to
    codes = [m for m in mail.outbox if "Your gift card" in m.subject]
    assert all(normalise_code(code) in normalise_code(str(m.body)) for m in codes)
    again = client.get(reverse("gift_cards:gift_card_paid", args=[payment.pk]))
    assert again.context["code"] is None
    assert "sent to you by e-mail" in again.content.decode()


def test_the_webhook_completing_it_twice_sells_it_once(client, stripe_backend):
    payment = start(client)
    _pay_in_browser(payment.gateway_reference, _card(CARD_OK))

    first = complete_gift_card_purchase(payment=payment)
    second = complete_gift_card_purchase(payment=payment)

    assert first is not None and second is None
    assert Entry.objects.filter(kind="gift_card_sale").count() == 1


def test_a_declined_card_shows_no_code_and_sells_nothing(client, stripe_backend):
    payment = start(client)
    with pytest.raises(stripe.CardError):
        _pay_in_browser(payment.gateway_reference, _card(CARD_DECLINED))

    page = client.get(reverse("gift_cards:gift_card_paid", args=[payment.pk]))

    assert page.context["code"] is None
    assert "The payment did not go through." in page.content.decode()
    assert Payment.objects.get().status == "failed"
    assert not GiftCard.objects.get().is_paid
    assert not Entry.objects.exists()


def test_another_browser_does_not_reach_the_purchase(client, stripe_backend):
    payment = start(client)

    other = WebClient()
    assert other.get(reverse("gift_cards:gift_card_paid", args=[payment.pk])).status_code == 404


def test_the_balance_page_shows_balance_and_expiry(client):
    card, code = sold_gift_card("25.00")

    page = client.post(reverse("gift_cards:gift_card_balance"), {"code": code.lower()})

    assert page.status_code == 200
    assert page.context["found"]["balance"] == Decimal("25.00")
    assert f"···· {card.code_last4}" in page.content.decode()


def test_the_balance_page_refuses_guesses_with_a_429(client, settings):
    settings.GIFT_CARD_TRIES_PER_HOUR_PER_SESSION = 3
    for _ in range(3):
        wrong = client.post(reverse("gift_cards:gift_card_balance"), {"code": "AAAABBBBCCCCDDDD"})
        assert wrong.status_code == 400
    _card_sold, code = sold_gift_card()

    refused = client.post(reverse("gift_cards:gift_card_balance"), {"code": code})

    assert refused.status_code == 429
    assert "Too many gift card codes were tried" in refused.content.decode()
