"""What the booking's pages and e-mails say of a visit paid with a package.

Booking never imports payments; its templates load this library, so a
visit paid with a package says what is left of it.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.formats import date_format
from django.utils.translation import ngettext

from payments import selectors

register = template.Library()


@register.simple_tag
def package_note(visit_id: Any) -> str:
    """ "Paid with your package: 3 of 10 sessions left, valid until …", or nothing."""
    if not visit_id:
        return ""
    state = selectors.package_of_visit(visit_id)
    if state is None:
        return ""
    owned = state.client_package
    return ngettext(
        "Paid with your package: %(left)d of %(total)d session left, valid until %(date)s.",
        "Paid with your package: %(left)d of %(total)d sessions left, valid until %(date)s.",
        state.left,
    ) % {
        "left": state.left,
        "total": owned.sessions,
        "date": date_format(owned.expires_at, "DATE_FORMAT"),
    }
