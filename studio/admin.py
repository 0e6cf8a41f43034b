"""The studio's identity in the admin: one form, never a list of rows."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from modeltranslation.admin import TranslationAdmin

from studio.identity import identity_defaults, save_profile
from studio.models import StudioProfile


@admin.register(StudioProfile)
class StudioProfileAdmin(TranslationAdmin[StudioProfile]):
    """The one profile: the list opens its form; a new one starts from the settings."""

    fields = ("name", "address", "phone", "email", "hours_note", "map_url")
    # An address typed without a scheme is an https one (Django 6's default).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def has_delete_permission(self, request: HttpRequest, obj: StudioProfile | None = None) -> bool:
        # Deleting it would quietly bring back the settings' identity.
        return False

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """Straight to the form: the saved profile's, or a new one's."""
        if StudioProfile.objects.filter(pk=StudioProfile.SINGLETON_ID).exists():
            url = reverse("admin:studio_studioprofile_change", args=[StudioProfile.SINGLETON_ID])
        else:
            url = reverse("admin:studio_studioprofile_add")
        return HttpResponseRedirect(url)

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        return identity_defaults()

    def save_model(
        self, request: HttpRequest, obj: StudioProfile, form: ModelForm[StudioProfile], change: bool
    ) -> None:
        save_profile(obj)
