"""The admin of webhook subscriptions: staff subscribe, pause, resume and rotate secrets.

A secret is shown once, when it is made (at creation or rotation), in
the message at the top of the page.
"""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from notifications import webhooks
from notifications.models import WebhookSubscription


class WebhookSubscriptionForm(forms.ModelForm[WebhookSubscription]):
    events = forms.MultipleChoiceField(
        choices=[(name, name) for name in webhooks.EVENT_TYPES],
        widget=forms.CheckboxSelectMultiple,
        label=_("events"),
    )

    class Meta:
        model = WebhookSubscription
        fields = ["url", "events"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("url"):
            webhooks.check_url(cleaned["url"])
        return cleaned


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin[WebhookSubscription]):
    form = WebhookSubscriptionForm
    # A URL typed without a scheme is an https one (Django 6's default); check_url wants https.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["url", "owner", "is_active", "failure_count", "paused_at", "paused_reason"]
    list_filter = ["is_active"]
    actions = ["pause", "resume", "rotate"]

    def get_deleted_objects(
        self, objs: Any, request: HttpRequest
    ) -> tuple[list[Any], dict[str, int], set[str], list[Any]]:
        # Its deliveries go with a subscription (delete_subscriptions): the
        # outbox's rows are never deleted by hand, so no right to that is asked.
        deleted, counts, _needed, protected = super().get_deleted_objects(objs, request)
        return deleted, counts, set(), protected

    def delete_model(self, request: HttpRequest, obj: WebhookSubscription) -> None:
        webhooks.delete_subscriptions([obj])

    def delete_queryset(
        self, request: HttpRequest, queryset: QuerySet[WebhookSubscription]
    ) -> None:
        webhooks.delete_subscriptions(list(queryset))

    def get_readonly_fields(
        self, request: HttpRequest, obj: WebhookSubscription | None = None
    ) -> list[str]:
        if obj is None:
            return []
        return ["owner", "is_active", "failure_count", "paused_at", "paused_reason", "created_at"]

    def save_model(
        self, request: HttpRequest, obj: WebhookSubscription, form: Any, change: bool
    ) -> None:
        if change:
            obj.events = webhooks.check_events(form.cleaned_data["events"])
            obj.save(update_fields=["url", "events"])
            return
        created = webhooks.create_subscription(
            url=obj.url,
            events=form.cleaned_data["events"],
            owner=request.user,  # type: ignore[arg-type]  # staff are logged in
        )
        obj.pk = created.pk
        obj.secret = created.secret
        self.message_user(
            request,
            gettext("The secret that signs its deliveries, shown this once: %(secret)s")
            % {"secret": created.secret},
            messages.WARNING,
        )

    @admin.action(description=_("Pause the selected subscriptions"))
    def pause(self, request: HttpRequest, queryset: QuerySet[WebhookSubscription]) -> None:
        for subscription in queryset:
            webhooks.pause_subscription(
                subscription=subscription, reason=gettext("Paused by staff")
            )
        self.message_user(
            request,
            ngettext(
                "%(count)d subscription paused.", "%(count)d subscriptions paused.", len(queryset)
            )
            % {"count": len(queryset)},
        )

    @admin.action(description=_("Resume the selected subscriptions"))
    def resume(self, request: HttpRequest, queryset: QuerySet[WebhookSubscription]) -> None:
        for subscription in queryset:
            webhooks.resume_subscription(subscription=subscription)
        self.message_user(
            request,
            ngettext(
                "%(count)d subscription resumed.", "%(count)d subscriptions resumed.", len(queryset)
            )
            % {"count": len(queryset)},
        )

    @admin.action(description=_("Rotate the secret (shown once)"))
    def rotate(self, request: HttpRequest, queryset: QuerySet[WebhookSubscription]) -> None:
        for subscription in queryset:
            rotated = webhooks.rotate_secret(subscription=subscription)
            self.message_user(
                request,
                gettext("New secret of %(url)s, shown this once: %(secret)s")
                % {"url": rotated.url, "secret": rotated.secret},
                messages.WARNING,
            )
