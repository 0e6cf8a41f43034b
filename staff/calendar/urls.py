from django.urls import URLPattern, path

from staff.calendar import views

urlpatterns: list[URLPattern] = [
    path("", views.calendar, name="home"),
    path("calendar/", views.calendar, name="calendar"),
    path("book/", views.book, name="book"),
]
