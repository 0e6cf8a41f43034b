"""The therapists' calendar feeds, under /staff/feed/."""

from django.urls import path

from staff.clients import feed

urlpatterns = [
    path("", feed.settings_page, name="feed-settings"),
    path("<str:token>.ics", feed.feed, name="feed"),
]
