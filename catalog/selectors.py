"""Reads of the catalog, each with the joins its page or endpoint needs."""

from django.db.models import Prefetch, QuerySet

from catalog.models import MassageType, Offering


def active_offerings() -> QuerySet[Offering]:
    return (
        Offering.objects.filter(is_active=True, massage_type__is_active=True)
        .select_related("massage_type")
        .prefetch_related("areas", "resource_kinds")
        .order_by("massage_type__position", "position", "duration_minutes", "id")
    )


def active_massage_types() -> QuerySet[MassageType]:
    """Massage types with the equipment they need, in catalog order."""
    return (
        MassageType.objects.filter(is_active=True)
        .prefetch_related("equipment")
        .order_by("position", "name", "id")
    )


def active_massage_types_with_offerings() -> QuerySet[MassageType]:
    """As `active_massage_types`, each with `active_offerings` and their areas, for pages."""
    offerings = (
        Offering.objects.filter(is_active=True)
        .prefetch_related("areas", "resource_kinds")
        .order_by("position", "duration_minutes", "id")
    )
    return active_massage_types().prefetch_related(
        Prefetch("offerings", queryset=offerings, to_attr="active_offerings")
    )
