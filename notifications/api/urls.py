from django.urls import path

from notifications.api import views

urlpatterns = [
    path("waitlist/", views.WaitlistApi.as_view(), name="waitlist"),
    path("waitlist/<int:pk>/", views.WaitlistEntryApi.as_view(), name="waitlist-entry"),
]
