"""The website's booking pages, under /booking/.

The manage page's name and arguments are a contract: the e-mails link to
`booking:manage` with `appointment_id` and `token`.
"""

from django.urls import path

from booking import views

app_name = "booking"

urlpatterns = [
    path("manage/<uuid:appointment_id>/<str:token>/", views.manage, name="manage"),
    path(
        "manage/<uuid:appointment_id>/<str:token>/confirmed/",
        views.confirmation,
        name="confirmation",
    ),
    path(
        "manage/<uuid:appointment_id>/<str:token>/appointment.ics",
        views.calendar,
        name="calendar",
    ),
    path("manage/<uuid:appointment_id>/<str:token>/cancel/", views.cancel, name="cancel"),
    path(
        "manage/<uuid:appointment_id>/<str:token>/reschedule/",
        views.reschedule,
        name="reschedule",
    ),
    path("client-details/<str:token>/", views.client_details, name="client_details"),
    path("<slug:offering_slug>/", views.slot_picker, name="slots"),
    path("<slug:offering_slug>/book/", views.booking_form, name="book"),
]
