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

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="catalog:catalog"), name="home"),
    path("catalog/", include("catalog.urls")),
    path("booking/", include("booking.urls")),
    path("api/v1/", include((api_v1, "api"))),
    path("admin/", admin.site.urls),
    path("health/reminders/", health.reminders, name="health-reminders"),
]
