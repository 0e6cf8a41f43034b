from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from catalog import selectors


def catalog(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "catalog/catalog.html",
        {"massage_types": selectors.active_massage_types_with_offerings()},
    )


def massage_type(request: HttpRequest, slug: str) -> HttpResponse:
    chosen = get_object_or_404(selectors.active_massage_types_with_offerings(), slug=slug)
    rules = selectors.contraindications_of(massage_type_id=chosen.id)
    return render(
        request,
        "catalog/massage_type.html",
        {
            "massage_type": chosen,
            "contraindications": [
                (rule, selectors.HEALTH_CONDITIONS[rule.question]) for rule in rules
            ],
        },
    )
