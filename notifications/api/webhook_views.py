"""`/api/v1/webhooks/`: integrations subscribe URLs to events with their token.

An integration (a user with a token and the
`notifications.add_webhooksubscription` permission, the webhooks scope)
sees and changes only the subscriptions it made.
"""

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from notifications import webhooks
from notifications.api.webhook_serializers import (
    WebhookCreatedSerializer,
    WebhookCreateSerializer,
    WebhookSerializer,
)
from notifications.models import WebhookSubscription


class HasWebhooksScope(permissions.BasePermission):
    def has_permission(self, request: Request, view: APIView) -> bool:
        return bool(
            request.user.is_authenticated
            and request.user.has_perm("notifications.add_webhooksubscription")
        )


class WebhookViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet[WebhookSubscription],
):
    """Subscriptions of the calling integration: create, list, read, delete, resume."""

    serializer_class = WebhookSerializer
    permission_classes = [HasWebhooksScope]

    def get_queryset(self) -> QuerySet[WebhookSubscription]:
        # Only its own: another integration's subscriptions are a 404.
        return WebhookSubscription.objects.filter(owner_id=self.request.user.pk).order_by("id")

    @extend_schema(
        request=WebhookCreateSerializer,
        responses={201: WebhookCreatedSerializer},
        description=(
            "Subscribe an https URL to events. The answer carries the secret that signs "
            "every delivery (`X-Studio-Signature`), shown this once. `400` naming `url` for "
            "a URL that is not https or not on a public host, `events` for an unknown type."
        ),
    )
    def create(self, request: Request) -> Response:
        wanted = WebhookCreateSerializer(data=request.data)
        wanted.is_valid(raise_exception=True)
        subscription = webhooks.create_subscription(
            url=wanted.validated_data["url"],
            events=wanted.validated_data["events"],
            owner=request.user,  # type: ignore[arg-type]  # authenticated by the permission
        )
        return Response(WebhookCreatedSerializer(subscription).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance: WebhookSubscription) -> None:
        webhooks.delete_subscriptions([instance])

    @extend_schema(
        request=None,
        responses={200: WebhookSerializer},
        description="Send again to a paused subscription, the deliveries kept meanwhile first.",
    )
    @action(detail=True, methods=["post"])
    def resume(self, request: Request, pk: str) -> Response:
        subscription = webhooks.resume_subscription(subscription=self.get_object())
        return Response(WebhookSerializer(subscription).data)
