"""Template filters of the client pages."""

from django import template

from booking.phones import readable_phone

register = template.Library()


@register.filter
def phone(value: str) -> str:
    """A stored E.164 number as the desk reads it out (`booking.phones.readable_phone`)."""
    return readable_phone(value) if value else value
