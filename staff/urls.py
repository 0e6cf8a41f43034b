"""The staff workspace's addresses, under /staff/ (namespace "staff").

Each part of the workspace keeps its own addresses in its package.
"""

from django.contrib.auth import views as auth_views
from django.urls import include, path

from staff.forms import StaffLoginForm

app_name = "staff"

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="staff/login.html",
            authentication_form=StaffLoginForm,
            redirect_authenticated_user=True,
            next_page="/staff/",
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(next_page="staff:login"), name="logout"),
    path("", include("staff.calendar.urls")),
    path("visits/", include("staff.visits.urls")),
    path("clients/", include("staff.clients.urls")),
    path("feed/", include("staff.clients.feed_urls")),
    path("reports/", include("staff.reports.urls")),
    path("waitlist/", include("staff.waitlist.urls")),
    path("outbox/", include("staff.outbox.urls")),
    path("", include("staff.money.urls")),
]
