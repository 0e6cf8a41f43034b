"""The cancellation and no-show terms on the client's pages, when a policy has fees.

The booking page, the confirmation and the manage page belong to
booking, which never imports payments: its templates load these tags,
and with no fee in the policy they write nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from catalog.models import Offering
from payments.policies import Priced, Wanted, terms_of

register = template.Library()


@register.simple_tag
def cancellation_terms(appointments: Iterable[Priced]) -> SafeString:
    """The terms of booked appointments: a paragraph, or nothing."""
    return _paragraph(terms_of(appointments))


@register.simple_tag
def booking_terms(
    offering: Offering, start_at: datetime | None, people: int = 1, then: Offering | None = None
) -> SafeString:
    """The terms of the visit being booked (`people` of `offering`, then `then`)."""
    if start_at is None:
        return SafeString("")
    parts = [Wanted(offering.pk, offering.price, offering.currency, start_at)] * (people or 1)
    if then is not None:
        then_at = start_at + timedelta(minutes=offering.duration_minutes)
        parts.append(Wanted(then.pk, then.price, then.currency, then_at))
    return _paragraph(terms_of(parts))


def _paragraph(lines: list[str]) -> SafeString:
    if not lines:
        return SafeString("")
    return format_html(
        '<p class="policy payment-terms">{}</p>',
        format_html_join(" ", "{}", ((line,) for line in lines)),
    )
