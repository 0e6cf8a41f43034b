"""Reads of the catalog, each with the joins its page or endpoint needs."""

from django.db.models import Prefetch, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from catalog.models import Contraindication, HealthQuestion, MassageType, Offering


def bookable_offerings() -> QuerySet[Offering]:
    """The offerings a client may book: active, of an active massage type.

    The one rule of "can this be booked" for the catalog, the forms, the
    API and the booking service (`is_bookable` asks it of one offering).
    """
    return Offering.objects.filter(is_active=True, massage_type__is_active=True).select_related(
        "massage_type"
    )


def is_bookable(offering: Offering) -> bool:
    """`bookable_offerings` for one offering already loaded with its type."""
    return offering.is_active and offering.massage_type.is_active


def active_offerings() -> QuerySet[Offering]:
    return (
        bookable_offerings()
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
        bookable_offerings()
        .prefetch_related("areas", "resource_kinds")
        .order_by("position", "duration_minutes", "id")
    )
    return active_massage_types().prefetch_related(
        Prefetch("offerings", queryset=offerings, to_attr="active_offerings")
    )


def bookable_offering(*, slug: str) -> Offering | None:
    """The active offering with this slug, with its type, areas and the type's equipment."""
    return (
        bookable_offerings()
        .filter(slug=slug)
        .prefetch_related("areas", "massage_type__equipment")
        .first()
    )


# The condition each health question asks about, worded to fit in a
# sentence ("not given with pregnancy"); the questions themselves are
# the labels of HealthQuestion.
HEALTH_CONDITIONS: dict[str, Promise] = {
    # Translators: each condition follows "not given with" ("при" in Russian).
    HealthQuestion.VEIN_PROBLEMS: _("varicose veins or other vein problems"),
    HealthQuestion.PREGNANCY: _("pregnancy"),
    HealthQuestion.RECENT_INJURY: _("an injury or surgery in the last three months"),
    HealthQuestion.SKIN_CONDITION: _("a skin condition, wound or rash on the legs"),
}


def contraindications_of(*, massage_type_id: int) -> list[Contraindication]:
    """What the health answers mean for one massage type.

    Those that rule it out come first, then those that need a word with
    the studio, each in the order the booking form asks the questions.
    """
    order = {question.value: position for position, question in enumerate(HealthQuestion)}
    found = Contraindication.objects.filter(massage_type_id=massage_type_id)
    return sorted(
        found,
        key=lambda rule: (
            rule.severity != Contraindication.Severity.RULES_OUT,
            order.get(rule.question, len(order)),
        ),
    )
