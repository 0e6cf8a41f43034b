from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from studio import health

api_v1: list[URLPattern | URLResolver] = [
    path("", include("catalog.api.urls")),
    path("", include("booking.api.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
]

# Under /api/ an unknown address answers the API's JSON error body.
handler400 = "studio.api.bad_request"
handler404 = "studio.api.page_not_found"

# The website's pages carry their language: /en/catalog/, /ru/catalog/,
# so a link (in an e-mail, say) opens in the language it was sent in.
# An address without one (an older link) is redirected by LocaleMiddleware
# to the same address in the browser's language, its query kept.
# The API, the admin and the health check keep their addresses.
urlpatterns = [
    # `/` goes straight to the catalog in the browser's language.
    path("", RedirectView.as_view(pattern_name="catalog:catalog")),
    path("api/v1/", include((api_v1, "api"))),
    path("admin/", admin.site.urls),
    # The staff workspace: reception's calendar and desk, therapists' own day.
    path("staff/", include("staff.urls")),
    path("health/reminders/", health.reminders, name="health-reminders"),
    *i18n_patterns(
        path("", RedirectView.as_view(pattern_name="catalog:catalog"), name="home"),
        path("catalog/", include("catalog.urls")),
        path("booking/", include("booking.urls")),
        path("gift-cards/", include("payments.gift_card_urls")),
        prefix_default_language=True,
    ),
]
