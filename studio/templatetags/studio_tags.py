"""Formatting for people: money and durations as the studio writes them."""

from decimal import Decimal

from django import template
from django.utils.translation import gettext as _

register = template.Library()

_SYMBOLS = {"EUR": "€", "GBP": "£", "USD": "$"}


@register.filter
def money(amount: Decimal | None, currency: str) -> str:
    """`Decimal("55.00"), "EUR"` → `€55`; keeps cents only when there are some."""
    if amount is None:
        return ""
    text = f"{amount:,.0f}" if amount == amount.to_integral_value() else f"{amount:,.2f}"
    symbol = _SYMBOLS.get(currency)
    return f"{symbol}{text}" if symbol else f"{text} {currency}"


@register.filter
def duration(minutes: int | None) -> str:
    """`45` → `45 min`, `75` → `1 h 15 min`, `60` → `1 h`, in the reader's language.

    The units are abbreviations, which take no plural ending in English
    or Russian ("45 мин", "1 ч 15 мин").
    """
    if minutes is None:
        return ""
    hours, rest = divmod(int(minutes), 60)
    if not hours:
        return _("%(minutes)d min") % {"minutes": rest}
    if not rest:
        return _("%(hours)d h") % {"hours": hours}
    return _("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": rest}
