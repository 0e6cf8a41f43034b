"""Shapes of the booking API: input serializers validate, output ones render."""

import copy
import datetime
import re
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from booking import errors
from booking.api.payment_fields import PaymentFields
from booking.contacts import single_line
from booking.dates import validate_on_calendar
from booking.models import Appointment, Therapist
from booking.phones import normalise_phone
from booking.visits import MAX_APPOINTMENTS, Part, check_parts
from catalog.models import HealthQuestion, MassageType, Offering
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


def check_days(start: datetime.date, end: datetime.date, *, most: int) -> None:
    """Refuse a range of days that ends before it starts or holds more than `most` (400 on end)."""
    if end < start:
        raise serializers.ValidationError(
            {"end": [gettext("The end must not be before the start.")]}
        )
    if (end - start).days + 1 > most:
        message = ngettext(
            "Ask for at most %(count)d day at a time.",
            "Ask for at most %(count)d days at a time.",
            most,
        )
        raise serializers.ValidationError({"end": [message % {"count": most}]})


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
    therapist = IdField(
        queryset=Therapist.objects.filter(is_active=True),
        required=False,
        help_text="Only starts with this therapist (for the first person or massage).",
    )
    people = serializers.IntegerField(
        required=False,
        default=1,
        min_value=1,
        max_value=MAX_APPOINTMENTS,
        help_text=(
            "How many people have the massage side by side, each with their own therapist, "
            "in one room that holds them all: 2 for a couples massage. At most the "
            "offering's `max_people`."
        ),
    )
    then = serializers.RegexField(
        rf"^[0-9]{{1,18}}(,[0-9]{{1,18}}){{0,{MAX_APPOINTMENTS - 2}}}$",
        required=False,
        help_text=(
            "Offering ids, comma separated, of the massages that follow, each starting where "
            "the one before ends (e.g. foot, then back). For one person. Each slot's `end` is "
            "then the end of the last massage."
        ),
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        """Add the visit asked for: its `parts`, and whether they go `together`."""
        check_days(attrs["start"], attrs["end"], most=settings.STUDIO_AVAILABILITY_MAX_DAYS)
        offering, people = attrs["offering"], attrs["people"]
        therapist = attrs.get("therapist")
        following = self._following(attrs)
        # The first person's (or massage's) therapist may be chosen.
        parts = [
            Part(offering=offering, therapist_id=therapist.id if therapist else None),
            *(Part(offering=offering) for _ in range(people - 1)),
            *(Part(offering=then) for then in following),
        ]
        try:
            check_parts(parts, together=people > 1)
        except errors.BookingError as refusal:
            field = "then" if following else "people"
            raise serializers.ValidationError({field: [refusal.message]}) from None
        return {**attrs, "parts": parts, "together": people > 1}

    def _following(self, attrs: dict[str, Any]) -> list[Offering]:
        """The offerings of `then`, in its order."""
        if "then" not in attrs:
            return []
        if attrs["people"] > 1:
            message = gettext("A massage to follow is booked for one person: leave out people.")
            raise serializers.ValidationError({"then": [message]})
        ids = [int(given) for given in attrs["then"].split(",")]
        found = bookable_offerings().in_bulk(ids)
        unknown = [str(given) for given in ids if given not in found]
        if unknown:
            message = gettext("No massage can be booked with the id %(id)s.")
            raise serializers.ValidationError({"then": [message % {"id": unknown[0]}]})
        return [found[given] for given in ids]


class SlotSerializer(serializers.Serializer[Any]):
    start = serializers.DateTimeField(source="start_at")
    end = serializers.DateTimeField(source="end_at")
    therapists = serializers.ListField(
        child=serializers.IntegerField(),
        source="therapist_ids",
        help_text="The therapists free at this time.",
    )


class OfferingTimesSerializer(serializers.Serializer[Any]):
    """Times of an offering, with the zone their offsets are of."""

    offering = serializers.IntegerField()
    time_zone = serializers.CharField(help_text="The studio's IANA time zone.")


class AvailabilitySerializer(OfferingTimesSerializer):
    slots = SlotSerializer(many=True)


def person_name(value: str) -> str:
    """A person's name as bookings keep it: one line, not empty.

    One line: a line break would end the header of every e-mail to them.
    """
    name = single_line(value)
    if not name:
        raise serializers.ValidationError(gettext("Give a name."))
    return name


class ClientInputSerializer(StrictSerializer):
    name = serializers.CharField(max_length=120)
    email = serializers.EmailField(max_length=254)
    phone = serializers.CharField(max_length=32)

    def validate_name(self, value: str) -> str:
        return person_name(value)

    def validate_phone(self, value: str) -> str:
        try:
            return normalise_phone(value)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages, code="invalid") from None


