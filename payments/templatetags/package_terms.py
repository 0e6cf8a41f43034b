"""What the booking's pages and e-mails say of a visit paid with a package.

Booking never imports payments; its templates load this library, so a
visit paid with a package says what is left of it.
"""

from __future__ import annotations

from typing import Any

from django import template

from payments import selectors
from payments.package_notes import PackageNote

register = template.Library()


@register.simple_tag
def package_note(visit_id: Any) -> str:
    """ "Paid with your package: 3 of 10 sessions left, valid until …", or nothing."""
    if not visit_id:
        return ""
    state = selectors.package_of_visit(visit_id)
    if state is None:
        return ""
    return str(PackageNote(state))
