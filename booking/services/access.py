"""Who may see and change which appointments: one rule for the API, the pages and the admin.

- A guest reaches one appointment, by its manage token
  (`selectors.appointment_for_guest`), and may change it until the
  guests' cut-off (`can_guest_change`).
- Staff and integrations with the `booking.change_appointment`
  permission change any appointment at any time; the booking services
  treat them as staff (`Actor.for_user`).
- Staff with `booking.view_appointment` see every appointment; a
  therapist with a login sees their own (`appointments_visible_to`).
  The same holds for visits and courses, which are groups of
  appointments: a therapist sees those with an appointment of theirs,
  and for clients: a therapist sees those they give a massage to.
"""

from __future__ import annotations

from typing import TypeVar

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, PermissionsMixin
from django.db.models import Model, Q, QuerySet

from booking import selectors
from booking.models import Appointment, Client, Course, Visit

User = AbstractBaseUser | AnonymousUser
M = TypeVar("M", bound=Model)


def may_change_appointments(user: User) -> bool:
    """Whether the user changes any appointment, past the guests' cut-off too."""
    return user.is_authenticated and _has_perm(user, "booking.change_appointment")


def may_see_appointments(user: User) -> bool:
    """Whether the user may list appointments: all of them, or a therapist their own."""
    if not user.is_authenticated:
        return False
    return _has_perm(user, "booking.view_appointment") or hasattr(user, "therapist")


def appointments_visible_to(user: User) -> QuerySet[Appointment]:
    """The appointments the user may see: every one, their own as a therapist, or none."""
    everyone = selectors.appointments()
    own = _own_appointments(user)
    return everyone if own is None else everyone.filter(own)


def visits_visible_to(user: User) -> QuerySet[Visit]:
    """The visits the user may see: every one, those with an appointment of theirs, or none."""
    return _with_own_appointments(selectors.visits(), user, through="visit_id")


def courses_visible_to(user: User) -> QuerySet[Course]:
    """The courses the user may see: every one, those with an appointment of theirs, or none."""
    return _with_own_appointments(selectors.courses(), user, through="visit__course_id")


def clients_visible_to(user: User) -> QuerySet[Client]:
    """The clients the user may see: every one, or those with an appointment of theirs."""
    if _has_perm(user, "booking.view_client"):
        return Client.objects.all()
    return _with_own_appointments(Client.objects.all(), user, through="client_id")


def _with_own_appointments(everyone: QuerySet[M], user: User, *, through: str) -> QuerySet[M]:
    """Those of `everyone` the user sees: all, or those an appointment of theirs leads to."""
    own = _own_appointments(user)
    if own is None:
        return everyone
    return everyone.filter(pk__in=Appointment.objects.filter(own).values(through))


def _own_appointments(user: User) -> Q | None:
    """Which appointments the user sees, as a condition; None when they see every one."""
    if not user.is_authenticated:
        return Q(pk__in=[])
    if _has_perm(user, "booking.view_appointment"):
        return None
    # A therapist's login sees only their own schedule.
    return Q(therapist__user_id=user.pk)


def may_change_appointment(*, user: User, appointment: Appointment) -> bool:
    """Whether a logged-in user may cancel, move or mark this appointment.

    Only with the change permission; a therapist who sees their own
    schedule does not change it (a guest changes theirs by its token).
    """
    return (
        may_change_appointments(user)
        and appointments_visible_to(user).filter(pk=appointment.pk).exists()
    )


def _has_perm(user: User, permission: str) -> bool:
    # Every user model in use has permissions (PermissionsMixin); one
    # without them has none.
    return isinstance(user, PermissionsMixin | AnonymousUser) and user.has_perm(permission)
