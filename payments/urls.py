"""The pay pages, under /booking/pay/ (with the site's language prefix)."""

from django.urls import path

from payments import views

app_name = "payments"

urlpatterns = [
    path("<uuid:payment_id>/", views.pay, name="pay"),
    path("<uuid:payment_id>/card/", views.card, name="card"),
    path("<uuid:payment_id>/gift-card/", views.gift_card, name="gift_card"),
    path("<uuid:payment_id>/status/", views.status, name="status"),
    path("<uuid:payment_id>/again/", views.retry, name="retry"),
]
