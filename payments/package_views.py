"""The public package pages: packages for sale, buying one by card, the client's own page.

The client's page opens with the private link from the e-mail
(`?t=<token>`): the first request checks the token, keeps it in the
session and redirects to the address without it, as the booking's
manage link does (booking/guest_access.py), so the token never reaches
an access log or a Referer. The browser that paid for a package opens
its page at once, the same way.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from booking import errors as booking_errors
from booking.models import Appointment, Visit
from booking.services import Actor, ClientDetails, confirm_held_appointment
from booking.services.visits import WantedAppointment, book_visit, cancel_visit
from booking.views.common import on_studio_clock
from booking.visits import Part, visit_slots
from payments import selectors
from payments.backends import get_backend
from payments.backends.base import PaymentError
from payments.models import ClientPackage, Package, Payment
from payments.package_access import grant, granted_package
from payments.package_forms import BuyForm
from payments.package_mail import TOKEN_PARAMETER
from payments.services import packages as services
from payments.views import render_pay_page

PAYMENTS_KEY = "package_payments"
# The free starts the package page offers: the next days, the first few.
BOOK_DAYS = 14
BOOK_STARTS = 8
STUDIO = Actor(label="studio", is_staff=True)


def _for_sale() -> list[Package]:
    return list(
        Package.objects.filter(is_active=True, offering__is_active=True)
        .select_related("offering", "offering__massage_type")
        .order_by("offering__massage_type__name", "price", "pk")
    )


@on_studio_clock
def package_list(request: HttpRequest) -> HttpResponse:
    """The packages for sale, each with its price per session against the single price."""
    packages = _for_sale()
    rows = [
        {
            "package": package,
            "per_session": services.price_per_session(package),
            "saving": package.offering.price * package.sessions - package.price,
        }
        for package in packages
    ]
    return render(
        request,
        "payments/packages.html",
        {"rows": rows, "takes_online": get_backend().takes_online, "form": BuyForm()},
    )


@on_studio_clock
@require_POST
def buy(request: HttpRequest, package_id: int) -> HttpResponse:
    """Start buying a package: the client's details, then the card page."""
    package = get_object_or_404(Package, pk=package_id, is_active=True)
    form = BuyForm(request.POST)
    if not form.is_valid():
        return _list_with(request, package, form, status=400)
    try:
        payment = services.start_package_purchase(
            package=package, client_details=form.details(), language=get_language()
        )
    except (PaymentError, services.PackageError) as error:
        form.add_error(None, error.message)
        return _list_with(request, package, form, status=422)
    started = list(request.session.get(PAYMENTS_KEY, []))
    request.session[PAYMENTS_KEY] = [*started[-9:], str(payment.pk)]
    return HttpResponseRedirect(reverse("packages:pay", args=[payment.pk]), status=303)


def _list_with(
    request: HttpRequest, package: Package, form: BuyForm, *, status: int
) -> HttpResponse:
    rows = [
        {
            "package": package,
            "per_session": services.price_per_session(package),
            "saving": package.offering.price * package.sessions - package.price,
        }
    ]
    return render(
        request,
        "payments/packages.html",
        {"rows": rows, "takes_online": True, "form": form, "chosen": package},
        status=status,
    )


def _own_payment(request: HttpRequest, payment_id: UUID) -> Payment:
    """A package's payment this browser started, or a plain 404."""
    if str(payment_id) not in request.session.get(PAYMENTS_KEY, []):
        raise Http404
    return get_object_or_404(
        Payment.objects.select_related("client_package__package__offering"),
        pk=payment_id,
        purpose=Payment.Purpose.PACKAGE,
    )


@on_studio_clock
def pay(request: HttpRequest, payment_id: UUID) -> HttpResponse:
    """The card page: the gateway's card field, then the package's page."""
    payment = _own_payment(request, payment_id)
    if payment.status == Payment.Status.SUCCEEDED and payment.client_package is not None:
        return _open_package(request, payment.client_package)
    client_package = payment.client_package
    try:
        return render_pay_page(
            request,
            payment=payment,
            heading=_("Pay for your package"),
            card_url=reverse("packages:pay-card", args=[payment.pk]),
            payer_name=client_package.client.name if client_package else "",
            client_package=client_package,
        )
    except PaymentError as error:
        messages.error(request, error.message)
        return HttpResponseRedirect(reverse("packages:list"), status=303)


@require_POST
def pay_card(request: HttpRequest, payment_id: UUID) -> HttpResponse:
    """Pay with the card the browser gave the gateway; answer where to go next (JSON)."""
    payment = _own_payment(request, payment_id)
    entry = request.POST.get("entry", "")
    if not entry:
        return JsonResponse(
            {"error": _("The card was not taken. Please enter it again.")}, status=400
        )
    try:
        reported = get_backend().pay_with_card_entry(
            payment_reference=payment.gateway_reference, entry_reference=entry
        )
    except PaymentError as error:
        return JsonResponse({"error": error.message}, status=402)
    if reported.status != "succeeded":
        return JsonResponse({"error": _("The payment did not go through.")}, status=402)
    client_package = services.complete_package_purchase(payment=payment)
    grant(request, client_package)
    return JsonResponse({"next": reverse("packages:mine", args=[client_package.pk])})


