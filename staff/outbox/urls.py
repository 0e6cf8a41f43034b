from django.urls import URLPattern, path

from staff.outbox import views

urlpatterns: list[URLPattern] = [
    path("", views.outbox, name="outbox"),
    path("messages/<int:message_id>/retry/", views.retry, name="outbox_retry"),
    path("webhooks/<int:subscription_id>/resume/", views.resume, name="outbox_resume"),
]
