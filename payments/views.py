"""The website's pay page, its status page, and the gateway's webhook.

One pay page (`render_pay_page`, payments/pay.html with pay.js) takes
every card payment online: a visit's deposit or price here, a package
(`package_views`) and a gift card (`gift_card_views`). The card goes
from the gateway's own script straight to the gateway (a SetupIntent);
this server only learns which card it was from the gateway, and pays
with it (`online.pay_with_card`).

A visit's pay page (`/booking/pay/<payment id>/`) opens only in the
browser that booked: like the manage page, it checks the visit's manage
token that the session keeps (`booking.guest_access`), never one in the
URL. A gift card's code may pay what is asked, whole or in part
(`gift_card_holds`). Only the gateway's signed webhook confirms a visit
paid by card: the status page waits for it, polling with htmx (or a
button without JavaScript).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit
from uuid import UUID

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST
from django_stubs_ext import StrOrPromise

from booking import selectors
from booking.errors import BookingError, RateLimited
from booking.guest_access import granted_appointment
from booking.models import Appointment, Visit
from booking.services import Actor
from booking.views.common import rate_limited, see_other
from payments import errors
from payments.backends import get_backend
from payments.backends.base import InvalidSignature, PaymentError
from payments.forms import GiftCardCodeForm
from payments.models import Payment
from payments.selectors import gift_card_paid
from payments.services import limit_code_tries, online
from payments.services.gift_card_holds import HoldPaidByGiftCard, pay_hold_with_gift_card
from studio.clientip import client_ip
from studio.formatting import format_money


def _granted_payment(request: HttpRequest, payment_id: UUID) -> tuple[Payment, Appointment]:
    """The payment of a visit this browser booked (its session), with the visit's lead; else 404."""
    payment = get_object_or_404(
        Payment.objects.select_related("visit"), pk=payment_id, visit__isnull=False
    )
    assert payment.visit is not None  # noqa: S101 (filtered above; for the type checker)
    lead = selectors.lead_appointment(payment.visit)
    return payment, granted_appointment(request, lead.pk)


def _pay_url(payment: Payment) -> str:
    return reverse("payments:pay", kwargs={"payment_id": payment.pk})


def _status_url(payment: Payment) -> str:
    return reverse("payments:status", kwargs={"payment_id": payment.pk})


def render_pay_page(
    request: HttpRequest,
    *,
    payment: Payment,
    heading: StrOrPromise,
    card_url: str,
    payer_name: str,
    status: int = 200,
    **context: Any,
) -> HttpResponse:
    """The one pay page of `payment`: what is paid (from `context`), then the card field.

    Asks the gateway to start taking a card (a SetupIntent); raises
    PaymentError when it cannot, for the caller to say where to go.
    """
    backend = get_backend()
    entry_secret = backend.start_card_entry(payment_reference=payment.gateway_reference)
    config = backend.browser_config()
    return render(
        request,
        "payments/pay.html",
        {
            "payment": payment,
            "heading": heading,
            "entry_secret": entry_secret,
            "publishable_key": config.get("publishable_key", ""),
            "js_url": config.get("js_url", ""),
            "card_url": card_url,
            "payer_name": payer_name,
            **context,
        },
        status=status,
    )


@never_cache
@require_GET
def pay(request: HttpRequest, payment_id: UUID) -> HttpResponse:
    """The amount, the hold's end, a gift card's code, and the gateway's card field."""
    payment, lead = _granted_payment(request, payment_id)
    return _visit_pay_page(request, payment, lead, GiftCardCodeForm())


