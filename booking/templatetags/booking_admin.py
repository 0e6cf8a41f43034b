"""Template tags of the booking admin's lists."""

from django import template
from django.contrib.admin.templatetags.base import InclusionAdminNode
from django.template.base import Parser, Token

from booking.admin.common import date_navigation

register = template.Library()


@register.tag(name="date_navigation")
def date_navigation_tag(parser: Parser, token: Token) -> InclusionAdminNode:
    """Django's `date_hierarchy` drawn from the first and last date only."""
    # django-stubs give the node a leading `name` that Django 5.2 does not take.
    return InclusionAdminNode(  # type: ignore[call-arg]
        parser,  # type: ignore[arg-type]
        token,  # type: ignore[arg-type]
        func=date_navigation,
        template_name="date_hierarchy.html",
        takes_context=False,
    )
