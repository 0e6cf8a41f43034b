"""The webhooks API's shapes: what an integration sends, and what it gets back."""

from typing import Any

from rest_framework import serializers

from notifications.models import WebhookSubscription
from notifications.webhooks import EVENT_TYPES


class WebhookCreateSerializer(serializers.Serializer[Any]):
    url = serializers.URLField(max_length=500, help_text="An https URL on a public host.")
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=list(EVENT_TYPES)),
        allow_empty=False,
        help_text="The event types to receive.",
    )


class WebhookSerializer(serializers.ModelSerializer[WebhookSubscription]):
    """A subscription as its owner sees it again: without its secret."""

    active = serializers.BooleanField(source="is_active", read_only=True)
    events = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = WebhookSubscription
        fields = ["id", "url", "events", "active", "paused_reason", "created_at"]
        read_only_fields = fields


class WebhookCreatedSerializer(WebhookSerializer):
    """The answer to a subscription: with its secret, shown this once."""

    class Meta(WebhookSerializer.Meta):
        fields = [*WebhookSerializer.Meta.fields, "secret"]
        read_only_fields = fields
