"""A package or a gift card bought online is completed by the gateway's webhook.

Whichever comes first, the webhook or the buyer's return page, writes the
sale once, as a sale (never as a visit's deposit).
"""

from decimal import Decimal

import pytest

from payments.models import Entry, GiftCard, Package, Payment
from payments.selectors import gift_card_balance, sessions_left
from payments.services import gift_cards, online, packages
from tests.booking.conftest import NOW
from tests.payments.conftest import CARD_OK, gateway_event, signed
from tests.payments.test_stripe_backend import _card, _pay_in_browser

pytestmark = pytest.mark.django_db


def _webhook(kind: str, payment: Payment) -> None:
    body = gateway_event(kind, payment)
    online.handle_webhook(body=body, signature=signed(body), now=NOW)


def test_the_webhook_makes_a_package_bought_online_usable(stripe_backend, classical, guest_details):
    package = Package.objects.create(
        name="Ten classical", offering=classical, sessions=10, price=Decimal("300.00")
    )
    payment = packages.start_package_purchase(
        package=package, client_details=guest_details, now=NOW
    )
    _pay_in_browser(payment.gateway_reference, _card(CARD_OK))

    _webhook("payment_intent.succeeded", payment)
    _webhook("payment_intent.succeeded", payment)  # delivered again

    assert payment.client_package is not None
    payment.client_package.refresh_from_db()
    assert sessions_left(payment.client_package) == 10
    assert list(Entry.objects.values_list("kind", "amount")) == [
        ("package_sale", Decimal("300.00"))
    ]


def test_the_webhook_pays_a_gift_card_bought_online_once(stripe_backend):
    payment = gift_cards.start_gift_card_purchase(
        amount=Decimal("50.00"),
        currency="EUR",
        buyer_name="Mira Example",
        buyer_email="mira@example.com",
        recipient_name="Olga",
        recipient_email="",
        message="",
        language="en",
        now=NOW,
    )
    _pay_in_browser(payment.gateway_reference, _card(CARD_OK))

    _webhook("payment_intent.succeeded", payment)
    # The buyer's page comes after: the card is paid already, no second code.
    assert gift_cards.complete_gift_card_purchase(payment=payment, now=NOW) is None

    card = GiftCard.objects.get()
    assert card.is_paid
    assert gift_card_balance(card) == Decimal("50.00")
    assert list(Entry.objects.values_list("kind", "amount")) == [
        ("gift_card_sale", Decimal("50.00"))
    ]
