"""Money at the front desk: the visit's checkout, printed receipts, gift cards sold.

Reception only (`booking.run_front_desk`): a therapist gets 403. Every
write goes through the payment services; a refusal shows on the page
with the status it carries (400 for bad input, 409 for a card that
cannot be spent, 429 when too many gift card codes were tried).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.db.models import DecimalField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from booking.errors import RateLimited
from booking.models import Visit
from booking.services import Actor
from booking.views.common import on_studio_clock, rate_limited
from payments import errors, services
from payments.codes import format_code
from payments.models import Entry, GiftCard
from payments.receipts import RECEIPT_KINDS, receipt_of
from payments.selectors import visit_balance
from staff.access import Scope, reception_only, staff_view
from staff.money.forms import CheckoutForm, GiftCardSaleForm
from studio.clientip import client_ip
from studio.formatting import format_money
from studio.identity import studio_identity

# The gift cards page lists this many, newest first.
RECENT_GIFT_CARDS = 50
# The session key of a code just sold, shown once on the next page.
SOLD_CODE_KEY = "staff:gift_card_sold"


def checkout_context(
    visit: Visit, scope: Scope, form: CheckoutForm | None = None
) -> dict[str, Any]:
    """What the visit page's checkout shows: the balance, the form, the payments so far."""
    if not scope.is_reception:
        return {}
    balance = visit_balance(visit)
    return {
        "balance": balance,
        "checkout_form": form
        or CheckoutForm(initial={"amount": balance.due or balance.fee_due or None}),
    }


def _back_to(visit: Visit) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("staff:visit", args=[visit.pk]), status=303)


@on_studio_clock
@require_POST
@staff_view
def checkout(request: HttpRequest, scope: Scope, pk: UUID) -> HttpResponse:
    """Take a payment for the visit: cash, the card terminal, or a gift card's code."""
    reception_only(scope)
    visit = get_object_or_404(scope.visits(Visit.objects.select_related("client")), pk=pk)
    form = CheckoutForm(request.POST)
    if not form.is_valid():
        return _checkout_again(request, scope, visit, form, status=400)
    actor = Actor.for_user(request.user)
    amount = form.cleaned_data["amount"]
    try:
        if form.cleaned_data["method"] == Entry.Method.GIFT_CARD:
            if not request.session.session_key:
                request.session.save()
            with services.limit_code_tries(
                ip=client_ip(request), session_key=request.session.session_key or ""
            ):
                entry = services.spend_gift_card(
                    code=form.cleaned_data["code"], visit=visit, amount=amount, actor=actor
                )
        else:
            entry = services.take_desk_payment(
                visit=visit, amount=amount, method=form.cleaned_data["method"], actor=actor
            )
    except RateLimited as error:
        form.add_error("code", error.message)
        return rate_limited(_checkout_again(request, scope, visit, form, status=429), error)
    except errors.PaymentsError as error:
        form.add_error(error.field if error.field in form.fields else None, error.message)
        return _checkout_again(request, scope, visit, form, status=error.status_code)
    messages.success(
        request,
        _("%(amount)s taken (%(method)s).")
        % {
            "amount": format_money(entry.amount, entry.currency),
            "method": entry.get_method_display(),
        },
    )
    return _back_to(visit)


def _checkout_again(
    request: HttpRequest, scope: Scope, visit: Visit, form: CheckoutForm, *, status: int
) -> HttpResponse:
    from staff.visits.views import _page_context  # noqa: PLC0415 - the visit page imports this module

    context = _page_context(request, scope, visit)
    context.update(checkout_context(visit, scope, form))
    return render(request, "staff/visits/visit.html", context, status=status)


@on_studio_clock
@staff_view
def receipt(request: HttpRequest, scope: Scope, entry_id: int) -> HttpResponse:
    """A ledger row's receipt, to print: a visit's payment or a gift card sold."""
    reception_only(scope)
    entry = get_object_or_404(
        Entry.objects.select_related("visit", "client", "gift_card").filter(kind__in=RECEIPT_KINDS),
        pk=entry_id,
    )
    return render(
        request,
        "staff/money/receipt.html",
        {"receipt": receipt_of(entry), **studio_identity(request.LANGUAGE_CODE)},
    )


def _recent_gift_cards() -> QuerySet[GiftCard]:
    """The newest gift cards, each with what was spent of it (one query)."""
    spent = (
        Entry.objects.filter(gift_card=OuterRef("pk"), kind=Entry.Kind.GIFT_CARD_REDEMPTION)
        .values("gift_card")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    sale = Entry.objects.filter(gift_card=OuterRef("pk"), kind=Entry.Kind.GIFT_CARD_SALE).values(
        "pk"
    )[:1]
    money = DecimalField(max_digits=10, decimal_places=2)
    return (
        GiftCard.objects.select_related("bought_by")
        .annotate(
            spent=Coalesce(Subquery(spent, output_field=money), Value(0, output_field=money)),
            sale_id=Subquery(sale),
        )
        .order_by("-created_at")[:RECENT_GIFT_CARDS]
    )


@on_studio_clock
@staff_view
def gift_cards(request: HttpRequest, scope: Scope) -> HttpResponse:
    """The gift cards sold lately with their balances, and the form to sell one."""
    reception_only(scope)
    form = GiftCardSaleForm(request.POST or None, initial={"language": request.LANGUAGE_CODE})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        card, code = services.sell_gift_card_at_desk(
            amount=data["amount"],
            currency="EUR",
            buyer=None,
            recipient_name=data["recipient_name"],
            recipient_email=data["recipient_email"],
            message=data["message"],
            language=data["language"],
            method=data["method"],
            actor=Actor.for_user(request.user),
        )
        # Shown once, on the page the browser reads next; then only its last four.
        request.session[SOLD_CODE_KEY] = {"id": str(card.pk), "code": format_code(code)}
        return HttpResponseRedirect(reverse("staff:gift_cards"), status=303)
    sold = request.session.pop(SOLD_CODE_KEY, None)
    now = timezone.now()
    # `spent` and `sale_id` are annotations of `_recent_gift_cards`.
    annotated: list[Any] = list(_recent_gift_cards())
    cards = [
        {
            "card": card,
            "balance": card.amount - card.spent if card.is_paid else 0,
            "is_expired": card.expires_at <= now,
            "sale_id": card.sale_id,
        }
        for card in annotated
    ]
    return render(
        request,
        "staff/money/gift_cards.html",
        {"form": form, "cards": cards, "sold": sold},
        status=400 if form.is_bound and not form.is_valid() else 200,
    )
