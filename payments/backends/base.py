"""What every payment backend does, in the studio's words.

Amounts are Decimals in the currency's main unit (euros); a backend
converts to what its gateway wants. A backend talks to the network:
the services call it outside their transactions (STYLE.md), then record
what it answered.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _


class PaymentError(Exception):
    """The gateway refused or failed; `message` says why, for the client or staff."""

    default_message = _("The payment could not be made.")

    def __init__(self, message: str | None = None, *, code: str = "payment_failed") -> None:
        self.message = message or str(self.default_message)
        self.code = code
        super().__init__(self.message)


class InvalidSignature(PaymentError):
    """A webhook whose signature does not verify: refused, nothing done."""

    default_message = _("The webhook's signature is not valid.")


@dataclass(frozen=True)
class GatewayPayment:
    """A payment as the gateway sees it."""

    reference: str
    # "succeeded", "pending" (waiting for the client or the bank),
    # "failed" or "cancelled".
    status: str
    client_secret: str = ""
    failure_message: str = ""
    # The card saved with it, when the client agreed (for fees later).
    customer_reference: str = ""
    method_reference: str = ""
    card_brand: str = ""
    card_last4: str = ""


@dataclass(frozen=True)
class GatewayRefund:
    reference: str
    amount: Decimal
    status: str


@dataclass(frozen=True)
class WebhookEvent:
    """One event a gateway's webhook reported, verified."""

    reference: str
    kind: str
    payment: GatewayPayment | None = None
    raw: dict[str, Any] = field(default_factory=dict)


class BaseBackend:
    """A payment gateway. `takes_online` is False for one that takes no money online."""

    name = "base"
    takes_online = False

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
        """Start a payment the client completes in the browser."""
        raise PaymentError(str(_("Payments online are not available.")), code="not_online")

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
        """Charge a saved card without the client (a fee): succeeds or fails at once."""
        raise PaymentError(str(_("Payments online are not available.")), code="not_online")

    def refund(
        self, *, payment_reference: str, amount: Decimal, currency: str, idempotency_key: str
    ) -> GatewayRefund:
        raise PaymentError(str(_("Payments online are not available.")), code="not_online")

    def cancel(self, *, payment_reference: str) -> None:
        """Cancel a payment not yet made (its hold expired); nothing if already final."""
        raise PaymentError(str(_("Payments online are not available.")), code="not_online")

    def retrieve(self, *, payment_reference: str) -> GatewayPayment:
        raise PaymentError(str(_("Payments online are not available.")), code="not_online")

    def start_card_entry(self, *, payment_reference: str) -> str:
        """A secret for the gateway's script to take a card for this payment (the website).

        The card goes from the browser to the gateway, never to the studio.
        """
        raise PaymentError(str(_("Payments online are not available.")), code="not_online")

    def pay_with_card_entry(
        self, *, payment_reference: str, entry_reference: str
    ) -> GatewayPayment:
        """Pay with the card the browser gave the gateway (`start_card_entry`).

        Asks the gateway which card that was, so the browser's word is not
        trusted. Raises PaymentError (code `card_declined`) with the reason.
        """
        raise PaymentError(str(_("Payments online are not available.")), code="not_online")

    def parse_webhook(self, *, body: bytes, signature: str) -> WebhookEvent:
        """Verify and read a webhook; raises InvalidSignature."""
        raise InvalidSignature()

    def browser_config(self) -> dict[str, str]:
        """What the payment page's script needs (a publishable key, the script's URL)."""
        return {}