def _visit_pay_page(
    request: HttpRequest,
    payment: Payment,
    lead: Appointment,
    form: GiftCardCodeForm,
    *,
    status: int = 200,
) -> HttpResponse:
    visit = lead.visit
    if payment.status != Payment.Status.PENDING or not visit.is_awaiting_payment:
        return redirect(_superseded_by(payment, lead) or _status_url(payment))
    heading = (
        gettext("Pay for your booking")
        if payment.purpose == Payment.Purpose.FULL
        else gettext("Pay the deposit")
    )
    try:
        return render_pay_page(
            request,
            payment=payment,
            heading=heading,
            card_url=reverse("payments:card", kwargs={"payment_id": payment.pk}),
            payer_name=visit.contact_name,
            status=status,
            appointment=lead,
            visit=visit,
            gift_card_form=form,
            gift_card_url=reverse("payments:gift_card", kwargs={"payment_id": payment.pk}),
            gift_card_paid=gift_card_paid(visit),
        )
    except PaymentError as error:
        messages.error(request, error.message)
        return redirect(_status_url(payment))


@require_POST
def gift_card(request: HttpRequest, payment_id: UUID) -> HttpResponse:
    """A gift card's code on the pay page: it pays what is asked, or part of it.

    Tries of codes are counted (`limit_code_tries`). Covering everything
    confirms the visit at once (on to the confirmation); else the pay
    page of what is left by card. A refused code is said on the field.
    """
    payment, lead = _granted_payment(request, payment_id)
    visit = lead.visit
    form = GiftCardCodeForm(request.POST)
    if not form.is_valid():
        return _visit_pay_page(request, payment, lead, form, status=400)
    if not request.session.session_key:
        request.session.save()
    try:
        with limit_code_tries(ip=client_ip(request), session_key=request.session.session_key or ""):
            paid = pay_hold_with_gift_card(
                visit=visit, code=form.cleaned_data["code"], actor=Actor.guest()
            )
    except RateLimited as error:
        form.add_error("code", error.message)
        return rate_limited(_again(request, visit, lead, form, status=429), error)
    except (errors.NotAwaitingPayment, BookingError) as error:
        # Paid by card meanwhile, or the hold ran out: the status page says which.
        messages.info(request, error.message)
        return see_other(_status_url(payment))
    except (errors.PaymentsError, PaymentError) as error:
        form.add_error("code", error.message)
        status = error.status_code if isinstance(error, errors.PaymentsError) else 502
        return _again(request, visit, lead, form, status=status)
    return _after_gift_card(request, paid, lead)


def _after_gift_card(
    request: HttpRequest, paid: HoldPaidByGiftCard, lead: Appointment
) -> HttpResponse:
    """On to the confirmation when the gift card paid it all, else to the rest's pay page."""
    amount = format_money(paid.entry.amount, paid.entry.currency)
    if paid.is_confirmed or paid.payment is None:
        messages.success(
            request,
            gettext("Your gift card paid %(amount)s: no card is needed. Your visit is confirmed.")
            % {"amount": amount},
        )
        return see_other(reverse("booking:confirmation", kwargs={"appointment_id": lead.pk}))
    messages.success(
        request,
        gettext("Your gift card paid %(amount)s. Please pay the rest, %(rest)s, by card.")
        % {"amount": amount, "rest": format_money(paid.left, paid.entry.currency)},
    )
    return see_other(_pay_url(paid.payment))


def _again(
    request: HttpRequest, visit: Visit, lead: Appointment, form: GiftCardCodeForm, *, status: int
) -> HttpResponse:
    """The pay page again, with the refused code's message, on the visit's pending payment."""
    payment = online.latest_payment(visit)
    if payment is None:
        return see_other(reverse("booking:manage", kwargs={"appointment_id": lead.pk}))
    return _visit_pay_page(request, payment, lead, form, status=status)


def pay_with_entered_card(request: HttpRequest, payment: Payment, *, next_url: str) -> JsonResponse:
    """Pay `payment` with the card pay.js gave the gateway (`entry`); tell the script where next.

    The answer pay.js reads: `{"next": …}` (with `action_secret` when the
    gateway wants the browser to finish, 3-D Secure), or `{"error": …}`.
    """
    entry = request.POST.get("entry", "")
    if not entry:
        return JsonResponse(
            {"error": gettext("The card was not taken. Please enter it again.")}, status=400
        )
    try:
        result = online.pay_with_card(payment=payment, entry_reference=entry)
    except PaymentError as error:
        return JsonResponse({"error": error.message}, status=502)
    body: dict[str, Any] = {"next": next_url}
    if result.needs_browser:
        body["action_secret"] = result.payment.client_secret
    return JsonResponse(body)


