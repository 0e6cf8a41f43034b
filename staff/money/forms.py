"""The desk's money forms: taking a payment for a visit, selling a gift card."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from payments.models import Entry

CHECKOUT_METHODS = [
    (Entry.Method.CASH, Entry.Method.CASH.label),
    (Entry.Method.CARD_TERMINAL, Entry.Method.CARD_TERMINAL.label),
    (Entry.Method.GIFT_CARD, Entry.Method.GIFT_CARD.label),
]
SALE_METHODS = CHECKOUT_METHODS[:2]


class CheckoutForm(forms.Form):
    """Take a payment: cash, card on the terminal, or a gift card's code."""

    method = forms.ChoiceField(
        choices=CHECKOUT_METHODS,
        widget=forms.RadioSelect,
        initial=Entry.Method.CASH,
        label=_("Paid by"),
    )
    amount = forms.DecimalField(
        max_digits=10,
        decimal_places=2,
        min_value=Decimal("0.01"),
        required=False,
        label=_("Amount"),
        help_text=_("With a gift card, empty spends its balance up to what is due."),
    )
    code = forms.CharField(
        max_length=40,
        required=False,
        label=_("Gift card code"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        method = cleaned.get("method")
        if method == Entry.Method.GIFT_CARD and not cleaned.get("code"):
            self.add_error("code", _("Enter the gift card's code."))
        if method != Entry.Method.GIFT_CARD and "amount" in cleaned and not cleaned["amount"]:
            self.add_error("amount", _("Enter the amount taken."))
        return cleaned

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Ids of its own: the desk-fee form on the same page has an
        # amount and a method too, and each label must find its field.
        kwargs.setdefault("auto_id", "checkout-%s")
        super().__init__(*args, **kwargs)


class GiftCardSaleForm(forms.Form):
    """Sell a gift card at the desk."""

    amount = forms.DecimalField(
        max_digits=10, decimal_places=2, min_value=Decimal("1.00"), label=_("Amount")
    )
    method = forms.ChoiceField(
        choices=SALE_METHODS, widget=forms.RadioSelect, initial="cash", label=_("Paid by")
    )
    recipient_name = forms.CharField(max_length=120, required=False, label=_("For"))
    recipient_email = forms.EmailField(
        required=False,
        label=_("Recipient's e-mail"),
        help_text=_("The code is sent there; leave empty to hand it over printed."),
    )
    message = forms.CharField(
        max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}), label=_("Message")
    )
    language = forms.ChoiceField(
        choices=settings.LANGUAGES, initial=settings.LANGUAGE_CODE, label=_("Language")
    )