class HealthSerializer(StrictSerializer):
    """The health questions a massage needs, one yes/no field each (null: not asked), and a note."""

    note = serializers.CharField(required=False, allow_blank=True, max_length=1000)

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        fields = super().get_fields()
        for question in HealthQuestion:
            fields[question.value] = serializers.BooleanField(
                required=False, allow_null=True, help_text=question.label
            )
        return fields


class MassageInputSerializer(StrictSerializer):
    """One massage wanted: which, when, and with whom."""

    offering = IdField(queryset=bookable_offerings())
    start = AwareDateTimeField()
    therapist = IdField(
        queryset=Therapist.objects.all(),
        required=False,
        allow_null=True,
        help_text="Leave out for any free therapist.",
    )


class AppointmentCreateSerializer(MassageInputSerializer):
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


class ClientSerializer(serializers.Serializer[Any]):
    """The client's details as the booking was made with them, not the client record.

    A guest who booked with someone else's e-mail must not read that
    person's record through their own booking.
    """

    name = serializers.CharField(source="contact_name", read_only=True)
    email = serializers.EmailField(source="contact_email", read_only=True)
    phone = serializers.CharField(source="contact_phone", read_only=True)


def notes_field() -> serializers.CharField:
    return serializers.CharField(
        read_only=True,
        allow_null=True,
        help_text=(
            "What the client told the therapist. Null unless the caller may see health "
            "data: the guest by the manage token, or a user with `booking.view_health`."
        ),
    )


def hold_expires_field() -> serializers.DateTimeField:
    return serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        help_text=(
            "For a `held` booking: when its time is released unless the client confirms it by "
            "opening the link in the confirmation e-mail (the manage token does not confirm it). "
            "Null once confirmed, and for bookings that were never held."
        ),
    )


class NotesForHealthReaders(serializers.Serializer[Any]):
    """Renders `notes` only for callers who may see health data, else null.

    The view says who may, with `can_see_health` in the context.
    """

    def to_representation(self, instance: Any) -> dict[str, Any]:
        body: dict[str, Any] = super().to_representation(instance)
        if not self.context.get("can_see_health", False):
            body["notes"] = None
        return body


class FieldsBuiltOnce(serializers.ModelSerializer[Any]):
    """A model serializer that builds its fields from the model once, not on every request.

    ModelSerializer looks the model's fields up and builds every field
    anew for each instance it renders; an output serializer's fields
    never change, so they are built once per class, and each instance
    binds copies of its own (a bound field points at its serializer).
    """

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        built = type(self).__dict__.get("_built_fields")
        if built is None:
            built = super().get_fields()
            # Set on the class itself: a subclass builds its own.
            type(self)._built_fields = built  # type: ignore[attr-defined]
        return copy.deepcopy(built)


class AppointmentSerializer(
    PaymentFields, NotesForHealthReaders, FieldsBuiltOnce, serializers.ModelSerializer[Appointment]
):
    """An appointment; its notes only for callers who may see health data."""

    start = serializers.DateTimeField(source="start_at")
    end = serializers.DateTimeField(source="end_at")
    client = ClientSerializer(source="*", read_only=True)
    notes = notes_field()
    hold_expires_at = hold_expires_field()

    class Meta:
        model = Appointment
        fields = [
            "id",
            "status",
            "hold_expires_at",
            "expires_at",
            "payment",
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


class AppointmentCreatedSerializer(AppointmentSerializer):
    """The answer to a booking: with the token that lets the guest manage it."""

    class Meta(AppointmentSerializer.Meta):
        fields = [*AppointmentSerializer.Meta.fields, "manage_token"]
        read_only_fields = fields
