"""The visit page and what reception (and a therapist, for their own marks) does there."""

from django.urls import URLPattern, path

from staff.money import views as money
from staff.visits import views

urlpatterns: list[URLPattern] = [
    path("<uuid:pk>/", views.visit_page, name="visit"),
    path("<uuid:pk>/move/", views.move, name="visit_move"),
    path("<uuid:pk>/cancel/", views.cancel, name="visit_cancel"),
    path("<uuid:pk>/checkout/", money.checkout, name="visit_checkout"),
    path("<uuid:pk>/appointments/<uuid:appointment_pk>/mark/", views.mark, name="visit_mark"),
]
