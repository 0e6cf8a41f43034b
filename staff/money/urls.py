"""The desk's gift cards and printed receipts, under /staff/."""

from django.urls import URLPattern, path

from staff.money import views

urlpatterns: list[URLPattern] = [
    path("gift-cards/", views.gift_cards, name="gift_cards"),
    path("receipts/<int:entry_id>/", views.receipt, name="receipt"),
]
