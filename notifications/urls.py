"""The waitlist's pages, under /waitlist/ (notifications.views)."""

from django.urls import path

from notifications import views

app_name = "waitlist"

urlpatterns = [
    path("join/<slug:offering_slug>/", views.join, name="join"),
    path("entry/", views.entry_link, name="entry_link"),
    path("entry/<int:entry_id>/", views.entry, name="entry"),
    path("offer/", views.offer_link, name="offer_link"),
    path("offer/<int:offer_id>/", views.offer, name="offer"),
]
