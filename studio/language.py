"""The language a request is answered in, and the API's `?lang=`.

The website's pages carry their language in the address (`/en/…`,
`/ru/…`, see studio.urls): Django's LocaleMiddleware reads it there, and
for an address without one (an old link, `/`) takes the browser's
Accept-Language and redirects to the address with it. The API, the
admin and the health check keep their addresses: LocaleMiddleware
answers them in the Accept-Language's language, and under /api/ a
`?lang=` wins over it, so that a program can ask for a language without
setting a header; a language the studio does not speak is a 400 naming
`lang`.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import translation
from django.utils.translation import gettext

from studio.api import error_body

LANGUAGE_PARAMETER = "lang"


def language_codes() -> list[str]:
    """The codes of the languages the studio speaks (settings.LANGUAGES), e.g. ["en", "ru"]."""
    return [code for code, _name in settings.LANGUAGES]


def api_language(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[..., HttpResponse]:
    """Middleware: answer an API request in the language of its `?lang=`, if it has one.

    It runs after LocaleMiddleware, which has activated the language of
    Accept-Language; `?lang=` replaces it for this request, the answer's
    Content-Language included.
    """

    def middleware(request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith("/api/") and LANGUAGE_PARAMETER in request.GET:
            given = request.GET[LANGUAGE_PARAMETER]
            codes = language_codes()
            if given not in codes:
                reason = gettext("Choose one of: %(languages)s.") % {"languages": ", ".join(codes)}
                return JsonResponse(
                    error_body(
                        "invalid",
                        gettext("Some fields are not valid."),
                        {LANGUAGE_PARAMETER: [reason]},
                    ),
                    status=400,
                )
            translation.activate(given)
            request.LANGUAGE_CODE = given
        return get_response(request)

    return middleware
