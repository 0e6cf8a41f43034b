"""The public gift card pages, under /<language>/gift-cards/ (namespace "gift_cards")."""

from django.urls import URLPattern, path

from payments import gift_card_views as views

app_name = "gift_cards"

urlpatterns: list[URLPattern] = [
    path("", views.buy, name="gift_cards"),
    path("balance/", views.balance, name="gift_card_balance"),
    path("pay/<uuid:pk>/", views.pay, name="gift_card_pay"),
    path("pay/<uuid:pk>/card/", views.card, name="gift_card_card"),
    path("paid/<uuid:pk>/", views.paid, name="gift_card_paid"),
]
