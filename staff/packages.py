"""Packages at the desk: sell one to a client, pay a visit with one of its sessions.

Reception only; every write is a payments service.
"""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from booking.models import Client, Visit
from booking.services import Actor
from payments.models import ClientPackage, Package
from payments.package_forms import DeskSaleForm
from payments.services import packages as services
from staff.access import Scope, reception_only, staff_view


@require_POST
@staff_view
def use_package(request: HttpRequest, scope: Scope, pk: UUID) -> HttpResponse:
    """Pay the visit with a session of one of its client's packages.

    For a session of a course, reception may pay every session still to
    come at once, one package session each, all or none.
    """
    reception_only(scope)
    visit = get_object_or_404(scope.visits(Visit.objects.select_related("client")), pk=pk)
    chosen = request.POST.get("client_package", "")
    client_package = (
        ClientPackage.objects.filter(pk=chosen, client_id=visit.client_id).first()
        if _is_uuid(chosen)
        else None
    )
    back = HttpResponseRedirect(reverse("staff:visit", args=[visit.pk]), status=303)
    if client_package is None:
        messages.error(request, _("Choose one of the client's packages."))
        return back
    visits = [visit]
    if visit.course_id and request.POST.get("whole_course"):
        # A course paid with a package: one session for each visit still to come.
        visits = list(
            Visit.objects.filter(
                course_id=visit.course_id,
                status__in=Visit.ACTIVE_STATUSES,
                start_at__gte=visit.start_at,
            ).order_by("start_at")
        )
    try:
        services.redeem_sessions(
            client_package=client_package, visits=visits, actor=Actor.for_user(request.user)
        )
    except services.PackageError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The visit is paid with a package session."))
    return back


def _is_uuid(value: str) -> bool:
    try:
        UUID(value)
    except ValueError:
        return False
    return True


@require_POST
@staff_view
def sell_package(request: HttpRequest, scope: Scope, pk: int) -> HttpResponse:
    """Sell a package to the client, paid at the desk in cash or on the terminal."""
    reception_only(scope)
    client = get_object_or_404(scope.clients(Client.objects.all()), pk=pk)
    packages = {p.pk: p for p in Package.objects.filter(is_active=True)}
    form = DeskSaleForm(request.POST, packages=[(key, str(p)) for key, p in packages.items()])
    back = HttpResponseRedirect(reverse("staff:client", args=[client.pk]) + "#packages", status=303)
    if not form.is_valid():
        messages.error(request, _("Choose a package and how it is paid."))
        return back
    try:
        services.sell_package_at_desk(
            package=packages[form.cleaned_data["package"]],
            client=client,
            method=form.cleaned_data["method"],
            actor=Actor.for_user(request.user),
        )
    except (services.PackageError, services.InvalidMethod) as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The package is sold."))
    return back
