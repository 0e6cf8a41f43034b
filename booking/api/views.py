"""The booking API: therapists, availability, appointments (visits and courses beside it).

Each view authorises, parses, calls one service or selector and renders
the result. Who may do what:
- anyone: list therapists, ask for availability, book;
- a guest: their own appointment, by the `X-Manage-Token` header;
- staff and integrations (token users with the booking permissions):
  every appointment; a therapist with a staff login: their own.
"""

import datetime
from collections.abc import Sequence
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import django_filters
from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import status, viewsets
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from booking import selectors, services
from booking.api import callers, payment_fields
from booking.api.docs import (
    EXAMPLE_CLIENT,
    IDEMPOTENCY_KEY,
    RATE_LIMITED,
    guest_detail_schemas,
)
from booking.api.serializers import (
    AppointmentCreatedSerializer,
    AppointmentCreateSerializer,
    AppointmentSerializer,
    AvailabilityQuerySerializer,
    AvailabilitySerializer,
    TherapistSerializer,
)
from booking.api.visit_serializers import LIST_MAX_DAYS, ListDaysQuerySerializer
from booking.availability import Slot, available_slots
from booking.models import Appointment, Therapist
from booking.services import access, idempotency
from booking.visits import VisitSlot, visit_slots
from catalog.models import MassageType
from studio.api import ErrorSerializer, FilterSet


class TherapistFilter(FilterSet):
    massage_type = django_filters.ModelChoiceFilter(
        field_name="massage_types",
        queryset=MassageType.objects.filter(is_active=True),
        to_field_name="slug",
        help_text="Only therapists who give the massage type with this slug.",
    )

    class Meta:
        model = Therapist
        fields = ["massage_type"]


class TherapistViewSet(viewsets.ReadOnlyModelViewSet[Therapist]):
    """The studio's therapists and the massages each gives. Public."""

    permission_classes = [AllowAny]
    serializer_class = TherapistSerializer
    filterset_class = TherapistFilter

    def get_queryset(self) -> QuerySet[Therapist]:
        return selectors.active_therapists()


class AvailabilityApi(APIView):
    """Free start times of an offering over a range of days. Public."""

    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[AvailabilityQuerySerializer],
        responses={200: AvailabilitySerializer},
        description=(
            "Days are the studio's local dates, both included, at most "
            f"{settings.STUDIO_AVAILABILITY_MAX_DAYS} of them. Times are ISO 8601 with the "
            "studio's UTC offset. With `people` (2 for a couples massage), the starts where "
            "that many qualified therapists are free at once with a room for all of them; "
            "with `then`, the starts where the massages named follow one another without a "
            "gap. Each slot's `end` is the end of the whole visit, and its `therapists` those "
            "free for the first person or massage. Book what you find with `POST /visits/`."
        ),
    )
    def get(self, request: Request) -> Response:
        query = AvailabilityQuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        wanted = query.validated_data
        offering = wanted["offering"]
        slots: Sequence[Slot | VisitSlot]
        if len(wanted["parts"]) == 1:
            therapist = wanted.get("therapist")
            slots = available_slots(
                offering=offering,
                start_on=wanted["start"],
                end_on=wanted["end"],
                therapist_id=therapist.id if therapist else None,
            )
        else:
            slots = visit_slots(
                parts=wanted["parts"],
                together=wanted["together"],
                start_on=wanted["start"],
                end_on=wanted["end"],
            )
        zone = ZoneInfo(settings.STUDIO_TIME_ZONE)
        # Rendered by hand in the shape AvailabilitySerializer documents:
        # a month has hundreds of slots, and DRF's fields cost more than
        # the engine's own work for them.
        body = {
            "offering": offering.id,
            "time_zone": settings.STUDIO_TIME_ZONE,
            "slots": [
                {
                    "start": slot.start_at.astimezone(zone).isoformat(),
                    "end": slot.end_at.astimezone(zone).isoformat(),
                    "therapists": list(slot.therapist_ids),
                }
                for slot in slots
            ],
        }
        return Response(body)


class AppointmentFilter(FilterSet):
    """The list's filters besides its days (`ListDaysQuerySerializer`)."""

    therapist = django_filters.ModelChoiceFilter(queryset=Therapist.objects.all())
    status = django_filters.ChoiceFilter(choices=Appointment.Status.choices)

    class Meta:
        model = Appointment
        fields = ["therapist", "status"]


