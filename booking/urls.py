"""The website's booking pages, under /booking/.

The manage page's name and arguments are a contract: the e-mails link to
`booking:manage` with `appointment_id`, and the manage token in the
query (`?t=<token>`, see `booking.guest_access.manage_link`). The first
request exchanges the token for the session and redirects to the page
without it; the guest pages' own addresses never hold the token.
"""

from django.urls import path

from booking import views

app_name = "booking"

GUEST_PAGES = {
    "manage": "",
    "confirmation": "confirmed/",
    "calendar": "appointment.ics",
    "cancel": "cancel/",
    "reschedule": "reschedule/",
}

urlpatterns = [
    path("manage/<uuid:appointment_id>/", views.manage, name="manage"),
    path("manage/<uuid:appointment_id>/confirmed/", views.confirmation, name="confirmation"),
    path("manage/<uuid:appointment_id>/appointment.ics", views.calendar, name="calendar"),
    path("manage/<uuid:appointment_id>/cancel/", views.cancel, name="cancel"),
    path("manage/<uuid:appointment_id>/reschedule/", views.reschedule, name="reschedule"),
    # Links sent before the token moved to the query had it in the path;
    # they come after the pages above, whose last parts they would match.
    *(
        path(f"manage/<uuid:appointment_id>/<str:token>/{rest}", views.old_link, {"page": name})
        for name, rest in GUEST_PAGES.items()
    ),
    path("client-details/<str:token>/", views.client_details, name="client_details"),
    path("<slug:offering_slug>/", views.slot_picker, name="slots"),
    path("<slug:offering_slug>/book/", views.booking_form, name="book"),
    path("<slug:offering_slug>/course/", views.course, name="course"),
]
