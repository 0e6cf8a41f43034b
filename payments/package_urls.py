"""The public package pages, under /<language>/packages/ (namespace "packages")."""

from django.urls import path

from payments import package_views as views

app_name = "packages"

urlpatterns = [
    path("", views.package_list, name="list"),
    path("<int:package_id>/buy/", views.buy, name="buy"),
    path("pay/<uuid:payment_id>/", views.pay, name="pay"),
    path("pay/<uuid:payment_id>/card/", views.pay_card, name="pay-card"),
    path("mine/<uuid:package_id>/", views.mine, name="mine"),
    path("mine/<uuid:package_id>/book/", views.book_session, name="book"),
]
