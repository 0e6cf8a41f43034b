"""The public gift card forms: buying one online, checking a balance."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

# What a gift card bought online may hold.
ONLINE_MIN = Decimal("10.00")
ONLINE_MAX = Decimal("500.00")


class GiftCardPurchaseForm(forms.Form):
    amount = forms.DecimalField(
        max_digits=10,
        decimal_places=2,
        min_value=ONLINE_MIN,
        max_value=ONLINE_MAX,
        initial=Decimal("50"),
        label=_("Amount in euros"),
    )
    buyer_name = forms.CharField(
        max_length=120, label=_("Your name"), widget=forms.TextInput({"autocomplete": "name"})
    )
    buyer_email = forms.EmailField(
        label=_("Your e-mail"),
        help_text=_("The code is sent here."),
        widget=forms.EmailInput({"autocomplete": "email"}),
    )
    recipient_name = forms.CharField(max_length=120, required=False, label=_("For"))
    recipient_email = forms.EmailField(
        required=False,
        label=_("Recipient's e-mail"),
        help_text=_("Optional: we send the code there too."),
    )
    message = forms.CharField(
        max_length=500, required=False, widget=forms.Textarea({"rows": 3}), label=_("Message")
    )


class GiftCardCodeForm(forms.Form):
    """A gift card's code: to check its balance, or to pay with it on the pay page."""

    code = forms.CharField(
        max_length=40,
        label=_("Gift card code"),
        widget=forms.TextInput({"autocomplete": "off", "spellcheck": "false"}),
    )
