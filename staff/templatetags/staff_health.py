"""Health answers on staff pages, in words (`booking.health.answer_label`)."""

from typing import Any

from django import template

from booking.health import answer_label

register = template.Library()


@register.filter
def health_answer(value: Any) -> str:
    """A stored answer as the desk reads it: yes, no, or not asked (never "no" for None)."""
    return answer_label(value)
