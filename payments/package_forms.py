"""The forms of the package pages."""

from __future__ import annotations

import copy

from django import forms
from django.utils.translation import gettext_lazy as _

from booking.services import ClientDetails
from booking.site_forms import BookingForm
from payments.models import Entry


def _booking_field(name: str, **changes: object) -> forms.Field:
    """A field of the booking form, so that a client's details are asked for one way."""
    field = copy.deepcopy(BookingForm.base_fields[name])
    for attribute, value in changes.items():
        setattr(field, attribute, value)
    return field


class BuyForm(forms.Form):
    """Who buys a package online: the client's details, for the record and the e-mail."""

    name = _booking_field("name")
    email = _booking_field("email", help_text=_("We send the link to your package here."))
    phone = _booking_field("phone", help_text="")

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
