"""Who calls a booking's endpoints, and what they reach: one rule for appointments, visits, courses.

A guest reaches one booking by its manage token in the `X-Manage-Token`
header; staff and integrations reach every booking by their credentials
(`booking.services.access`), a therapist with a login their own.
"""

from collections.abc import Callable
from typing import TypeVar
from uuid import UUID

from django.db.models import Model, QuerySet
from rest_framework import exceptions
from rest_framework.request import Request

from booking import services
from booking.services import access

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


def reach(
    request: Request,
    pk: str,
    *,
    change: bool,
    for_guest: Callable[[UUID, str], Booking | None],
    visible_to: Callable[[access.User], QuerySet[Booking]],
) -> Booking:
    """The booking `pk`, if the token or the user may reach it; else 404 or 401/403.

    `for_guest(id, token)` is the booking when the token is its own and
    not used up; `visible_to(user)` what a user may see. A wrong token
    and an unknown id both answer 404, so a guest learns nothing about
    other people's bookings.
    """
    try:
        booking_id = UUID(pk)
    except ValueError:  # a malformed id is simply not found
        raise exceptions.NotFound() from None
    token = guest_token(request)
    if token is not None:
        found = for_guest(booking_id, token)
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
    booking = visible_to(user).filter(pk=booking_id).first()
    if booking is None:
        raise exceptions.NotFound()
    return booking
