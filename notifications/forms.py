"""The website's waitlist form: "Tell me when a time frees up"."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from booking.models import Therapist
from booking.phones import PhoneField
from booking.services.clients import ClientDetails
from studio.widgets import NativeDateInput


class WaitlistForm(forms.Form):
    date_from = forms.DateField(label=_("From"), widget=NativeDateInput())
    date_to = forms.DateField(label=_("To"), widget=NativeDateInput())
    time_from = forms.TimeField(
        label=_("Start no earlier than"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    time_to = forms.TimeField(
        label=_("Start no later than"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    therapist = forms.TypedChoiceField(
        label=_("Therapist"), required=False, coerce=int, empty_value=None
    )
    people = forms.TypedChoiceField(
        label=_("People"), coerce=int, choices=[(1, "1"), (2, "2")], initial=1
    )
    name = forms.CharField(
        label=_("Your name"),
        max_length=120,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label=_("E-mail"),
        max_length=254,
        help_text=_("We send the offer of a freed time here."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = PhoneField(
        label=_("Phone"),
        help_text=_("We also send the offer by SMS."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
    )

    def __init__(self, *args: Any, therapists: list[Therapist], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", _("Any therapist")), *((t.pk, t.name) for t in therapists)]
        self.fields["therapist"].choices = choices  # type: ignore[attr-defined]
        self.therapists = {t.pk: t for t in therapists}

    def client(self) -> ClientDetails:
        values = self.cleaned_data
        return ClientDetails(name=values["name"], email=values["email"], phone=values["phone"])

    def chosen_therapist(self) -> Therapist | None:
        chosen = self.cleaned_data.get("therapist")
        return self.therapists.get(chosen) if chosen is not None else None