@require_POST
def card(request: HttpRequest, payment_id: UUID) -> JsonResponse:
    """The pay page's script gave the gateway a card: pay with it, then on to the status."""
    payment, _lead = _granted_payment(request, payment_id)
    return pay_with_entered_card(request, payment, next_url=_status_url(payment))


def _status_context(payment: Payment, lead: Appointment) -> dict[str, Any]:
    visit = lead.visit
    is_refunded = payment.status == Payment.Status.SUCCEEDED and not visit.is_active
    return {
        "payment": payment,
        "appointment": lead,
        "visit": visit,
        "is_waiting": payment.status == Payment.Status.PENDING and visit.is_awaiting_payment,
        "is_paid": payment.status == Payment.Status.SUCCEEDED and visit.is_active,
        "is_refunded": is_refunded,
        "can_try_again": payment.status == Payment.Status.FAILED and visit.is_awaiting_payment,
        "is_released": not visit.is_active and not is_refunded,
        "status_url": _status_url(payment),
        "confirmation_url": reverse("booking:confirmation", kwargs={"appointment_id": lead.pk}),
        "retry_url": reverse("payments:retry", kwargs={"payment_id": payment.pk}),
        "offering_url": reverse("catalog:catalog"),
    }


def _superseded_by(payment: Payment, lead: Appointment) -> str | None:
    """Where a payment cancelled for a gift card's sake sends the browser (a page gone back to).

    The pay page of the card payment of the rest, or the confirmation
    when the gift card paid it all; None for any other payment.
    """
    visit = lead.visit
    if payment.status != Payment.Status.CANCELLED or not visit.is_active:
        return None
    if not visit.is_awaiting_payment:
        return reverse("booking:confirmation", kwargs={"appointment_id": lead.pk})
    newest = online.latest_payment(visit)
    if newest is not None and newest.status == Payment.Status.PENDING:
        return _pay_url(newest)
    return None


@never_cache
@require_GET
def status(request: HttpRequest, payment_id: UUID) -> HttpResponse:
    """Waiting for the payment; received and confirmed; declined (and why); or released."""
    payment, lead = _granted_payment(request, payment_id)
    superseded = _superseded_by(payment, lead)
    if superseded is not None:
        return redirect(superseded)
    template = (
        "payments/_status.html" if request.headers.get("HX-Request") else "payments/status.html"
    )
    return render(request, template, _status_context(payment, lead))


@require_POST
def retry(request: HttpRequest, payment_id: UUID) -> HttpResponse:
    """Another card for a visit still held: a new payment, and its pay page."""
    payment, lead = _granted_payment(request, payment_id)
    try:
        again = online.start_visit_payment(visit=lead.visit, now=timezone.now())
    except PaymentError as error:
        messages.error(request, error.message)
        return redirect(_status_url(payment))
    return redirect(_pay_url(again))


def script_origin(js_url: str) -> str:
    """The origin of the gateway's script (for a Content-Security-Policy, should one come)."""
    parts = urlsplit(js_url)
    return f"{parts.scheme}://{parts.netloc}"


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> JsonResponse:
    """Stripe's signed events: 400 for a bad signature (nothing written), else 200 once handled.

    A refund that cannot be made now answers 503, so Stripe sends the
    event again and the refund is tried again.
    """
    try:
        handled = online.handle_webhook(
            body=request.body, signature=request.headers.get("Stripe-Signature", "")
        )
    except InvalidSignature as error:
        return JsonResponse(
            {"error": {"code": "invalid_signature", "message": error.message}}, status=400
        )
    except PaymentError as error:
        return JsonResponse({"error": {"code": error.code, "message": error.message}}, status=503)
    return JsonResponse({"received": True, "duplicate": not handled.is_new})