def _open_package(request: HttpRequest, client_package: ClientPackage) -> HttpResponse:
    grant(request, client_package)
    return HttpResponseRedirect(reverse("packages:mine", args=[client_package.pk]), status=303)


@on_studio_clock
def mine(request: HttpRequest, package_id: UUID) -> HttpResponse:
    """The client's package: sessions left, until when, the visits booked with it, book one."""
    token = request.GET.get(TOKEN_PARAMETER)
    if token is not None:
        client_package = services.package_for_token(token)
        if client_package is None or client_package.pk != package_id:
            raise Http404
        response = _open_package(request, client_package)
        response["Referrer-Policy"] = "no-referrer"
        return response
    client_package = granted_package(request, package_id)
    return render(request, "payments/package_mine.html", _mine_context(client_package))


def _mine_context(client_package: ClientPackage, **extra: Any) -> dict[str, Any]:
    now = timezone.now()
    left = selectors.sessions_left(client_package)
    is_usable = client_package.is_paid and client_package.expires_at > now and left > 0
    return {
        "client_package": client_package,
        "left": left,
        "is_expired": client_package.expires_at <= now,
        "visits": selectors.visits_of_package(client_package),
        "starts": _free_starts(client_package) if is_usable else [],
        "course_url": _course_url(client_package, left=left) if is_usable else "",
        **extra,
    }


def _course_url(client_package: ClientPackage, *, left: int) -> str:
    """The course picker, when the package's massage is sold as a course it can pay whole."""
    offering = client_package.offering
    if not offering.is_course or left < (offering.course_sessions or 0):
        return ""
    path = reverse("booking:slots", kwargs={"offering_slug": offering.slug})
    return f"{path}?course=1"


def _refusal(client_package: ClientPackage) -> services.PackageError | None:
    """Why the package cannot pay for another session now, before a time is taken for it."""
    if client_package.expires_at <= timezone.now():
        return services.PackageExpired()
    if selectors.sessions_left(client_package) <= 0:
        return services.NoSessionsLeft()
    return None


def _free_starts(client_package: ClientPackage) -> list[Any]:
    zone = timezone.get_current_timezone()
    today = timezone.now().astimezone(zone).date()
    slots = visit_slots(
        parts=[Part(offering=client_package.offering)],
        together=False,
        start_on=today,
        end_on=today + timedelta(days=BOOK_DAYS),
    )
    return [slot.start_at.astimezone(zone) for slot in slots[:BOOK_STARTS]]


@on_studio_clock
@require_POST
def book_session(request: HttpRequest, package_id: UUID) -> HttpResponse:
    """Book the package's massage at a free start and pay for it with one session.

    The page was opened with the package's private link, which proves
    the client reads that mailbox: the visit is confirmed at once. If
    the session cannot be redeemed (none left meanwhile), the visit is
    cancelled again and the client told why.
    """
    client_package = granted_package(request, package_id)
    client = client_package.client
    refusal = _refusal(client_package)
    if refusal is not None:
        context = _mine_context(client_package, error=refusal.message)
        return render(request, "payments/package_mine.html", context, status=refusal.status_code)
    zone = timezone.get_current_timezone()
    starts = {start.isoformat(): start for start in _free_starts(client_package)}
    start_at = starts.get(request.POST.get("start", ""))
    if start_at is None:
        context = _mine_context(client_package, error=_("Choose one of the free times."))
        return render(request, "payments/package_mine.html", context, status=400)
    actor = Actor(label="client")
    try:
        visit = book_visit(
            appointments=[WantedAppointment(offering=client_package.offering, start_at=start_at)],
            client=ClientDetails(name=client.name, email=client.email, phone=client.phone),
            source=Appointment.Source.WEB,
            actor=actor,
            language=client.language or settings.LANGUAGE_CODE,
        )
        if visit.status == Visit.Status.HELD:
            lead = visit.appointments.order_by("start_at").first()
            if lead is not None:
                confirm_held_appointment(appointment=lead, actor=actor)
        services.redeem_session(client_package=client_package, visit=visit, actor=actor)
    except services.PackageError as error:
        # Put back the time just taken: as the studio, since a guest's
        # cut-off may already have passed for a visit booked this soon.
        cancel_visit(visit=visit, actor=STUDIO, reason=error.message, notify=False)
        context = _mine_context(client_package, error=error.message)
        return render(request, "payments/package_mine.html", context, status=error.status_code)
    except booking_errors.BookingError as error:
        context = _mine_context(client_package, error=error.message)
        return render(request, "payments/package_mine.html", context, status=error.status_code)
    messages.success(
        request,
        _("Booked for %(when)s, paid with a session of your package.")
        % {"when": date_format(start_at.astimezone(zone), "DATETIME_FORMAT")},
    )
    return HttpResponseRedirect(reverse("packages:mine", args=[client_package.pk]), status=303)
