from django.urls import URLPattern, path

from staff.reports import views

urlpatterns: list[URLPattern] = [
    path("", views.reports, name="reports"),
]
