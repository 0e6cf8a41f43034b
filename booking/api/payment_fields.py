"""The payment of a booking held for it, in the API's answers.

The API stands above payments (DESIGN.md): it asks the payments app
whether a booking is held for a payment, starts the payment once the
booking has committed, and shows it. Booking's services never do.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import APIException

from booking.models import Appointment, BookingStatus, Visit
from booking.services import Actor
from catalog.models import Offering
from payments.backends import get_backend
from payments.backends.base import PaymentError
from payments.models import Payment
from payments.services import online

# A booking held until its payment arrives reads as this status.
AWAITING_PAYMENT = "awaiting_payment"
STATUSES = [*BookingStatus.values, AWAITING_PAYMENT]


class PaymentNotStarted(APIException):
    status_code = 502
    default_code = "payment_not_started"
    default_detail = "The payment could not be started, so the time was released."


class PaymentSerializer(serializers.Serializer[dict[str, Any]]):
    """What the client pays a held booking with, through the gateway's own script."""

    id = serializers.UUIDField(help_text="The payment attempt.")
    amount = serializers.DecimalField(max_digits=10, decimal_places=2)
    currency = serializers.CharField()
    status = serializers.ChoiceField(choices=Payment.Status.values)
    client_secret = serializers.CharField(
        help_text=(
            "The gateway's secret of this payment (a Stripe PaymentIntent's): give it to the "
            "gateway's script in the client's browser (`confirmCardPayment`). The booking is "
            "confirmed by the gateway's webhook, not by the browser."
        )
    )
    publishable_key = serializers.CharField(help_text="The gateway's publishable key.")
    js_url = serializers.CharField(help_text="The gateway's script (Stripe.js).")
    failure_message = serializers.CharField(
        help_text="Why a failed payment failed, or why a late one was refunded; else empty."
    )


def hold_for_payment(offerings: list[Offering], actor: Actor) -> datetime | None:
    """Until when a client's booking of these waits for its payment (None: not held)."""
    return online.payment_hold_until(offerings=offerings, actor=actor, now=timezone.now())


def start_payment(visit: Visit) -> None:
    """Start the payment of a visit just booked and held for it (a replay finds the same).

    If the gateway refuses, the visit has been released: a 502 says so.
    """
    if not visit.is_awaiting_payment:
        return
    try:
        online.payment_for_visit(visit)
    except PaymentError as error:
        raise PaymentNotStarted(error.message) from error


def payment_body(visit: Visit) -> dict[str, Any] | None:
    """The visit's newest payment for the answer; None for a visit not held for one (no query)."""
    if visit.hold_reason != Visit.HoldReason.PAYMENT:
        return None
    payment = online.latest_payment(visit)
    if payment is None:
        return None
    config = get_backend().browser_config()
    return {
        "id": payment.pk,
        "amount": payment.amount,
        "currency": payment.currency,
        "status": payment.status,
        "client_secret": payment.client_secret,
        "publishable_key": config.get("publishable_key", ""),
        "js_url": config.get("js_url", ""),
        "failure_message": payment.failure_message,
    }


def status_of(visit: Visit, status: str) -> str:
    """The booking's status, `awaiting_payment` while held for its payment."""
    if status == BookingStatus.HELD and visit.hold_reason == Visit.HoldReason.PAYMENT:
        return AWAITING_PAYMENT
    return status


class PaymentFields(serializers.Serializer[Any]):
    """`status` (with `awaiting_payment`), `expires_at` and `payment` on a visit or appointment.

    An appointment reads its visit only when held, or when its visit is
    already loaded: a booking never held for a payment costs no query.
    """

    status = serializers.SerializerMethodField()
    expires_at = serializers.DateTimeField(
        source="hold_expires_at",
        read_only=True,
        allow_null=True,
        help_text="While held (`held`, `awaiting_payment`): when the time is released.",
    )
    payment = serializers.SerializerMethodField()

    def _visit(self, booking: Visit | Appointment) -> Visit | None:
        if isinstance(booking, Visit):
            return booking
        if booking.status == BookingStatus.HELD or Appointment.visit.is_cached(booking):
            return booking.visit
        return None

    @extend_schema_field(serializers.ChoiceField(choices=STATUSES))
    def get_status(self, booking: Visit | Appointment) -> str:
        visit = self._visit(booking)
        return status_of(visit, booking.status) if visit is not None else booking.status

    @extend_schema_field(PaymentSerializer(allow_null=True))
    def get_payment(self, booking: Visit | Appointment) -> dict[str, Any] | None:
        visit = self._visit(booking)
        if visit is None:
            return None
        body = payment_body(visit)
        return PaymentSerializer(body).data if body is not None else None
