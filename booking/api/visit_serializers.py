"""Shapes of the visits and courses API: input serializers validate, output ones render.

A visit is what a client books in one go: one or more appointments,
for the client and for guests (a couples massage is two at the same
start; "foot, then back" two, one after the other). A course is a
series of visits at the same local time; each of them is a visit like
any other.
"""

from datetime import timedelta
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from booking.api.payment_fields import (
    STATUSES,
    PaymentFields,
    PaymentSerializer,
    payment_body,
    status_of,
)
from booking.api.serializers import (
    AwareDateTimeField,
    CalendarDateField,
    ClientInputSerializer,
    ClientSerializer,
    HealthSerializer,
    MassageInputSerializer,
    NotesForHealthReaders,
    OfferingTimesSerializer,
    StrictSerializer,
    check_days,
    hold_expires_field,
    notes_field,
    person_name,
)
from booking.models import Appointment, Course, Therapist, Visit
from booking.visits import MAX_APPOINTMENTS
from catalog.models import Offering
from catalog.selectors import bookable_offerings
from studio.api import IdField

# The most sessions a course holds (`Offering.course_sessions`).
MAX_SESSIONS = 30
# The most days one list of visits covers: each page's read is bounded by time.
LIST_MAX_DAYS = 31


def consent_field(what: str) -> serializers.BooleanField:
    return serializers.BooleanField(
        required=False,
        default=False,
        help_text=(
            "The client agreed that the studio keeps their details and the health answers "
            f"given (theirs and their guests') and contacts them about this {what}; "
            "recorded with the time. Needed for any health answer or notes."
        ),
    )


def notes_input_field() -> serializers.CharField:
    return serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=2000,
        help_text="What the client tells the therapists; kept only with `consent`.",
    )


class GuestInputSerializer(StrictSerializer):
    name = serializers.CharField(max_length=120, help_text="The guest's name, for the therapist.")

    def validate_name(self, value: str) -> str:
        return person_name(value)


class VisitAppointmentInputSerializer(MassageInputSerializer):
    """One massage of the visit, for the client or for a guest."""

    guest = GuestInputSerializer(
        required=False,
        allow_null=True,
        help_text="The person who receives this massage, when it is not the client.",
    )
    health = HealthSerializer(
        required=False,
        help_text=(
            "The health answers of the person who receives this massage: a guest's own; "
            "for the client's massage, give theirs here or in the visit's `health`."
        ),
    )


class VisitCreateSerializer(StrictSerializer):
    client = ClientInputSerializer(help_text="Who books: the visit's messages go to them.")
    appointments = serializers.ListField(
        child=VisitAppointmentInputSerializer(),
        min_length=1,
        max_length=MAX_APPOINTMENTS,
        help_text=(
            f"1 to {MAX_APPOINTMENTS} massages, in order: all at the same start (side by "
            "side, each with their own therapist, in one room that holds them all), or each "
            "starting where the one before ends."
        ),
    )
    health = HealthSerializer(
        required=False,
        help_text="The client's own health answers, for the massages without a `guest`.",
    )
    notes = notes_input_field()
    consent = consent_field("visit")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        """The client's answers go to their own massages, given in one place only."""
        if "health" not in attrs:
            return attrs
        clients = [
            number
            for number, appointment in enumerate(attrs["appointments"])
            if not appointment.get("guest")
        ]
        if not clients:
            raise serializers.ValidationError(
                {
                    "health": [
                        gettext(
                            "Every massage here is for a guest: give each guest's answers "
                            "with their massage."
                        )
                    ]
                }
            )
        twice = {
            f"appointments.{number}.health": [
                gettext("Give the client's health answers once: here or in the visit's health.")
            ]
            for number in clients
            if "health" in attrs["appointments"][number]
        }
        if twice:
            raise serializers.ValidationError(twice)
        return attrs

    def health_of(self, appointment: dict[str, Any]) -> dict[str, Any]:
        """The answers of the person who receives `appointment`, from the validated body."""
        if "health" in appointment:
            return dict(appointment["health"])
        if appointment.get("guest"):
            return {}
        return dict(self.validated_data.get("health") or {})


class GuestSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(read_only=True)


class VisitAppointmentSerializer(serializers.ModelSerializer[Appointment]):
    """One massage of a visit: when, which, with whom, for whom."""

    start = serializers.DateTimeField(source="start_at")
    end = serializers.DateTimeField(source="end_at")
    guest = serializers.SerializerMethodField(
        help_text="The person who receives it, when not the client; null for the client."
    )

    class Meta:
        model = Appointment
        fields = [
            "id",
            "status",
            "start",
            "end",
            "offering",
            "therapist",
            "guest",
            "price",
            "currency",
        ]
        read_only_fields = fields

    @extend_schema_field(GuestSerializer(allow_null=True))
    def get_guest(self, appointment: Appointment) -> dict[str, str] | None:
        return {"name": appointment.guest_name} if appointment.guest_name else None


class VisitSerializer(PaymentFields, NotesForHealthReaders, serializers.ModelSerializer[Visit]):
    """A visit with its appointments in start order; its notes only for who may see health data."""

    start = serializers.DateTimeField(source="start_at", help_text="When the first one starts.")
    end = serializers.DateTimeField(source="end_at", help_text="When the last one ends.")
    client = ClientSerializer(source="*", read_only=True)
    notes = notes_field()
    hold_expires_at = hold_expires_field()
    appointments = VisitAppointmentSerializer(many=True, read_only=True)

    class Meta:
        model = Visit
        fields = [
            "id",
            "status",
            "hold_expires_at",
            "expires_at",
            "payment",
            "start",
            "end",
            "course",
            "client",
            "source",
            "notes",
            "appointments",
            "created_at",
        ]
        read_only_fields = fields
        extra_kwargs = {"course": {"help_text": "The course it is a session of, or null."}}


class VisitCreatedSerializer(VisitSerializer):
    """The answer to a booking: with the token that lets the guest manage the visit."""

    class Meta(VisitSerializer.Meta):
        fields = [*VisitSerializer.Meta.fields, "manage_token"]
        read_only_fields = fields


class ListDaysQuerySerializer(serializers.Serializer[Any]):
    """The local days a staff list of visits or appointments holds: a bounded read.

    At most LIST_MAX_DAYS, from today by default, so that a list and its
    count read the days asked for, never the years of history. Not
    strict: the list's other parameters (`page`, `page_size`, filters)
    come along.
    """

    date = CalendarDateField(
        required=False, help_text="Only those starting on this day (instead of start and end)."
    )
    start = CalendarDateField(required=False, help_text="The first day (default: today).")
    end = CalendarDateField(
        required=False,
        help_text=(
            f"The last day, included (default: {LIST_MAX_DAYS - 1} days after the start; "
            f"at most {LIST_MAX_DAYS} days in all)."
        ),
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        """Resolve the days asked for into `start` and `end`."""
        if "date" in attrs:
            if "start" in attrs or "end" in attrs:
                raise serializers.ValidationError(
                    {"date": [gettext("Give a date, or a start and an end, not both.")]}
                )
            return {**attrs, "start": attrs["date"], "end": attrs["date"]}
        start = attrs.get("start") or timezone.localdate()
        end = attrs.get("end") or start + timedelta(days=LIST_MAX_DAYS - 1)
        check_days(start, end, most=LIST_MAX_DAYS)
        return {**attrs, "start": start, "end": end}


class VisitListQuerySerializer(ListDaysQuerySerializer):
    """Which visits a list holds: those starting on a few local days, in a status."""

    status = serializers.ChoiceField(choices=Visit.Status.choices, required=False)


class CoursePlanQuerySerializer(StrictSerializer):
    offering = IdField(queryset=bookable_offerings(), help_text="A massage sold as a course.")
    start = AwareDateTimeField(
        help_text="The first session's start, e.g. 2027-03-02T10:00:00+01:00."
    )
    sessions = serializers.IntegerField(
        required=False,
        min_value=2,
        max_value=MAX_SESSIONS,
        help_text=(
            "How many sessions to plan (default: the offering's `course_sessions`, as many "
            "as a booked course has)."
        ),
    )
    interval_days = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=31,
        help_text="Days from one session to the next (default: the offering's).",
    )
    therapist = IdField(
        queryset=Therapist.objects.filter(is_active=True),
        required=False,
        help_text="Only sessions with this therapist.",
    )

    def validate_offering(self, offering: Offering) -> Offering:
        if not offering.is_course:
            raise serializers.ValidationError(gettext("This massage is not sold as a course."))
        return offering


