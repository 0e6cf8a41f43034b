"""Prices and durations written for the reader, in the language active now.

Prices follow the reader's locale through Babel (CLDR): its digit
grouping, decimal mark and where the currency sign goes, so the same
price reads "€3,500" in English and "3 500 €" in Russian (the spaces
are no-break spaces, so a price never wraps). A whole amount drops its
cents, as the studio's price list writes them ("€35", "3 500 ₽");
others keep them ("€55.50", "55,50 €").
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from decimal import Decimal

from babel import Locale, UnknownLocaleError
from babel.lists import format_list as babel_format_list
from babel.numbers import get_currency_symbol
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext, ngettext

NO_BREAK_SPACE = "\xa0"


def reader_locale() -> Locale:
    """The Babel locale of the language active now, else the studio's default one."""
    language = translation.get_language() or settings.LANGUAGE_CODE
    try:
        return Locale.parse(translation.to_locale(language))
    except (UnknownLocaleError, ValueError):
        return Locale.parse(translation.to_locale(settings.LANGUAGE_CODE))


def format_money(amount: Decimal, currency: str) -> str:
    """`Decimal("3500"), "RUB"` → "3 500 ₽" in Russian; `Decimal("55.50"), "EUR"` → "€55.50"."""
    locale = reader_locale()
    pattern = copy.copy(locale.currency_formats["standard"])
    is_whole = amount == amount.to_integral_value()
    if is_whole:
        pattern.frac_prec = (0, 0)
    if get_currency_symbol(currency, locale=locale).isalpha():
        # CLDR's currency spacing, which Babel leaves out: a sign made of
        # letters ("RUB" in English) is kept apart from the digits.
        pattern.prefix = tuple(
            text + NO_BREAK_SPACE if text.endswith("¤") else text for text in pattern.prefix
        )
        pattern.suffix = tuple(
            NO_BREAK_SPACE + text if text.startswith("¤") else text for text in pattern.suffix
        )
    return str(pattern.apply(amount, locale, currency=currency, currency_digits=not is_whole))


def format_duration(minutes: int) -> str:
    """`45` → "45 min", `75` → "1 h 15 min", `60` → "1 h" (in Russian "1 ч 15 мин")."""
    hours, rest = divmod(int(minutes), 60)
    if not hours:
        return gettext("%(minutes)d min") % {"minutes": rest}
    if not rest:
        return gettext("%(hours)d h") % {"hours": hours}
    return gettext("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": rest}


def format_course(sessions: int, interval_days: int) -> str:
    """`10, 7` → "10 sessions, every 7 days" (in Russian "10 сеансов, каждые 7 дней")."""
    return gettext("%(sessions)s, %(interval)s") % {
        "sessions": ngettext("%(count)d session", "%(count)d sessions", sessions)
        % {"count": sessions},
        "interval": ngettext("every %(count)d day", "every %(count)d days", interval_days)
        % {"count": interval_days},
    }


def format_list(items: Iterable[str], *, style: str = "standard") -> str:
    """Each item once, in order, as a sentence lists them in the reader's language.

    `["Classical: foot", "Thai: foot"]` → "Classical: foot and Thai: foot"
    (in Russian "… и …"); `style="or"` joins the last with "or" ("или").
    """
    unique = [str(item) for item in dict.fromkeys(items)]
    return str(babel_format_list(unique, style=style, locale=reader_locale()))  # type: ignore[arg-type]
