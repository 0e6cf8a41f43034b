"""The visits API: several massages booked, moved and cancelled as one.

Who may do what, as for appointments (`booking.api.callers`):
- anyone: book a visit;
- a guest: their own visit, by the `X-Manage-Token` header;
- staff and integrations: every visit; a therapist with a login: the
  visits with an appointment of theirs.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID

from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import (
    OpenApiExample,
    extend_schema,
    extend_schema_view,
)
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from booking import selectors, services
from booking.api import callers, payment_fields
from booking.api.docs import (
    BOOKING_CONFLICT,
    EXAMPLE_CLIENT,
    IDEMPOTENCY_KEY,
    KEY_REUSED,
    MANAGE_TOKEN,
    PAYMENT_CONFLICT,
    PAYMENT_NOT_STARTED,
    RATE_LIMITED,
    guest_detail_schemas,
)
from booking.api.views import CanSeeAppointments
from booking.api.visit_serializers import (
    LIST_MAX_DAYS,
    VisitCreatedSerializer,
    VisitCreateSerializer,
    VisitListQuerySerializer,
    VisitSerializer,
)
from booking.errors import BookingError
from booking.models import Appointment, Source, Visit
from booking.services import access, idempotency
from payments.backends.base import PaymentError
from payments.errors import NotAwaitingPayment
from payments.services import online


def booked_once(
    request: Request,
    *,
    book: Callable[[idempotency.Claim | None], Visit],
    is_course: bool = False,
) -> tuple[Visit, int]:
    """Book through `book` once per `Idempotency-Key`: the visit and the status to answer.

    `book` hands the claimed key (None without a header) to the booking
    service, which keeps it with the booking as it commits. A repeat of
    the key and body gets the visit it booked (for a course, its first
    session); a refusal is not kept, so the corrected body, or the same
    one once the time is free, runs anew.
    """
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return book(None), status.HTTP_201_CREATED
    owner = idempotency.key_owner(
        user_id=request.user.pk if request.user.is_authenticated else None, body=request.data
    )
    claimed = idempotency.claim_visit(owner=owner, key=key, body=request.data, is_course=is_course)
    if isinstance(claimed, idempotency.VisitReplay):
        return claimed.visit, claimed.status
    try:
        visit = book(claimed)
    except BaseException:
        idempotency.release(claimed)
        raise
    return visit, status.HTTP_201_CREATED


def fields_of_appointments(
    fields: dict[str, list[str]], given: list[dict[str, Any]]
) -> dict[str, list[str]]:
    """The fields a refusal names, as places in the visit's body (`appointments.1.therapist`).

    The booking rules name an appointment's fields as for a booking of
    one (`start`, `therapist`, `health.pregnancy`), or by its place in
    the visit (`appointments.1.health.pregnancy`). `start` is the visit's
    start, its first appointment's: every other start follows from it.
    Another field is named on each appointment that gives it (a
    therapist asked for, its own health answers); the client's answers,
    given once for the visit, are named there (`health.pregnancy`).
    """
    named: dict[str, list[str]] = {}
    for field, reasons in fields.items():
        for place in _places(field, given):
            named[place] = reasons
    return named


def _places(field: str, given: list[dict[str, Any]]) -> list[str]:
    if field == "start":
        return ["appointments.0.start"]
    name = field.partition(".")[0]
    if name in {"offering", "therapist", "health"}:
        return [
            f"appointments.{number}.{field}"
            for number, appointment in enumerate(given)
            if appointment.get(name) is not None
        ] or [field]
    parts = field.split(".", 2)
    if len(parts) == 3 and parts[0] == "appointments" and parts[1].isdigit():
        number, rest = int(parts[1]), parts[2]
        appointment = given[number] if number < len(given) else {}
        is_the_clients = not appointment.get("guest") and appointment.get("health") is None
        if rest.startswith("health") and is_the_clients:
            # The client's answers, given once for the whole visit.
            return [rest]
    return [field]


@extend_schema_view(
    **guest_detail_schemas(
        VisitSerializer,
        what="One visit with its appointments",
        cancelling=(
            "Cancel the whole visit: every appointment of it. Guests may until the studio's "
            "cut-off before its start."
        ),
        moving=(
            "Move the whole visit so that its first appointment starts at `start`: every "
            "appointment moves by as much, with the same therapists, side by side or one "
            "after the other as before."
        ),
    ),
)
class VisitViewSet(callers.MovableBookingViewSet[Visit]):
    """Book, list, read, move and cancel visits."""

    serializer_class = VisitSerializer
    queryset = Visit.objects.none()

    def get_permissions(self) -> list[Any]:
        if self.action == "list":
            return [CanSeeAppointments()]
        # Booking is open; the other actions check the token or the user.
        return [AllowAny()]

    @extend_schema(
        parameters=[VisitListQuerySerializer],
        description=(
            "Visits starting on the days asked for, in start order, with their appointments. "
            f"Staff and integrations. At most {LIST_MAX_DAYS} days per list (from today by "
            "default), so that every page is a bounded read; `date` asks for one day."
        ),
    )
    def list(self, request: Request) -> Response:
        query = VisitListQuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        wanted = query.validated_data
        visits = access.visits_visible_to(request.user) & selectors.visits(
            start_on=wanted["start"], end_on=wanted["end"], status=wanted.get("status")
        )
        page = self.paginate_queryset(visits)
        context = {"can_see_health": callers.may_read_health(request)}
        return self.get_paginated_response(VisitSerializer(page, many=True, context=context).data)

    @extend_schema(
        request=VisitCreateSerializer,
        examples=[
            OpenApiExample(
                "A couples massage",
                request_only=True,
                value={
                    "client": EXAMPLE_CLIENT,
                    "appointments": [
                        {"offering": 1, "start": "2027-03-02T10:00:00+01:00"},
                        {
                            "offering": 1,
                            "start": "2027-03-02T10:00:00+01:00",
                            "guest": {"name": "Olga Example"},
                            "health": {"vein_problems": False},
                        },
                    ],
                    "health": {"vein_problems": False},
                    "consent": True,
                },
            ),
            OpenApiExample(
                "Foot, then back",
                request_only=True,
                value={
                    "client": EXAMPLE_CLIENT,
                    "appointments": [
                        {"offering": 1, "start": "2027-03-02T10:00:00+01:00"},
                        {"offering": 2, "start": "2027-03-02T10:30:00+01:00"},
                    ],
                },
            ),
        ],
        parameters=[IDEMPOTENCY_KEY],
        responses={
            201: VisitCreatedSerializer,
            409: BOOKING_CONFLICT,
            422: KEY_REUSED,
            429: RATE_LIMITED,
        },
        description=(
            "Book several massages as one visit, all or nothing: side by side at one start "
            "(a couples massage: the same offering twice, two therapists, a room for two), or "
            "one after the other (foot, then back: each starts where the one before ends). "
            "Ask `GET /availability/` with `people` or `then` for the starts that fit. Open "
            "to anyone, with the same limits, holds and `manage_token` as booking an "
            "appointment; the token manages the whole visit and each of its appointments. "
            "When the studio's payment policy asks for a deposit or the full price online, a "
            'booking by a client (not by staff) answers `status: "awaiting_payment"`, the '
            "hold's `expires_at` and a `payment` to pay with the gateway's script; the "
            "gateway's webhook confirms it, or its time is released at `expires_at`."
        ),
    )
    def create(self, request: Request) -> Response:
        visit, status_code = booked_once(request, book=lambda claimed: self._book(request, claimed))
        # After the booking committed: the gateway is called outside it.
        payment_fields.start_payment(visit)
        return self.render(
            request, visit, serializer=VisitCreatedSerializer, status_code=status_code
        )

    def _book(self, request: Request, claimed: idempotency.Claim | None) -> Visit:
        given = VisitCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        fields = given.validated_data
        wanted = [
            services.WantedAppointment(
                offering=appointment["offering"],
                start_at=appointment["start"],
                therapist=appointment.get("therapist"),
                guest_name=(appointment.get("guest") or {}).get("name", ""),
                health=given.health_of(appointment),
            )
            for appointment in fields["appointments"]
        ]
        actor = callers.actor_for(request)
        hold = payment_fields.hold_for_payment([wanted.offering for wanted in wanted], actor)
        try:
            with callers.limited(request, fields["client"]) as booked_from:
                return services.book_visit(
                    appointments=wanted,
                    client=services.ClientDetails(**fields["client"]),
                    source=Source.API,
                    actor=actor,
                    notes=fields.get("notes", ""),
                    has_consent=fields["consent"],
                    booked_from=booked_from,
                    # `?lang=`, else Accept-Language (studio.language): the messages follow it.
                    language=request.LANGUAGE_CODE,
                    idempotency_key=claimed,
                    hold_for_payment_until=hold,
                )
        except BookingError as error:
            error.fields = fields_of_appointments(error.fields, fields["appointments"])
            raise

    @extend_schema(
        request=None,
        parameters=[MANAGE_TOKEN],
        responses={
            200: VisitSerializer,
            201: VisitSerializer,
            409: PAYMENT_CONFLICT,
            502: PAYMENT_NOT_STARTED,
        },
        description=(
            "A new payment attempt for a visit held for its payment (`awaiting_payment`), "
            "after a declined card: `201` with the visit and its new `payment` to pay with. "
            "The newest attempt is asked of the gateway first: while it can still be paid "
            "(pending, or paid with its webhook on the way) it is answered again with `200`, "
            "so calling twice makes no second payment. For a course's session, the course's "
            "one payment. By staff credentials or the visit's `X-Manage-Token`. `409` "
            "`hold_expired` once the hold has run out (book again), `409` "
            "`not_awaiting_payment` for a visit that waits for no payment."
        ),
    )
    @action(detail=True, methods=["post"])
    def payment(self, request: Request, pk: str) -> Response:
        visit = self.reach(request, pk, change=True)
        try:
            attempt = online.retry_visit_payment(visit=visit)
        except PaymentError as error:
            if error.code == "not_awaiting":
                raise NotAwaitingPayment() from error
            raise payment_fields.PaymentNotStarted(error.message) from error
        status_code = status.HTTP_201_CREATED if attempt.is_new else status.HTTP_200_OK
        return self.render(request, visit, status_code=status_code)

    def for_guest(self, booking_id: UUID, token: str) -> Visit | None:
        return selectors.visit_for_guest(
            visit_id=booking_id, manage_token=token, now=timezone.now()
        )

    def visible_to(self, user: access.User) -> QuerySet[Visit]:
        return access.visits_visible_to(user)

    def cancel_booking(self, booking: Visit, *, actor: services.Actor, reason: str) -> Visit:
        return services.cancel_visit(visit=booking, actor=actor, reason=reason)

    def reschedule_booking(
        self, booking: Visit, *, start_at: datetime, actor: services.Actor
    ) -> Visit:
        return services.reschedule_visit(visit=booking, start_at=start_at, actor=actor)

    def counted_on(self, booking: Visit) -> Appointment:
        """Its lead appointment: a guest's moves count per visit, through either API."""
        return booking.appointments.all()[0]

    def stored(self, booking: Visit) -> Visit:
        """The visit as it is stored now, with its appointments: a replay reads the same."""
        return selectors.visits().get(pk=booking.pk)
