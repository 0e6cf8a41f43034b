"""The webhooks section of the OpenAPI schema: what a subscriber's URL receives.

Listed in SPECTACULAR_SETTINGS["WEBHOOKS"]; one entry per event type,
each a POST of the event body, signed (README, "Webhooks").
"""

from typing import Any

from drf_spectacular.utils import OpenApiWebhook, extend_schema, inline_serializer
from rest_framework import serializers

from booking.api.visit_serializers import VisitSerializer
from notifications import webhooks

_HEADERS = (
    "Headers: `X-Studio-Event` (the type), `X-Studio-Delivery` (the delivery's id), "
    '`X-Studio-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">` with '
    "the subscription's secret. Answer 2xx within the timeout; anything else is retried "
    "with back-off, and redirects are not followed."
)

_PAYMENT = inline_serializer(
    name="WebhookPayment",
    fields={
        "id": serializers.IntegerField(),
        "kind": serializers.CharField(),
        "method": serializers.CharField(),
        "amount": serializers.DecimalField(max_digits=10, decimal_places=2),
        "currency": serializers.CharField(),
        "visit": serializers.UUIDField(allow_null=True),
        "payment": serializers.IntegerField(allow_null=True),
        "gateway_reference": serializers.CharField(),
        "created_at": serializers.DateTimeField(),
    },
)


def _event(name: str, data: Any) -> Any:
    return inline_serializer(
        name=name,
        fields={
            "id": serializers.UUIDField(help_text="The event's id: the same on every retry."),
            "type": serializers.CharField(),
            "created": serializers.DateTimeField(),
            "data": data,
        },
    )


_VISIT_EVENT = _event("WebhookVisitEvent", VisitSerializer())
_PAYMENT_EVENT = _event("WebhookPaymentEvent", _PAYMENT)
_WAITLIST_EVENT = _event("WebhookWaitlistEvent", serializers.DictField())


def _webhook(event_type: str, body: Any) -> OpenApiWebhook:
    return OpenApiWebhook(
        name=event_type,
        decorator=extend_schema(
            summary=str(webhooks.EVENT_TYPES[event_type]),
            description=_HEADERS,
            request=body,
            responses={200: None},
        ),
    )


VISIT_BOOKED = _webhook(webhooks.VISIT_BOOKED, _VISIT_EVENT)
VISIT_MOVED = _webhook(webhooks.VISIT_MOVED, _VISIT_EVENT)
VISIT_CANCELLED = _webhook(webhooks.VISIT_CANCELLED, _VISIT_EVENT)
VISIT_COMPLETED = _webhook(webhooks.VISIT_COMPLETED, _VISIT_EVENT)
VISIT_NO_SHOW = _webhook(webhooks.VISIT_NO_SHOW, _VISIT_EVENT)
PAYMENT_RECEIVED = _webhook(webhooks.PAYMENT_RECEIVED, _PAYMENT_EVENT)
PAYMENT_REFUNDED = _webhook(webhooks.PAYMENT_REFUNDED, _PAYMENT_EVENT)
WAITLIST_OFFER_MADE = _webhook(webhooks.WAITLIST_OFFER_MADE, _WAITLIST_EVENT)
WAITLIST_OFFER_TAKEN = _webhook(webhooks.WAITLIST_OFFER_TAKEN, _WAITLIST_EVENT)
