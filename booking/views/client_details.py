"""The link "Use these details for your client record", from a confirmation e-mail.

Opening the link only shows what would change (a mail scanner that
fetches every link must not change anything); the button on the page
sends a POST, which the service applies. A link that is wrong, expired,
or whose details changed since is a plain 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from booking import errors, services
from booking.models import Appointment
from booking.services import clients
from booking.views.common import on_studio_clock, see_other


def _appointment_or_404(token: str) -> Appointment:
    appointment = clients.appointment_for_details_link(token)
    if appointment is None:
        raise Http404
    return appointment


@never_cache
@on_studio_clock
@require_http_methods(["GET", "POST"])
def client_details(request: HttpRequest, token: str) -> HttpResponse:
    appointment = _appointment_or_404(token)
    if request.method == "POST":
        try:
            services.update_client_from_booking(appointment=appointment)
        except errors.BookingError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Thank you: your client record now has these details."))
        return see_other(reverse("booking:client_details", kwargs={"token": token}))
    client = appointment.client
    return render(
        request,
        "booking/client_details.html",
        {
            "appointment": appointment,
            "client": client,
            "is_applied": (client.name, client.phone)
            == (appointment.contact_name, appointment.contact_phone),
        },
    )
