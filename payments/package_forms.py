"""The forms of the package pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from booking.phones import PhoneField
from booking.services import ClientDetails
from payments.models import Entry


class BuyForm(forms.Form):
    """Who buys a package online: the client's details, for the record and the e-mail."""

    name = forms.CharField(
        label=_("Your name"),
        max_length=120,
        error_messages={"required": _("Enter your name.")},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label=_("E-mail"),
        max_length=254,
        help_text=_("We send the link to your package here."),
        error_messages={
            "required": _("Enter your e-mail address."),
            "invalid": _("Enter an e-mail address like name@example.com."),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = PhoneField(
        label=_("Phone"),
        error_messages={"required": _("Enter a phone number.")},
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
    )

    def details(self) -> ClientDetails:
        values = self.cleaned_data
        return ClientDetails(name=values["name"], email=values["email"], phone=values["phone"])


class DeskSaleForm(forms.Form):
    """Reception sells a package: which one, paid how."""

    package = forms.TypedChoiceField(label=_("Package"), coerce=int)
    method = forms.ChoiceField(
        label=_("Paid by"),
        choices=[
            (Entry.Method.CASH, Entry.Method.CASH.label),
            (Entry.Method.CARD_TERMINAL, Entry.Method.CARD_TERMINAL.label),
        ],
    )

    def __init__(self, *args: object, packages: list[tuple[int, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["package"].choices = packages  # type: ignore[attr-defined]
