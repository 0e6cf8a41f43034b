"""The visit page's money: what it costs, what was paid, fees and refunds at the desk.

Reception only (403 for a therapist): charging a no-show fee to the
client's saved card (after the no-show mark, with a confirm step), a
refund of a payment or a fee (part or whole), and a fee owed taken in
cash or on the terminal. Every write goes through `payments.services`.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from booking import services as booking_services
from booking.models import Appointment, Visit
from booking.views.common import on_studio_clock
from payments import errors, services
from payments.backends.base import PaymentError
from payments.models import Entry
from payments.policies import terms_of
from payments.receipts import RECEIPT_KINDS
from payments.selectors import visit_money
from payments.services.fees import left_to_refund
from staff.access import Scope, reception_only, staff_view
from studio.formatting import format_money

DESK_METHODS = [
    (Entry.Method.CASH, Entry.Method.CASH.label),
    (Entry.Method.CARD_TERMINAL, Entry.Method.CARD_TERMINAL.label),
]


class RefundForm(forms.Form):
    entry = forms.IntegerField(widget=forms.HiddenInput)
    amount = forms.DecimalField(
        min_value=0.01, max_digits=10, decimal_places=2, label=gettext_lazy("Amount")
    )
    reason = forms.CharField(max_length=255, label=gettext_lazy("Reason"))


class DeskFeeForm(forms.Form):
    amount = forms.DecimalField(
        min_value=0.01, max_digits=10, decimal_places=2, label=gettext_lazy("Amount")
    )
    method = forms.ChoiceField(choices=DESK_METHODS, label=gettext_lazy("Paid by"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Ids of its own: the checkout form on the same page has an
        # amount and a method too, and each label must find its field.
        kwargs.setdefault("auto_id", "desk-fee-%s")
        super().__init__(*args, **kwargs)


def money_context(scope: Scope, visit: Visit, appointments: list[Appointment]) -> dict[str, Any]:
    """The money part of the visit page: for reception only (empty for a therapist)."""
    if not scope.is_reception:
        return {}
    money = visit_money(visit, appointments)
    return {
        "money": money,
        "money_terms": terms_of(appointments),
        "receipt_kinds": RECEIPT_KINDS,
        "ledger_rows": [(entry, left_to_refund(entry, money.entries)) for entry in money.entries],
        "desk_fee_form": DeskFeeForm(initial={"amount": money.fee_owed}),
    }


def _visit(scope: Scope, pk: UUID) -> Visit:
    reception_only(scope)
    return get_object_or_404(scope.visits(Visit.objects.select_related("client")), pk=pk)


def _back(visit: Visit) -> HttpResponse:
    # 303: the browser reads the visit page again with a GET.
    return HttpResponseRedirect(reverse("staff:visit", args=[visit.pk]), status=303)


@on_studio_clock
@staff_view
def no_show_fee(request: HttpRequest, scope: Scope, pk: UUID) -> HttpResponse:
    """GET asks to confirm the no-show fee (its amount, the card); POST charges it, once."""
    visit = _visit(scope, pk)
    appointments = list(
        Appointment.objects.filter(visit=visit).select_related("offering").order_by("start_at")
    )
    money = visit_money(visit, appointments)
    if request.method == "POST":
        try:
            entry = services.charge_no_show_fee(
                visit=visit, actor=booking_services.Actor.for_user(request.user)
            )
        except (errors.FeeError, PaymentError) as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("The no-show fee of %(fee)s is charged.")
                % {"fee": format_money(entry.amount, entry.currency)},
            )
        return _back(visit)
    return render(
        request,
        "staff/visits/no_show_fee.html",
        {"visit": visit, "money": money},
        status=200 if money.may_charge_no_show else 400,
    )


@on_studio_clock
@staff_view
def refund(request: HttpRequest, scope: Scope, pk: UUID) -> HttpResponse:
    """Give back part or all of a payment or fee of the visit (POST: entry, amount, reason)."""
    visit = _visit(scope, pk)
    if request.method != "POST":
        return _back(visit)
    form = RefundForm(request.POST)
    if not form.is_valid():
        return _bad_request(request, scope, visit, form)
    entry = get_object_or_404(Entry, pk=form.cleaned_data["entry"], visit=visit)
    try:
        given = services.refund(
            entry=entry,
            amount=form.cleaned_data["amount"],
            actor=booking_services.Actor.for_user(request.user),
            reason=form.cleaned_data["reason"],
        )
    except errors.FeeError as error:
        if error.status_code == 400:
            form.add_error(error.field, error.message)
            return _bad_request(request, scope, visit, form)
        messages.error(request, error.message)
    except PaymentError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Refunded %(amount)s.") % {"amount": format_money(-given.amount, given.currency)},
        )
    return _back(visit)


@on_studio_clock
@staff_view
def desk_fee(request: HttpRequest, scope: Scope, pk: UUID) -> HttpResponse:
    """Record a fee the client paid at the desk: cash or the card terminal."""
    visit = _visit(scope, pk)
    form = DeskFeeForm(request.POST or None)
    if request.method != "POST":
        return _back(visit)
    if not form.is_valid():
        return _bad_request(request, scope, visit, form)
    try:
        services.take_fee_at_desk(
            visit=visit,
            method=form.cleaned_data["method"],
            amount=form.cleaned_data["amount"],
            actor=booking_services.Actor.for_user(request.user),
        )
    except errors.FeeError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The fee paid at the desk is recorded."))
    return _back(visit)


def _bad_request(
    request: HttpRequest, scope: Scope, visit: Visit, form: forms.Form
) -> HttpResponse:
    """A bad amount or reason: the visit page again (400), saying which field and why."""
    from staff.visits.views import _bad_request as page  # noqa: PLC0415 (it imports this module)

    for field, field_errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        messages.error(request, f"{label}: {' '.join(str(error) for error in field_errors)}")
    return page(request, scope, visit)
