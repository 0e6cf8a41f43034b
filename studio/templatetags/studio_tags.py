"""Formatting for people: money and durations in the reader's language (`studio.formatting`)."""

from decimal import Decimal

from django import template

from studio.formatting import format_duration, format_money

register = template.Library()


@register.filter
def money(amount: Decimal | None, currency: str) -> str:
    """`Decimal("55.00"), "EUR"` → `€55` in English, `55 €` in Russian; cents only when some."""
    if amount is None:
        return ""
    return format_money(amount, currency)


@register.filter
def duration(minutes: int | None) -> str:
    """`45` → `45 min`, `75` → `1 h 15 min`, `60` → `1 h`, in the reader's language."""
    if minutes is None:
        return ""
    return format_duration(minutes)
