"""Who gets into the staff workspace, and what each login reaches there.

Reception (the permission `booking.run_front_desk`; the owner has it as
a superuser) works with every therapist, visit and client. A therapist
(a login linked to an active Therapist) sees only their own calendar,
the appointments they give and the clients they give them to. Anyone
else is turned away. What a login sees is the one rule of
`booking.services.access` (DESIGN.md, invariant 6); every staff view
takes its `Scope` from `staff_view` and reads through it.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Concatenate, ParamSpec, TypeVar

from django.contrib.auth.models import AnonymousUser, User
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse

from booking.models import Appointment, Client, Therapist, Visit
from booking.services import access

P = ParamSpec("P")
M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class Scope:
    """What one staff login reaches: everything, or one therapist's own."""

    user: User
    therapist: Therapist | None
    is_reception: bool

    @classmethod
    def of(cls, user: User | AnonymousUser) -> "Scope | None":
        """The login's scope, or None for a login with no place in the workspace."""
        if not user.is_authenticated or not user.is_active:
            return None
        therapist = Therapist.objects.filter(user=user, is_active=True).first()
        is_reception = user.has_perm("booking.run_front_desk")
        if not is_reception and therapist is None:
            return None
        return cls(user=user, therapist=therapist, is_reception=is_reception)

    def therapists(self) -> QuerySet[Therapist]:
        """The active therapists whose calendars this login sees."""
        active = Therapist.objects.filter(is_active=True)
        if self.is_reception or self.therapist is None:
            return active
        return active.filter(pk=self.therapist.pk)

    def appointments(self, queryset: QuerySet[Appointment] | None = None) -> QuerySet[Appointment]:
        """`queryset` (every appointment by default) narrowed to those this login sees."""
        return _within(queryset, access.appointments_visible_to(self.user))

    def visits(self, queryset: QuerySet[Visit] | None = None) -> QuerySet[Visit]:
        """Visits this login sees: with an appointment of theirs, for a therapist."""
        return _within(queryset, access.visits_visible_to(self.user))

    def clients(self, queryset: QuerySet[Client] | None = None) -> QuerySet[Client]:
        """Clients this login sees: a therapist's are those they give a massage to."""
        return _within(queryset, access.clients_visible_to(self.user))


def _within(queryset: QuerySet[M] | None, visible: QuerySet[M]) -> QuerySet[M]:
    return visible if queryset is None else queryset.filter(pk__in=visible.values("pk"))


def staff_view(
    view: Callable[Concatenate[HttpRequest, Scope, P], HttpResponse],
) -> Callable[..., HttpResponse]:
    """A staff workspace view: the log-in page for strangers, 403 for other logins.

    The view gets the login's `Scope` as its second argument.
    """

    @wraps(view)
    def wrapped(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), "staff:login")
        scope = Scope.of(request.user)
        if scope is None:
            raise PermissionDenied
        # For the page's header (staff.context_processors): read once.
        request.staff_scope = scope  # type: ignore[attr-defined]
        return view(request, scope, *args, **kwargs)

    return wrapped


def reception_only(scope: Scope) -> None:
    """Refuse (403) what only reception does: booking, moving, every client."""
    if not scope.is_reception:
        raise PermissionDenied
