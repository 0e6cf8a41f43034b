"""Who calls a booking's endpoints, and what they reach: one rule for appointments, visits, courses.

A guest reaches one booking by its manage token in the `X-Manage-Token`
header; staff and integrations reach every booking by their credentials
(`booking.services.access`), a therapist with a login their own.
`BookingViewSet` holds that rule, and reading and cancelling one booking,
for the appointments, visits and courses endpoints alike.
"""

from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any, Generic, TypeVar
from uuid import UUID

from django.db.models import Model, QuerySet
from rest_framework import exceptions, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from booking import services
from booking.api.serializers import AppointmentCancelSerializer, AppointmentRescheduleSerializer
from booking.models import Appointment
from booking.services import access, limits
from studio.clientip import client_ip

MANAGE_TOKEN_HEADER = "X-Manage-Token"  # noqa: S105 (a header's name, not a secret)

Booking = TypeVar("Booking", bound=Model)


def guest_token(request: Request) -> str | None:
    """The manage token the request carries, if it comes from a guest."""
    return request.headers.get(MANAGE_TOKEN_HEADER)


def actor_for(request: Request) -> services.Actor:
    """The services' actor: a guest by token or without login, else the user."""
    if guest_token(request) is not None or not request.user.is_authenticated:
        return services.Actor.guest()
    return services.Actor.for_user(request.user)


def may_read_health(request: Request) -> bool:
    """Whether the answer may hold notes: for the guest whose booking it is, or permitted staff.

    A guest reached the booking by its token, so it is theirs: they may
    read the notes they wrote.
    """
    if guest_token(request) is not None:
        return True
    return services.can_see_health(request.user)


def limited(request: Request, client: dict[str, str]) -> AbstractContextManager[str]:
    """The studio's limits on a booking for `client` from this request (`limits.limit_booking`).

    The block books; it receives what the booking keeps as `booked_from`.
    """
    return limits.limit_booking(
        ip=client_ip(request), email=client["email"], phone=client["phone"], user=request.user
    )


class BookingViewSet(viewsets.GenericViewSet[Booking], Generic[Booking]):
    """Reading and cancelling one booking, by the guest's token or a user's credentials.

    A subclass says how a token finds its booking (`for_guest`), what a
    user sees (`visible_to`) and which service cancels (`cancel_booking`);
    `stored` reads a booking again with what its answer shows.
    """

    # Detail actions check the token or the user themselves (`reach`).
    checks_callers = True

    def for_guest(self, booking_id: UUID, token: str) -> Booking | None:
        """The booking, if `token` is its own and not used up."""
        raise NotImplementedError

    def visible_to(self, user: access.User) -> QuerySet[Booking]:
        raise NotImplementedError

    def cancel_booking(self, booking: Booking, *, actor: services.Actor, reason: str) -> Booking:
        raise NotImplementedError

    def stored(self, booking: Booking) -> Booking:
        """The booking as its answer shows it; as it is, unless a subclass reads it again."""
        return booking

    def retrieve(self, request: Request, pk: str) -> Response:
        return self.render(request, self.reach(request, pk, change=False))

    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str) -> Response:
        booking = self.reach(request, pk, change=True)
        given = AppointmentCancelSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        booking = self.cancel_booking(
            booking, actor=actor_for(request), reason=given.validated_data.get("reason", "")
        )
        return self.render(request, booking)

    def reach(self, request: Request, pk: str, *, change: bool) -> Booking:
        """The booking `pk`, if the token or the user may reach it; else 404 or 401/403.

        A wrong token and an unknown id both answer 404, so a guest learns
        nothing about other people's bookings.
        """
        try:
            booking_id = UUID(pk)
        except ValueError:  # a malformed id is simply not found
            raise exceptions.NotFound() from None
        token = guest_token(request)
        if token is not None:
            found = self.for_guest(booking_id, token)
            if found is None:
                raise exceptions.NotFound()
            return found
        if not request.user.is_authenticated:
            raise exceptions.NotAuthenticated()
        user = request.user
        may = access.may_change_appointments if change else access.may_see_appointments
        if not may(user):
            raise exceptions.PermissionDenied()
        # For a therapist, what is visible holds only their own bookings.
        booking = self.visible_to(user).filter(pk=booking_id).first()
        if booking is None:
            raise exceptions.NotFound()
        return booking

    def render(
        self,
        request: Request,
        booking: Booking,
        *,
        serializer: type[BaseSerializer[Any]] | None = None,
        status_code: int = status.HTTP_200_OK,
    ) -> Response:
        """The answer: the booking as stored now; its notes only for who may read them."""
        rendered = serializer or self.get_serializer_class()
        context = {"can_see_health": may_read_health(request)}
        return Response(rendered(self.stored(booking), context=context).data, status=status_code)


class MovableBookingViewSet(BookingViewSet[Booking]):
    """A `BookingViewSet` whose bookings move too, as one, to another start.

    A subclass says which service moves (`reschedule_booking`) and which
    appointment a guest's moves are counted on (`counted_on`).
    """

    def reschedule_booking(
        self, booking: Booking, *, start_at: datetime, actor: services.Actor
    ) -> Booking:
        raise NotImplementedError

    def counted_on(self, booking: Booking) -> Appointment:
        raise NotImplementedError

    @action(detail=True, methods=["post"])
    def reschedule(self, request: Request, pk: str) -> Response:
        booking = self.reach(request, pk, change=True)
        given = AppointmentRescheduleSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        actor = actor_for(request)
        with limits.limit_guest_change(appointment=self.counted_on(booking), actor=actor):
            booking = self.reschedule_booking(
                booking, start_at=given.validated_data["start"], actor=actor
            )
        return self.render(request, booking)
