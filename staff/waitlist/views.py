"""The waitlist per day, for reception: who waits for what, and "offer this time"."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from booking.errors import BookingError
from booking.views.common import see_other
from notifications import waitlist
from notifications.models import WaitlistEntry
from staff.access import Scope, reception_only, staff_view


def _day_url(day: date) -> str:
    return f"{reverse('staff:waitlist')}?{urlencode({'date': day.isoformat()})}"


@require_GET
@staff_view
def day(request: HttpRequest, scope: Scope) -> HttpResponse:
    reception_only(scope)
    try:
        shown = date.fromisoformat(request.GET.get("date") or timezone.localdate().isoformat())
    except ValueError:
        return HttpResponseBadRequest(gettext("The date is not one of the calendar's."))
    entries = waitlist.waiting_on(shown)
    # What each one waiting could be offered on this day; an offered one waits for its answer.
    starts = waitlist.free_starts(
        [entry for entry in entries if entry.status == WaitlistEntry.Status.WAITING], shown
    )
    return render(
        request,
        "staff/waitlist/day.html",
        {
            "day": shown,
            "entries": [(entry, starts.get(entry.pk, [])) for entry in entries],
            "previous_url": _day_url(shown - timedelta(days=1)),
            "next_url": _day_url(shown + timedelta(days=1)),
            "calendar_url": f"{reverse('staff:calendar')}?{urlencode({'date': shown.isoformat()})}",
        },
    )


@require_POST
@staff_view
def offer(request: HttpRequest, scope: Scope, entry_id: int) -> HttpResponse:
    """Offer the time reception chose to one entry, by the same services as a freed time."""
    reception_only(scope)
    entry = get_object_or_404(
        WaitlistEntry.objects.select_related("offering", "therapist"), pk=entry_id
    )
    try:
        shown = date.fromisoformat(request.POST.get("date", ""))
        clock = time.fromisoformat(request.POST.get("time", ""))
    except ValueError:
        return HttpResponseBadRequest(gettext("Choose a day and a time."))
    start_at = datetime.combine(shown, clock, tzinfo=ZoneInfo(settings.STUDIO_TIME_ZONE))
    try:
        waitlist.offer_by_hand(entry=entry, start_at=start_at)
    except BookingError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            gettext("%(name)s has been offered %(time)s.")
            % {"name": entry.contact_name, "time": clock.strftime("%H:%M")},
        )
    return see_other(_day_url(shown))
