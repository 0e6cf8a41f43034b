from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from payments import views as payment_views
from studio import health

api_v1: list[URLPattern | URLResolver] = [
    path("", include("catalog.api.urls")),
    path("", include("booking.api.urls")),
    path("", include("notifications.api.urls")),
    path("", include("notifications.api.webhook_urls")),
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
    # The staff pages carry no language in their address: their switch
    # posts to Django's `set_language`, which keeps the choice in a
    # cookie and goes back to the same page (`staff/_languages.html`).
    path("i18n/", include("django.conf.urls.i18n")),
    path("health/reminders/", health.reminders, name="health-reminders"),
    # The gateway's signed events: no language, no session, no CSRF token.
    path("payments/webhooks/stripe/", payment_views.stripe_webhook, name="stripe-webhook"),
    *i18n_patterns(
        path("", RedirectView.as_view(pattern_name="catalog:catalog"), name="home"),
        path("catalog/", include("catalog.urls")),
        path("booking/pay/", include("payments.urls")),
        path("booking/", include("booking.urls")),
        path("packages/", include("payments.package_urls")),
        path("gift-cards/", include("payments.gift_card_urls")),
        path("waitlist/", include("notifications.urls")),
        prefix_default_language=True,
    ),
]
