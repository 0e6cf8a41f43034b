"""Helpers of the money tests: cards saved at localstripe, deposits paid online."""

from __future__ import annotations

from decimal import Decimal

import stripe
from django.conf import settings
from django.db import transaction

from booking.models import Visit
from booking.services import Actor
from payments.backends import get_backend
from payments.models import Entry, Payment, PaymentPolicy, SavedCard
from payments.services import record_entry
from payments.services.ledger import Movement

CLIENT = Actor(label="guest")


def gateway() -> stripe.StripeClient:
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY, base_addresses={"api": settings.STRIPE_API_BASE}
    )


def card_method(number: str) -> str:
    method = gateway().v1.payment_methods.create(
        params={
            "type": "card",
            "card": {"number": number, "exp_month": 12, "exp_year": 2030, "cvc": "123"},
        }
    )
    return str(method.id)


def save_card(visit: Visit, number: str) -> SavedCard:
    """A card of `number` saved for the visit's client, as paying online would leave it."""
    client = gateway()
    customer = client.v1.customers.create()
    method = card_method(number)
    client.v1.payment_methods.attach(method, params={"customer": customer.id})
    return SavedCard.objects.create(
        client=visit.client,
        backend="stripe",
        customer_reference=customer.id,
        method_reference=method,
        brand="visa",
        last4=number[-4:],
    )


def pay_deposit_online(visit: Visit, amount: str, number: str) -> Payment:
    """A deposit paid at localstripe and recorded, as the online booking leaves it."""
    backend = get_backend()
    started = backend.create_payment(
        amount=Decimal(amount),
        currency="EUR",
        description="Deposit",
        email=visit.contact_email,
        metadata={"visit": str(visit.pk)},
        save_card=False,
        idempotency_key=f"test-deposit-{visit.pk}",
    )
    client = gateway()
    client.v1.payment_intents.update(
        started.reference, params={"payment_method": card_method(number)}
    )
    client.v1.payment_intents.confirm(started.reference)
    with transaction.atomic():
        payment = Payment.objects.create(
            purpose=Payment.Purpose.DEPOSIT,
            status=Payment.Status.SUCCEEDED,
            client=visit.client,
            visit=visit,
            amount=Decimal(amount),
            currency="EUR",
            backend="stripe",
            gateway_reference=started.reference,
        )
        record_entry(
            movement=Movement(Entry.Kind.DEPOSIT, Entry.Method.ONLINE, Decimal(amount), "EUR"),
            actor=CLIENT,
            visit=visit,
            payment=payment,
            gateway_reference=started.reference,
        )
    return payment


def studio_policy(**fields: object) -> PaymentPolicy:
    return PaymentPolicy.objects.create(offering=None, **fields)


def ledger(visit: Visit) -> list[tuple[str, str, Decimal]]:
    return list(
        Entry.objects.filter(visit=visit).order_by("id").values_list("kind", "method", "amount")
    )
