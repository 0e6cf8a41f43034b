"""The website's pay page, its status page, and the gateway's webhook.

The pay page (`/booking/pay/<payment id>/`) opens only in the browser
that booked: like the manage page, it checks the visit's manage token
that the session keeps (`booking.guest_access`), never one in the URL.
The card goes from the gateway's own script straight to the gateway;
this server only learns which card it was from the gateway. Only the
gateway's signed webhook confirms the visit: the status page waits for
it, polling with htmx (or a button without JavaScript).
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

from booking import selectors
from booking.guest_access import granted_appointment
from booking.models import Appointment
from payments.backends import get_backend
from payments.backends.base import InvalidSignature, PaymentError
from payments.models import Payment
from payments.services import online


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


@never_cache
@require_GET
def pay(request: HttpRequest, payment_id: UUID) -> HttpResponse:
    """The amount, the hold's end, and the gateway's card field."""
    payment, lead = _granted_payment(request, payment_id)
    visit = lead.visit
    if payment.status != Payment.Status.PENDING or not visit.is_awaiting_payment:
        return redirect(_status_url(payment))
    try:
        entry_secret = get_backend().start_card_entry(payment_reference=payment.gateway_reference)
    except PaymentError as error:
        messages.error(request, error.message)
        return redirect(_status_url(payment))
    config = get_backend().browser_config()
    return render(
        request,
        "payments/pay.html",
        {
            "payment": payment,
            "appointment": lead,
            "visit": visit,
            "entry_secret": entry_secret,
            "publishable_key": config.get("publishable_key", ""),
            "js_url": config.get("js_url", ""),
            "card_url": reverse("payments:card", kwargs={"payment_id": payment.pk}),
            "status_url": _status_url(payment),
        },
    )


@require_POST
def card(request: HttpRequest, payment_id: UUID) -> JsonResponse:
    """The pay page's script gave the gateway a card: pay with it, then on to the status."""
    payment, _lead = _granted_payment(request, payment_id)
    entry = request.POST.get("entry", "")
    if not entry:
        return JsonResponse(
            {"error": gettext("The card was not taken. Please enter it again.")}, status=400
        )
    try:
        result = online.pay_with_card(payment=payment, entry_reference=entry)
    except PaymentError as error:
        return JsonResponse({"error": error.message}, status=502)
    body: dict[str, Any] = {"next": _status_url(payment)}
    if result.needs_browser:
        body["action_secret"] = result.payment.client_secret
    return JsonResponse(body)


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


@never_cache
@require_GET
def status(request: HttpRequest, payment_id: UUID) -> HttpResponse:
    """Waiting for the payment; received and confirmed; declined (and why); or released."""
    payment, lead = _granted_payment(request, payment_id)
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