class CourseSessionPlanSerializer(serializers.Serializer[Any]):
    number = serializers.IntegerField(help_text="1 for the first session.")
    start = serializers.DateTimeField(
        source="start_at", help_text="At the first session's local time of day."
    )
    end = serializers.DateTimeField(source="end_at")
    fits = serializers.BooleanField(help_text="Whether this start can be booked.")
    alternatives = serializers.ListField(
        child=serializers.DateTimeField(),
        help_text="When it does not fit: the nearest free starts, nearest first.",
    )


class CoursePlanSerializer(OfferingTimesSerializer):
    interval_days = serializers.IntegerField()
    sessions = CourseSessionPlanSerializer(many=True)


class CourseCreateSerializer(StrictSerializer):
    offering = IdField(queryset=bookable_offerings(), help_text="A massage sold as a course.")
    starts = serializers.ListField(
        child=AwareDateTimeField(),
        min_length=2,
        max_length=MAX_SESSIONS,
        help_text=(
            "Each session's start, in order: the plan's starts, with any that does not fit "
            "replaced by one of its alternatives."
        ),
    )
    therapist = IdField(
        queryset=Therapist.objects.all(),
        required=False,
        allow_null=True,
        help_text="Leave out for any free therapist at each session.",
    )
    client = ClientInputSerializer(help_text="Who books and receives the sessions.")
    health = HealthSerializer(required=False, help_text="The client's health answers.")
    notes = notes_input_field()
    consent = consent_field("course")
    package_token = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=500,
        help_text=(
            "Pay every session with a package of this massage: the token of the package's "
            "private link (`?t=…` in its e-mail). The client's e-mail must be the package's."
        ),
    )


class CourseSerializer(serializers.ModelSerializer[Course]):
    """A course and its sessions, each a visit, in start order.

    A course is booked, held and paid for as one: its `status`,
    `expires_at` and `payment` are those of its first session, which the
    course's one payment hangs on (every session shows the same payment).
    """

    status = serializers.SerializerMethodField()
    expires_at = serializers.SerializerMethodField(
        help_text="While held (`held`, `awaiting_payment`): when every session is released."
    )
    payment = serializers.SerializerMethodField()
    sessions = VisitSerializer(many=True, read_only=True, source="visits")

    class Meta:
        model = Course
        fields = [
            "id",
            "offering",
            "interval_days",
            "session_count",
            "status",
            "expires_at",
            "payment",
            "sessions",
            "created_at",
        ]
        read_only_fields = fields

    def _first(self, course: Course) -> Visit:
        return min(course.visits.all(), key=lambda visit: (visit.start_at, str(visit.pk)))

    @extend_schema_field(serializers.ChoiceField(choices=STATUSES))
    def get_status(self, course: Course) -> str:
        first = self._first(course)
        return status_of(first, first.status)

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_expires_at(self, course: Course) -> str | None:
        expires_at = self._first(course).hold_expires_at
        return serializers.DateTimeField().to_representation(expires_at) if expires_at else None

    @extend_schema_field(PaymentSerializer(allow_null=True))
    def get_payment(self, course: Course) -> dict[str, Any] | None:
        body = payment_body(self._first(course))
        return PaymentSerializer(body).data if body is not None else None


class CourseCreatedSerializer(CourseSerializer):
    """The answer to a course booked: with the token that manages it and every session."""

    manage_token = serializers.SerializerMethodField(
        help_text="The sessions' shared manage token: for the course and each of its visits."
    )

    class Meta(CourseSerializer.Meta):
        fields = [*CourseSerializer.Meta.fields, "manage_token"]
        read_only_fields = fields

    def get_manage_token(self, course: Course) -> str:
        return course.visits.all()[0].manage_token
