"""Formatting for people: money and durations as the studio writes them, in the reader's language."""

from copy import copy
from decimal import Decimal

from babel import Locale, UnknownLocaleError
from babel.numbers import format_currency
from django import template
from django.conf import settings
from django.utils.translation import get_language, to_locale
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def money(amount: Decimal | None, currency: str) -> str:
    """A price in the reader's language: `€55`, `€55.50`, `3 500 ₽`, `55 €`.

    Babel places the sign and the separators as the language writes
    them; cents are shown only when there are some, as the studio's
    price list does.
    """
    if amount is None:
        return ""
    language = to_locale(get_language() or settings.LANGUAGE_CODE)
    try:
        locale = Locale.parse(language)
    except (ValueError, UnknownLocaleError):
        locale = Locale.parse(to_locale(settings.LANGUAGE_CODE))
    pattern = copy(locale.currency_formats["standard"])
    if amount == amount.to_integral_value():
        pattern.frac_prec = (0, 0)
    return format_currency(amount, currency, format=pattern, locale=locale, currency_digits=False)


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
