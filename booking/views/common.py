"""What the booking pages share: the studio's clock, links, the offering being booked."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from booking import selectors
from booking.errors import RateLimited
from booking.models import Therapist
from booking.site_forms import VisitForm
from catalog import selectors as catalog_selectors
from catalog.models import Contraindication, Offering

View = Callable[..., HttpResponse]


def on_studio_clock(view: View) -> View:
    """Render the view's dates and times in the studio's zone, whatever the server's."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        with timezone.override(settings.STUDIO_TIME_ZONE):
            return view(request, *args, **kwargs)

    return wrapper


def with_query(path: str, params: dict[str, str]) -> str:
    return f"{path}?{urlencode(params)}" if params else path


def see_other(url: str) -> HttpResponseRedirect:
    """After a POST, the browser fetches the next page with a GET."""
    return HttpResponseRedirect(url, status=303)


def rate_limited(response: HttpResponse, error: RateLimited) -> HttpResponse:
    """A page that shows a limit's refusal: 429, and when to try again."""
    response.status_code = error.status_code
    response["Retry-After"] = str(error.retry_after)
    return response


def offering_or_404(slug: str) -> Offering:
    offering = catalog_selectors.bookable_offering(slug=slug)
    if offering is None:
        raise Http404
    return offering


def therapists_for(offering: Offering) -> list[Therapist]:
    """The active therapists who give this massage, for the picker's choice."""
    return selectors.therapists_giving(massage_type_id=offering.massage_type_id)


def offering_context(offering: Offering) -> dict[str, Any]:
    """The offering, and what the health answers mean for its massage type."""
    rules = catalog_selectors.contraindications_of(massage_type_id=offering.massage_type_id)
    return {
        "offering": offering,
        "massage_type": offering.massage_type,
        "contraindications": {rule.question: rule for rule in rules},
        "ruled_out_by": [
            catalog_selectors.HEALTH_CONDITIONS[rule.question]
            for rule in rules
            if rule.severity == Contraindication.Severity.RULES_OUT
        ],
        "zone_name": settings.STUDIO_TIME_ZONE,
    }


def visit_context(offering: Offering, visit_form: VisitForm) -> dict[str, Any]:
    """The visit chosen on the offering's page (`visit_form` is valid), and what it costs.

    `other_offerings` are those the client may add after this one; the
    price and the length are the whole visit's.
    """
    people: int = visit_form.cleaned_data["people"]
    then: Offering | None = visit_form.cleaned_data["then"]
    offerings = [offering] * people + ([then] if then else [])
    return {
        "people": people,
        "then": then,
        "is_course": visit_form.cleaned_data["course"],
        "visit_query": visit_form.query(),
        "other_offerings": list(visit_form.other_offerings),
        "visit_price": sum((part.price for part in offerings), Decimal(0)),
        # Side by side, the visit lasts as long as one massage.
        "visit_minutes": sum(part.duration_minutes for part in offerings[people - 1 :]),
    }


def bad_visit(request: HttpRequest, offering: Offering, visit_form: VisitForm) -> HttpResponse:
    """A choice the offering does not allow (an edited link, say): 400, saying why."""
    return render(
        request,
        "booking/bad_visit.html",
        {
            **offering_context(offering),
            "visit_form": visit_form,
            "picker_url": reverse("booking:slots", kwargs={"offering_slug": offering.slug}),
        },
        status=400,
    )
