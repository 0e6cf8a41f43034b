"""The visit page and what reception (and a therapist, for their own marks) does there."""

from django.urls import URLPattern, path

from staff import packages
from staff.money import views as checkout
from staff.visits import money, views

urlpatterns: list[URLPattern] = [
    path("<uuid:pk>/", views.visit_page, name="visit"),
    path("<uuid:pk>/move/", views.move, name="visit_move"),
    path("<uuid:pk>/cancel/", views.cancel, name="visit_cancel"),
    path("<uuid:pk>/no-show-fee/", money.no_show_fee, name="visit_no_show_fee"),
    path("<uuid:pk>/refund/", money.refund, name="visit_refund"),
    path("<uuid:pk>/desk-fee/", money.desk_fee, name="visit_desk_fee"),
    path("<uuid:pk>/package/", packages.use_package, name="visit_package"),
    path("<uuid:pk>/checkout/", checkout.checkout, name="visit_checkout"),
    path("<uuid:pk>/appointments/<uuid:appointment_pk>/mark/", views.mark, name="visit_mark"),
]
