"""The waitlist's pages: join from the slot picker, leave it, and take an offered time.

The links in the e-mails carry a token in the query (`?t=`): the first
request keeps it in the session and redirects to the page without it,
as booking's manage links do (`booking.guest_access`), so a token never
reaches an access log or a Referer.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from booking import errors
from booking.guest_access import grant_access
from booking.services import limits
from booking.services.actors import Actor
from booking.views.common import offering_or_404, rate_limited, see_other, therapists_for
from notifications import waitlist
from notifications.forms import WaitlistForm
from notifications.models import WaitlistEntry, WaitlistOffer
from studio.clientip import client_ip

TOKEN_PARAMETER = "t"  # noqa: S105 (the name of a query parameter, not a secret)
OFFERS_KEY = "waitlist_offers"
ENTRIES_KEY = "waitlist_entries"


def _keep(request: HttpRequest, key: str, value: int) -> None:
    kept = [*request.session.get(key, []), value][-20:]
    request.session[key] = kept


def _exchange(
    request: HttpRequest, found: WaitlistEntry | WaitlistOffer | None, key: str, page: str
) -> HttpResponse:
    """Keep what a link's token opens in the session, and go on to its page without the token."""
    if found is None:
        raise Http404
    request.session.cycle_key()
    _keep(request, key, found.pk)
    response = HttpResponseRedirect(reverse(page, args=[found.pk]), status=303)
    response["Referrer-Policy"] = "no-referrer"
    return response


@require_http_methods(["GET", "POST"])
def join(request: HttpRequest, offering_slug: str) -> HttpResponse:
    """The form "Tell me when a time frees up", filled in from the day the picker showed."""
    offering = offering_or_404(offering_slug)
    therapists = therapists_for(offering)
    if request.method == "POST":
        form = WaitlistForm(request.POST, therapists=therapists)
        if form.is_valid():
            values = form.cleaned_data
            try:
                with limits.limit_booking(
                    ip=client_ip(request),
                    email=values["email"],
                    phone=values["phone"],
                    user=request.user,
                ):
                    entry = waitlist.join_waitlist(
                        details=form.client(),
                        offering=offering,
                        therapist=form.chosen_therapist(),
                        people=values["people"],
                        date_from=values["date_from"],
                        date_to=values["date_to"],
                        time_from=values["time_from"],
                        time_to=values["time_to"],
                        language=request.LANGUAGE_CODE,
                        actor=Actor.guest(),
                    )
            except errors.RateLimited as error:
                form.add_error(None, error.message)
                return rate_limited(_join_page(request, offering, form), error)
            except errors.BookingError as error:
                field = next(iter(error.fields), None)
                form.add_error(field if field in form.fields else None, error.message)
            else:
                _keep(request, ENTRIES_KEY, entry.pk)
                return see_other(reverse("waitlist:entry", kwargs={"entry_id": entry.pk}))
        return _join_page(request, offering, form, status=400)
    day = timezone.localdate()
    with suppress(ValueError):
        day = date.fromisoformat(request.GET.get("on", ""))
    initial = {
        "date_from": day,
        "date_to": day + timedelta(days=6),
        "time_from": time(9),
        "time_to": time(20),
        "therapist": request.GET.get("therapist") or "",
        "people": request.GET.get("people") or 1,
    }
    return _join_page(request, offering, WaitlistForm(initial=initial, therapists=therapists))


def _join_page(
    request: HttpRequest, offering: object, form: WaitlistForm, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "notifications/waitlist_join.html",
        {"offering": offering, "form": form},
        status=status,
    )


@require_GET
def entry_link(request: HttpRequest) -> HttpResponse:
    found = waitlist.entry_for_token(request.GET.get(TOKEN_PARAMETER, ""))
    return _exchange(request, found, ENTRIES_KEY, "waitlist:entry")


@never_cache
@require_http_methods(["GET", "POST"])
def entry(request: HttpRequest, entry_id: int) -> HttpResponse:
    """The client's place in line: what they wait for, and "Leave the waitlist"."""
    if entry_id not in request.session.get(ENTRIES_KEY, []):
        raise Http404
    found = WaitlistEntry.objects.select_related("offering", "therapist").get(pk=entry_id)
    if request.method == "POST":
        found = waitlist.withdraw_entry(entry=found)
        return see_other(reverse("waitlist:entry", kwargs={"entry_id": found.pk}))
    return render(request, "notifications/waitlist_entry.html", {"entry": found})


@require_GET
def offer_link(request: HttpRequest) -> HttpResponse:
    found = waitlist.offer_for_token(request.GET.get(TOKEN_PARAMETER, ""))
    return _exchange(request, found, OFFERS_KEY, "waitlist:offer")


@never_cache
@require_http_methods(["GET", "POST"])
def offer(request: HttpRequest, offer_id: int) -> HttpResponse:
    """An offered time with "Take it"; one that has gone says so."""
    if offer_id not in request.session.get(OFFERS_KEY, []):
        raise Http404
    found = WaitlistOffer.objects.select_related("entry__offering", "entry__therapist").get(
        pk=offer_id
    )
    if request.method == "POST":
        try:
            taken = waitlist.take_offer(offer=found)
        except waitlist.OfferGone:
            found.refresh_from_db()
            return _offer_page(request, found, status=409)
        grant_access(request, taken.appointment)
        return see_other(
            reverse("booking:confirmation", kwargs={"appointment_id": taken.appointment.pk})
        )
    return _offer_page(request, found)


def _offer_page(request: HttpRequest, found: WaitlistOffer, status: int = 200) -> HttpResponse:
    is_open = found.status == WaitlistOffer.Status.OPEN and found.expires_at > timezone.now()
    zone = ZoneInfo(settings.STUDIO_TIME_ZONE)
    return render(
        request,
        "notifications/waitlist_offer.html",
        {
            "offer": found,
            "is_open": is_open,
            "start": found.start_at.astimezone(zone),
            "expires": found.expires_at.astimezone(zone),
        },
        status=status,
    )
