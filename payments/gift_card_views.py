"""The public gift card pages: buy one online, pay for it, check a balance.

Buying online needs a backend that takes cards (`takes_online`); with
the embedded pay-at-studio default the page says gift cards are sold at
the studio. The card is paid on the one pay page (`views.render_pay_page`):
the gateway's script takes the card, the studio pays with it
(`online.pay_with_card`); the page after paying asks the gateway
whether it succeeded (never the browser's word alone) and then shows the
code once. The gateway's webhook completes the purchase too, whichever
is first (`complete_gift_card_purchase`). Only the browser that started
a purchase reaches its pages: its id is kept in that browser's session.
"""

from __future__ import annotations

from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from booking.errors import RateLimited
from booking.views.common import on_studio_clock, rate_limited, see_other
from payments import errors
from payments.backends import get_backend
from payments.backends.base import PaymentError
from payments.codes import format_code
from payments.forms import GiftCardCodeForm, GiftCardPurchaseForm
from payments.models import Payment
from payments.selectors import gift_card_balance
from payments.services import (
    complete_gift_card_purchase,
    fail_gift_card_purchase,
    limit_code_tries,
    start_gift_card_purchase,
)
from payments.services.gift_cards import find_gift_card
from payments.views import pay_with_entered_card, render_pay_page
from studio.clientip import client_ip

# The session's list of purchases this browser started (Payment ids).
PURCHASES_KEY = "gift_cards:gift_card_purchases"


def _own_payment(request: HttpRequest, pk: UUID) -> Payment:
    """A purchase this browser started, or 404."""
    if str(pk) not in request.session.get(PURCHASES_KEY, []):
        raise Http404
    payment = Payment.objects.select_related("gift_card").filter(
        pk=pk, purpose=Payment.Purpose.GIFT_CARD
    )
    found = payment.first()
    if found is None:
        raise Http404
    return found


@on_studio_clock
def buy(request: HttpRequest) -> HttpResponse:
    """The gift card page: the form to buy one online, or where to buy one at the studio."""
    backend = get_backend()
    form = GiftCardPurchaseForm(request.POST or None)
    status = 200
    if request.method == "POST" and backend.takes_online:
        if form.is_valid():
            data = form.cleaned_data
            try:
                payment = start_gift_card_purchase(
                    amount=data["amount"],
                    currency="EUR",
                    buyer_name=data["buyer_name"],
                    buyer_email=data["buyer_email"],
                    recipient_name=data["recipient_name"],
                    recipient_email=data["recipient_email"],
                    message=data["message"],
                    language=request.LANGUAGE_CODE,
                )
            except PaymentError as error:
                form.add_error(None, error.message)
                status = 502
            else:
                started = request.session.get(PURCHASES_KEY, [])
                request.session[PURCHASES_KEY] = [*started[-9:], str(payment.pk)]
                return see_other(reverse("gift_cards:gift_card_pay", args=[payment.pk]))
        else:
            status = 400
    return render(
        request,
        "payments/gift_cards.html",
        {
            "form": form,
            "takes_online": backend.takes_online,
            "valid_days": settings.GIFT_CARD_VALID_DAYS,
        },
        status=status,
    )


@never_cache
@require_GET
def pay(request: HttpRequest, pk: UUID) -> HttpResponse:
    """The one pay page (`render_pay_page`): the gift card's amount, then the card field."""
    payment = _own_payment(request, pk)
    paid_url = reverse("gift_cards:gift_card_paid", args=[payment.pk])
    if payment.status != Payment.Status.PENDING:
        return see_other(paid_url)
    try:
        return render_pay_page(
            request,
            payment=payment,
            heading=_("Pay for the gift card"),
            card_url=reverse("gift_cards:gift_card_card", args=[payment.pk]),
            payer_name=payment.client.name if payment.client else "",
            gift_card=payment.gift_card,
        )
    except PaymentError as error:
        messages.error(request, error.message)
        return see_other(paid_url)


@require_POST
def card(request: HttpRequest, pk: UUID) -> JsonResponse:
    """The pay page's script gave the gateway a card: pay with it, then on to the code.

    The same path as a visit's deposit (`online.pay_with_card`): the
    gateway is asked which card it was and charges it; the page after
    paying, or the webhook, completes the purchase once the gateway says
    it succeeded.
    """
    payment = _own_payment(request, pk)
    paid_url = reverse("gift_cards:gift_card_paid", args=[payment.pk])
    return pay_with_entered_card(request, payment, next_url=paid_url)


@on_studio_clock
def paid(request: HttpRequest, pk: UUID) -> HttpResponse:
    """After paying: the code, once, when the gateway says the payment succeeded."""
    payment = _own_payment(request, pk)
    code = None
    if payment.status == Payment.Status.PENDING and payment.gateway_reference:
        try:
            gateway = get_backend().retrieve(payment_reference=payment.gateway_reference)
        except PaymentError:
            gateway = None
        if gateway is not None and gateway.status == "succeeded":
            try:
                code = complete_gift_card_purchase(payment=payment)
            except errors.NotPayable:
                code = None
        elif gateway is not None and gateway.status in ("failed", "cancelled"):
            fail_gift_card_purchase(payment=payment, reason=gateway.failure_message)
        payment.refresh_from_db()
    card = payment.gift_card
    return render(
        request,
        "payments/gift_card_paid.html",
        {
            "payment": payment,
            "card": card,
            "code": format_code(code) if code else None,
            "is_paid": payment.status == Payment.Status.SUCCEEDED,
            "is_pending": payment.status == Payment.Status.PENDING,
        },
    )


@on_studio_clock
def balance(request: HttpRequest) -> HttpResponse:
    """Enter a code, see the card's balance and expiry; tries of codes are limited."""
    form = GiftCardCodeForm(request.POST or None)
    found = None
    response_status = 200
    if request.method == "POST" and form.is_valid():
        if not request.session.session_key:
            request.session.save()
        try:
            with limit_code_tries(
                ip=client_ip(request), session_key=request.session.session_key or ""
            ):
                card = find_gift_card(form.cleaned_data["code"])
                if card is None or not card.is_paid:
                    raise errors.UnknownGiftCard()
        except RateLimited as error:
            form.add_error("code", error.message)
            return rate_limited(
                render(request, "payments/gift_card_balance.html", {"form": form}), error
            )
        except errors.UnknownGiftCard as error:
            form.add_error("code", error.message)
            response_status = 400
        else:
            found = {
                "card": card,
                "balance": gift_card_balance(card),
                "is_expired": card.expires_at <= timezone.now(),
            }
    elif request.method == "POST":
        response_status = 400
    return render(
        request,
        "payments/gift_card_balance.html",
        {"form": form, "found": found},
        status=response_status,
    )
