"""Shapes of the booking API: input serializers validate, output ones render."""

import re
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from booking.contacts import single_line
from booking.dates import validate_on_calendar
from booking.models import Appointment, Therapist
from booking.phones import normalise_phone
from catalog.models import HealthQuestion, MassageType
from catalog.selectors import bookable_offerings
from studio.api import IdField


class StrictSerializer(serializers.Serializer[Any]):
    """Refuses fields it does not know, so nobody sets status, price or source."""

    def to_internal_value(self, data: Any) -> Any:
        unknown = sorted(set(data) - set(self.fields)) if isinstance(data, dict) else []
        refused = {name: [gettext("This field is not accepted here.")] for name in unknown}
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as error:
            # Report every problem at once, the unknown fields among them.
            if isinstance(error.detail, dict):
                raise serializers.ValidationError({**error.detail, **refused}) from error
            raise
        if refused:
            raise serializers.ValidationError(refused)
        return value


class CalendarDateField(serializers.DateField):
    """A date the studio's calendar holds (see `booking.dates`); year 1 or 9999 is a 400."""

    default_validators = [validate_on_calendar]


class AwareDateTimeField(serializers.DateTimeField):
    """A date and time with its UTC offset, on a date the calendar holds.

    A bare local time is ambiguous; year 1 or 9999 is a 400.
    """

    default_error_messages = {
        "naive": _("Give the time with its UTC offset, e.g. 2027-03-02T10:00:00+01:00."),
    }
    default_validators = [validate_on_calendar]

    def to_internal_value(self, value: Any) -> Any:
        if isinstance(value, str) and not re.search(r"(Z|[+-]\d{2}:?\d{2})$", value.strip()):
            self.fail("naive")
        return super().to_internal_value(value)


class TherapistSerializer(serializers.ModelSerializer[Therapist]):
    massage_types: serializers.SlugRelatedField[MassageType] = serializers.SlugRelatedField(
        slug_field="slug", many=True, read_only=True, help_text="The massages they give."
    )

    class Meta:
        model = Therapist
        fields = ["id", "slug", "name", "bio", "massage_types"]


class AvailabilityQuerySerializer(StrictSerializer):
    offering = IdField(queryset=bookable_offerings())
    start = CalendarDateField(help_text="First day, in the studio's time zone.")
    end = CalendarDateField(help_text="Last day, included.")
    therapist = IdField(queryset=Therapist.objects.filter(is_active=True), required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["end"] < attrs["start"]:
            raise serializers.ValidationError(
                {"end": [gettext("The end must not be before the start.")]}
            )
        days = (attrs["end"] - attrs["start"]).days + 1
        most = settings.STUDIO_AVAILABILITY_MAX_DAYS
        if days > most:
            message = ngettext(
                "Ask for at most %(count)d day at a time.",
                "Ask for at most %(count)d days at a time.",
                most,
            )
            raise serializers.ValidationError({"end": [message % {"count": most}]})
        return attrs


class SlotSerializer(serializers.Serializer[Any]):
    start = serializers.DateTimeField(source="start_at")
    end = serializers.DateTimeField(source="end_at")
    therapists = serializers.ListField(
        child=serializers.IntegerField(),
        source="therapist_ids",
        help_text="The therapists free at this time.",
    )


class AvailabilitySerializer(serializers.Serializer[Any]):
    offering = serializers.IntegerField()
    time_zone = serializers.CharField(help_text="The studio's IANA time zone.")
    slots = SlotSerializer(many=True)


class ClientInputSerializer(StrictSerializer):
    name = serializers.CharField(max_length=120)
    email = serializers.EmailField(max_length=254)
    phone = serializers.CharField(max_length=32)

    def validate_name(self, value: str) -> str:
        # One line: a line break would end the header of every e-mail to them.
        name = single_line(value)
        if not name:
            raise serializers.ValidationError(gettext("Give a name."))
        return name

    def validate_phone(self, value: str) -> str:
        try:
            return normalise_phone(value)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages, code="invalid") from None


class HealthSerializer(StrictSerializer):
    """The health questions a massage needs, one yes/no field each, and a note."""

    note = serializers.CharField(required=False, allow_blank=True, max_length=1000)

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        fields = super().get_fields()
        for question in HealthQuestion:
            fields[question.value] = serializers.BooleanField(
                required=False, help_text=question.label
            )
        return fields


class AppointmentCreateSerializer(StrictSerializer):
    offering = IdField(queryset=bookable_offerings())
    start = AwareDateTimeField()
    therapist = IdField(
        queryset=Therapist.objects.all(),
        required=False,
        allow_null=True,
        help_text="Leave out for any free therapist.",
    )
    client = ClientInputSerializer()
    health = HealthSerializer(required=False)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    consent = serializers.BooleanField(
        required=False,
        default=False,
        help_text=(
            "The client agreed that the studio keeps their details and health answers and "
            "contacts them about this appointment; recorded with the time."
        ),
    )


class AppointmentRescheduleSerializer(StrictSerializer):
    start = AwareDateTimeField()


class AppointmentCancelSerializer(StrictSerializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500)


class ClientSerializer(serializers.Serializer[Appointment]):
    """The client's details as the appointment was booked with them, not the client record.

    A guest who booked with someone else's e-mail must not read that
    person's record through their own booking.
    """

    name = serializers.CharField(source="contact_name", read_only=True)
    email = serializers.EmailField(source="contact_email", read_only=True)
    phone = serializers.CharField(source="contact_phone", read_only=True)


class AppointmentSerializer(serializers.ModelSerializer[Appointment]):
    """An appointment; its notes only for callers who may see health data.

    The view says who may, with `can_see_health` in the context; without
    it the notes are null.
    """

    start = serializers.DateTimeField(source="start_at")
    end = serializers.DateTimeField(source="end_at")
    client = ClientSerializer(source="*", read_only=True)
    notes = serializers.CharField(
        read_only=True,
        allow_null=True,
        help_text=(
            "What the client told the therapist. Null unless the caller may see health "
            "data: the guest by the manage token, or a user with `booking.view_health`."
        ),
    )

    hold_expires_at = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        help_text=(
            "For a `held` booking: when its time is released unless the client confirms it by "
            "opening the link in the confirmation e-mail (the manage token does not confirm it). "
            "Null once confirmed, and for bookings that were never held."
        ),
    )

    class Meta:
        model = Appointment
        fields = [
            "id",
            "status",
            "hold_expires_at",
            "start",
            "end",
            "offering",
            "therapist",
            "client",
            "source",
            "price",
            "currency",
            "notes",
            "created_at",
        ]
        read_only_fields = fields

    def to_representation(self, instance: Appointment) -> dict[str, Any]:
        body: dict[str, Any] = super().to_representation(instance)
        if not self.context.get("can_see_health", False):
            body["notes"] = None
        return body


class AppointmentCreatedSerializer(AppointmentSerializer):
    """The answer to a booking: with the token that lets the guest manage it."""

    class Meta(AppointmentSerializer.Meta):
        fields = [*AppointmentSerializer.Meta.fields, "manage_token"]
        read_only_fields = fields