class CanSeeAppointments(IsAuthenticated):
    """Staff and integrations with the view permission, or a therapist with a login."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        return super().has_permission(request, view) and access.may_see_appointments(request.user)


@extend_schema_view(
    list=extend_schema(
        parameters=[ListDaysQuerySerializer],
        description=(
            "Appointments starting on the days asked for, in start order. Staff and "
            f"integrations. At most {LIST_MAX_DAYS} days per list (from today by default), "
            "so that every page and its count are a bounded read; `date` asks for one day."
        ),
    ),
    **guest_detail_schemas(
        AppointmentSerializer,
        what="One appointment",
        cancelling="Cancel. Guests may until the studio's cut-off before the start.",
        moving="Move to another free start, with the same therapist.",
    ),
)
class AppointmentViewSet(callers.MovableBookingViewSet[Appointment]):
    """Book, list, read, move and cancel appointments."""

    serializer_class = AppointmentSerializer
    filterset_class = AppointmentFilter
    queryset = Appointment.objects.none()

    def get_permissions(self) -> list[Any]:
        if self.action == "list":
            return [CanSeeAppointments()]
        # Creating is open; the other actions check the token or the user.
        return [AllowAny()]

    def get_queryset(self) -> QuerySet[Appointment]:
        return access.appointments_visible_to(self.request.user)

    def list(self, request: Request) -> Response:
        days = ListDaysQuerySerializer(data=request.query_params.dict())
        days.is_valid(raise_exception=True)
        window = selectors.appointments(
            start_on=days.validated_data["start"], end_on=days.validated_data["end"]
        )
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()) & window)
        context = {"can_see_health": callers.may_read_health(request)}
        return self.get_paginated_response(
            AppointmentSerializer(page, many=True, context=context).data
        )

    @extend_schema(
        request=AppointmentCreateSerializer,
        # Shown in the docs; schemathesis also sends it, so a run books once.
        examples=[
            OpenApiExample(
                "A booking",
                request_only=True,
                value={
                    "offering": 1,
                    "start": "2027-03-02T10:00:00+01:00",
                    "client": EXAMPLE_CLIENT,
                    "health": {"vein_problems": False},
                    "consent": True,
                },
            )
        ],
        parameters=[IDEMPOTENCY_KEY],
        responses={
            201: AppointmentCreatedSerializer,
            409: OpenApiResponse(
                ErrorSerializer,
                description=(
                    "The time is not free (`slot_unavailable`), or a request with this "
                    "Idempotency-Key still runs (`idempotency_key_in_progress`)."
                ),
            ),
            429: RATE_LIMITED,
            422: OpenApiResponse(
                ErrorSerializer,
                description="The Idempotency-Key was used before with a different body.",
            ),
        },
        description=(
            "Book a massage. Open to anyone; guests keep the `manage_token`. Callers without "
            "a token are held to the studio's limits per address, e-mail and phone (429). "
            "When the studio holds bookings made without a token, the answer is "
            '`status: "held"` with `hold_expires_at`: the client confirms the booking by '
            "opening the link in the confirmation e-mail, or its time is released then. When "
            "the studio's payment policy asks for money online, a client's booking answers "
            '`status: "awaiting_payment"` with `expires_at` and a `payment` to pay with the '
            "gateway's script; the gateway's webhook confirms it."
        ),
    )
    def create(self, request: Request) -> Response:
        key = request.headers.get("Idempotency-Key")
        if key is None:
            return self._created(request, self._book(request))
        owner = idempotency.key_owner(
            user_id=request.user.pk if request.user.is_authenticated else None, body=request.data
        )
        claimed = idempotency.claim(owner=owner, key=key, body=request.data)
        if isinstance(claimed, idempotency.Replay):
            return self._created(request, claimed.appointment, status_code=claimed.status)
        try:
            # The service keeps the key with the booking, as it commits.
            appointment = self._book(request, claimed)
        except BaseException:
            # Only a booking made is kept: after a refusal the corrected
            # body, or the same one once the time is free, runs anew.
            idempotency.release(claimed)
            raise
        return self._created(request, appointment)

    def _book(self, request: Request, claimed: idempotency.Claim | None = None) -> Appointment:
        given = AppointmentCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        fields = given.validated_data
        actor = callers.actor_for(request)
        hold = payment_fields.hold_for_payment([fields["offering"]], actor)
        with callers.limited(request, fields["client"]) as booked_from:
            return services.book_appointment(
                offering=fields["offering"],
                start_at=fields["start"],
                therapist=fields.get("therapist"),
                client=services.ClientDetails(**fields["client"]),
                health=fields.get("health") or {},
                notes=fields.get("notes", ""),
                has_consent=fields["consent"],
                source=Appointment.Source.API,
                actor=actor,
                booked_from=booked_from,
                # `?lang=`, else Accept-Language (studio.language): the messages follow it.
                language=request.LANGUAGE_CODE,
                idempotency_key=claimed,
                hold_for_payment_until=hold,
            )

    def _created(
        self,
        request: Request,
        appointment: Appointment,
        *,
        status_code: int = status.HTTP_201_CREATED,
    ) -> Response:
        """The answer to a booking, rendered from the row: a replay reads the same.

        Notes only for a caller who may read them anyway. A booking held
        for its payment gets it started first, after the booking committed
        (a replay finds the same payment).
        """
        if appointment.is_held:
            payment_fields.start_payment(appointment.visit)
        context = {"can_see_health": services.can_see_health(request.user)}
        body = AppointmentCreatedSerializer(appointment, context=context).data
        return Response(body, status=status_code)

    def for_guest(self, booking_id: UUID, token: str) -> Appointment | None:
        return selectors.appointment_for_guest(
            appointment_id=booking_id, manage_token=token, now=timezone.now()
        )

    def visible_to(self, user: access.User) -> QuerySet[Appointment]:
        return access.appointments_visible_to(user)

    def cancel_booking(
        self, booking: Appointment, *, actor: services.Actor, reason: str
    ) -> Appointment:
        return services.cancel_appointment(appointment=booking, actor=actor, reason=reason)

    def reschedule_booking(
        self, booking: Appointment, *, start_at: datetime.datetime, actor: services.Actor
    ) -> Appointment:
        return services.reschedule_appointment(appointment=booking, start_at=start_at, actor=actor)

    def counted_on(self, booking: Appointment) -> Appointment:
        return booking
