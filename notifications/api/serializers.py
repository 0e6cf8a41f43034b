"""The waitlist API's bodies."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from booking.api.serializers import ClientInputSerializer, StrictSerializer
from booking.models import Therapist
from catalog.selectors import bookable_offerings
from notifications.models import WaitlistEntry
from studio.api import IdField


class WaitlistCreateSerializer(StrictSerializer):
    client = ClientInputSerializer()
    offering = IdField(queryset=bookable_offerings())
    therapist = IdField(
        queryset=Therapist.objects.filter(is_active=True), required=False, allow_null=True
    )
    people = serializers.IntegerField(min_value=1, max_value=2, default=1)
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    time_from = serializers.TimeField()
    time_to = serializers.TimeField()


class WaitlistEntrySerializer(serializers.ModelSerializer[WaitlistEntry]):
    client = serializers.SerializerMethodField()

    class Meta:
        model = WaitlistEntry
        fields = [
            "id",
            "status",
            "client",
            "offering",
            "therapist",
            "people",
            "date_from",
            "date_to",
            "time_from",
            "time_to",
            "created_at",
        ]
        read_only_fields = fields

    def get_client(self, entry: WaitlistEntry) -> dict[str, Any]:
        return {
            "name": entry.contact_name,
            "email": entry.contact_email,
            "phone": entry.contact_phone,
        }


class WaitlistCreatedSerializer(WaitlistEntrySerializer):
    class Meta(WaitlistEntrySerializer.Meta):
        fields = [*WaitlistEntrySerializer.Meta.fields, "manage_token"]
        read_only_fields = fields
