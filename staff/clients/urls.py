"""The client pages, under /staff/clients/."""

from django.urls import path

from staff import packages
from staff.clients import views

urlpatterns = [
    path("", views.search, name="clients"),
    path("<int:pk>/", views.record, name="client"),
    path("<int:pk>/preferences/", views.preferences, name="client-preferences"),
    path("<int:pk>/packages/", packages.sell_package, name="client-sell-package"),
    path("appointments/<uuid:pk>/note/", views.treatment_note, name="treatment-note"),
]
