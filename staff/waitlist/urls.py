from django.urls import URLPattern, path

from staff.waitlist import views

urlpatterns: list[URLPattern] = [
    path("", views.day, name="waitlist"),
    path("<int:entry_id>/offer/", views.offer, name="waitlist_offer"),
]
