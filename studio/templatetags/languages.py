"""The language switcher: this page in each language the studio speaks.

Plain links, so it works without JavaScript: the page's own address
with its language prefix changed (`/en/catalog/` ↔ `/ru/catalog/`), by
Django's `translate_url`, the query kept. Where the address names no
page in the other language (a 404), the link leads to that language's
catalog.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import template
from django.conf import settings
from django.urls import reverse, translate_url
from django.utils import translation

from booking.guest_access import TOKEN_PARAMETER

register = template.Library()


@dataclass(frozen=True)
class LanguageLink:
    code: str
    # The language's own name for itself ("Русский"), as settings.LANGUAGES has it.
    name: str
    url: str
    is_current: bool


@register.simple_tag(takes_context=True)
def language_links(context: template.Context) -> list[LanguageLink]:
    """One link per language in settings.LANGUAGES, to this page in that language."""
    request = context.get("request")
    current = translation.get_language()
    here = _address_without_token(request) if request is not None else ""
    links = []
    for code, name in settings.LANGUAGES:
        url = translate_url(here, code) if here else ""
        if code != current and url == here:
            # Nothing to translate: no page here, or none in that language.
            with translation.override(code):
                url = reverse("catalog:catalog")
        links.append(LanguageLink(code=code, name=name, url=url, is_current=code == current))
    return links


def _address_without_token(request: Any) -> str:
    """The page's path and query, less a manage token a link may have brought (a 404's).

    A page's own address holds no token (booking.guest_access), except
    the 404 of a wrong or used-up one: no link on it repeats the token.
    """
    query = request.GET.copy()
    query.pop(TOKEN_PARAMETER, None)
    return f"{request.path}?{query.urlencode()}" if query else str(request.path)
