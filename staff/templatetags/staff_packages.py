"""The packages blocks of the desk's pages: read here, so the pages' views stay as they are."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from booking.models import Client, Visit
from payments import selectors
from payments.models import Package

register = template.Library()


@register.simple_tag
def client_packages(client: Client) -> dict[str, Any]:
    """A client's packages with sessions left, and the packages reception can sell."""
    return {
        "owned": selectors.client_packages(client.pk, now=timezone.now()),
        "for_sale": list(
            Package.objects.filter(is_active=True).select_related("offering").order_by("name")
        ),
    }


@register.simple_tag
def visit_packages(visit: Visit) -> dict[str, Any]:
    """The package paying for the visit, or those of its client that could."""
    paid_with = selectors.package_of_visit(visit.pk)
    usable = []
    if paid_with is None and visit.client_id and visit.is_active:
        offerings = {
            a.offering_id for a in visit.appointments.all() if a.status != a.Status.CANCELLED
        }
        if len(offerings) == 1:
            usable = selectors.usable_packages(
                visit.client_id, offering_id=offerings.pop(), now=timezone.now()
            )
    return {"paid_with": paid_with, "usable": usable}
