"""Cards online through Stripe, with the official `stripe` package.

Configured by STRIPE_SECRET_KEY, STRIPE_PUBLISHABLE_KEY,
STRIPE_WEBHOOK_SECRET and STRIPE_API_BASE (Stripe's own address by
default; the tests point it at localstripe, a fake Stripe server). The
client pays in the browser with Stripe.js and the PaymentIntent's client
secret; the studio learns of the payment from the signed webhook.

A card is saved for fees later with the PaymentIntent's
`setup_future_usage`; localstripe does not know that parameter, so with
STRIPE_SAVE_CARD_BY_ATTACHING (tests only) the card is attached to the
customer after the payment instead.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import stripe
from django.conf import settings
from django.utils.translation import gettext

from payments.backends.base import (
    BaseBackend,
    GatewayPayment,
    GatewayRefund,
    InvalidSignature,
    PaymentError,
    WebhookEvent,
)

# Currencies without a minor unit, in Stripe's terms (of those a studio may use).
ZERO_DECIMAL = frozenset({"JPY", "KRW", "HUF"})

# A signed webhook older than this is a replay, refused (Stripe's own default).
WEBHOOK_TOLERANCE_SECONDS = 300

# PaymentIntent statuses in the studio's words.
_STATUS = {
    "succeeded": "succeeded",
    "canceled": "cancelled",
    "processing": "pending",
    "requires_payment_method": "pending",
    "requires_confirmation": "pending",
    "requires_action": "pending",
    "requires_capture": "pending",
}


def minor_units(amount: Decimal, currency: str) -> int:
    if currency.upper() in ZERO_DECIMAL:
        return int(amount)
    return int((amount * 100).to_integral_value())


def major_units(amount: int, currency: str) -> Decimal:
    if currency.upper() in ZERO_DECIMAL:
        return Decimal(amount)
    return (Decimal(amount) / 100).quantize(Decimal("0.01"))


class StripeBackend(BaseBackend):
    name = "stripe"
    takes_online = True

    def __init__(self) -> None:
        self.client = stripe.StripeClient(
            settings.STRIPE_SECRET_KEY,
            base_addresses={"api": settings.STRIPE_API_BASE},
            max_network_retries=2,
        )

    def create_payment(
        self,
        *,
        amount: Decimal,
        currency: str,
        description: str,
        email: str,
        metadata: dict[str, str],
        save_card: bool,
        idempotency_key: str,
    ) -> GatewayPayment:
        params: dict[str, Any] = {
            "amount": minor_units(amount, currency),
            "currency": currency.lower(),
            # localstripe refuses `description`; the metadata carries it.
            "metadata": {**metadata, "description": description},
            "payment_method_types": ["card"],
        }
        try:
            if save_card:
                customer = self.client.v1.customers.create(
                    params={"email": email, "metadata": metadata} if email else {},
                    options={"idempotency_key": f"{idempotency_key}-customer"},
                )
                params["customer"] = customer.id
                if not settings.STRIPE_SAVE_CARD_BY_ATTACHING:
                    params["setup_future_usage"] = "off_session"
            intent = self.client.v1.payment_intents.create(
                params=params,  # type: ignore[arg-type]  # built up as a plain dict above
                options={"idempotency_key": idempotency_key},
            )
        except stripe.StripeError as error:
            raise PaymentError(_message_of(error)) from error
        return _payment_of(intent)

    def charge_saved_card(
        self,
        *,
        card_customer: str,
        card_method: str,
        amount: Decimal,
        currency: str,
        description: str,
        metadata: dict[str, str],
        idempotency_key: str,
    ) -> GatewayPayment:
        try:
            intent = self.client.v1.payment_intents.create(
                params={
                    "amount": minor_units(amount, currency),
                    "currency": currency.lower(),
                    "customer": card_customer,
                    "payment_method": card_method,
                    "metadata": {**metadata, "description": description},
                    "off_session": True,
                    "confirm": True,
                },
                options={"idempotency_key": idempotency_key},
            )
        except stripe.CardError as error:
            raise PaymentError(_message_of(error), code="card_declined") from error
        except stripe.StripeError as error:
            raise PaymentError(_message_of(error)) from error
        return _payment_of(intent)

    def refund(
        self, *, payment_reference: str, amount: Decimal, currency: str, idempotency_key: str
    ) -> GatewayRefund:
        try:
            refund = self.client.v1.refunds.create(
                params={
                    "payment_intent": payment_reference,
                    "amount": minor_units(amount, currency),
                },
                options={"idempotency_key": idempotency_key},
            )
        except stripe.StripeError as error:
            raise PaymentError(_message_of(error)) from error
        return GatewayRefund(
            reference=refund.id,
            amount=major_units(refund.amount, currency),
            status=refund.status or "pending",
        )

    def cancel(self, *, payment_reference: str) -> None:
        try:
            intent = self.client.v1.payment_intents.retrieve(payment_reference)
            if intent.status in ("succeeded", "canceled", "processing"):
                return
            self.client.v1.payment_intents.cancel(payment_reference)
        except stripe.StripeError as error:
            raise PaymentError(_message_of(error)) from error

    def retrieve(self, *, payment_reference: str) -> GatewayPayment:
        try:
            intent = self.client.v1.payment_intents.retrieve(payment_reference)
        except stripe.StripeError as error:
            raise PaymentError(_message_of(error)) from error
        payment = _payment_of(intent)
        if payment.status == "succeeded" and intent.customer and intent.payment_method:
            payment = self._with_card(payment, intent)
        return payment

    def start_card_entry(self, *, payment_reference: str) -> str:
        """A SetupIntent of the payment's customer: Stripe.js's `confirmCardSetup` takes the card.

        The website takes the card this way (Stripe's own and localstripe's
        scripts both support it), then `pay_with_card_entry` pays with it;
        the API's callers may use the PaymentIntent's secret directly.
        """
        try:
            intent = self.client.v1.payment_intents.retrieve(payment_reference)
            params: dict[str, Any] = {"usage": "off_session", "payment_method_types": ["card"]}
            if intent.customer:
                params["customer"] = _id_of(intent.customer)
            setup = self.client.v1.setup_intents.create(params=params)  # type: ignore[arg-type]  # a plain dict
        except stripe.StripeError as error:
            raise PaymentError(_message_of(error)) from error
        return str(setup.client_secret)

    def pay_with_card_entry(
        self, *, payment_reference: str, entry_reference: str
    ) -> GatewayPayment:
        try:
            setup = self.client.v1.setup_intents.retrieve(entry_reference)
            intent = self.client.v1.payment_intents.retrieve(payment_reference)
            customer = _id_of(intent.customer) if intent.customer else None
            setup_customer = _id_of(setup.customer) if setup.customer else None
            if (
                setup.status != "succeeded"
                or not setup.payment_method
                or setup_customer != customer
            ):
                raise PaymentError(gettext("The card was not taken. Please enter it again."))
            if intent.status in ("succeeded", "processing"):
                return _payment_of(intent)
            # localstripe does not confirm with a payment_method parameter:
            # the card is set on the intent first, then it is confirmed.
            self.client.v1.payment_intents.update(
                payment_reference, params={"payment_method": _id_of(setup.payment_method)}
            )
            intent = self.client.v1.payment_intents.confirm(payment_reference)
        except stripe.CardError as error:
            raise PaymentError(_message_of(error), code="card_declined") from error
        except stripe.StripeError as error:
            raise PaymentError(_message_of(error)) from error
        return _payment_of(intent)

    def parse_webhook(self, *, body: bytes, signature: str) -> WebhookEvent:
        secret = settings.STRIPE_WEBHOOK_SECRET
        if not secret:
            raise InvalidSignature(gettext("No webhook secret is configured."))
        try:
            stripe.WebhookSignature.verify_header(
                body.decode("utf-8"), signature, secret, tolerance=WEBHOOK_TOLERANCE_SECONDS
            )
        except (stripe.SignatureVerificationError, UnicodeDecodeError) as error:
            raise InvalidSignature() from error
        try:
            event = json.loads(body)
            kind = str(event["type"])
            reference = str(event["id"])
            obj = event["data"]["object"]
        except (ValueError, KeyError, TypeError) as error:
            raise InvalidSignature(gettext("The webhook's body is not a Stripe event.")) from error
        payment = None
        if obj.get("object") == "payment_intent":
            payment = _payment_of_dict(obj)
        return WebhookEvent(reference=reference, kind=kind, payment=payment, raw=event)

    def browser_config(self) -> dict[str, str]:
        return {
            "publishable_key": settings.STRIPE_PUBLISHABLE_KEY,
            "js_url": settings.STRIPE_JS_URL,
        }

    def _with_card(self, payment: GatewayPayment, intent: Any) -> GatewayPayment:
        """The payment with the card it saved: attached now where the gateway needs it."""
        customer = _id_of(intent.customer)
        method = _id_of(intent.payment_method)
        try:
            if settings.STRIPE_SAVE_CARD_BY_ATTACHING:
                self.client.v1.payment_methods.attach(method, params={"customer": customer})
            card = self.client.v1.payment_methods.retrieve(method).card
        except stripe.StripeError as error:
            raise PaymentError(_message_of(error)) from error
        return GatewayPayment(
            reference=payment.reference,
            status=payment.status,
            client_secret=payment.client_secret,
            customer_reference=customer,
            method_reference=method,
            card_brand=str(getattr(card, "brand", "") or ""),
            card_last4=str(getattr(card, "last4", "") or ""),
        )


def _id_of(value: Any) -> str:
    return str(value if isinstance(value, str) else value.id)


def _payment_of(intent: Any) -> GatewayPayment:
    error = intent.last_payment_error
    return GatewayPayment(
        reference=intent.id,
        status=_STATUS.get(intent.status, "pending") if not error else "failed",
        client_secret=intent.client_secret or "",
        failure_message=(error.message or "") if error else "",
    )


def _payment_of_dict(obj: dict[str, Any]) -> GatewayPayment:
    error = obj.get("last_payment_error") or {}
    status = _STATUS.get(str(obj.get("status")), "pending")
    return GatewayPayment(
        reference=str(obj["id"]),
        status="failed" if error and status != "succeeded" else status,
        failure_message=str(error.get("message") or ""),
        customer_reference=str(obj.get("customer") or ""),
        method_reference=str(obj.get("payment_method") or ""),
    )


def _message_of(error: stripe.StripeError) -> str:
    return error.user_message or gettext("The payment could not be made.")
