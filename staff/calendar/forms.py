"""The desk booking's forms: finding a free time, then the client and their answers.

They check the shape of what the desk typed; whether a time can be
booked is the booking service's to say.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from booking.contacts import single_line
from booking.dates import CalendarDateField
from booking.health import HealthAnswerField
from booking.models import Client, Therapist
from booking.phones import PhoneField
from catalog.models import HealthQuestion
from catalog.selectors import bookable_offerings
from studio.widgets import NativeDateInput

# The second person's health answers, beside the client's: `guest-pregnancy`.
GUEST_PREFIX = "guest"


class SlotFinderForm(forms.Form):
    """What to look for: a massage on a date, with a therapist or anyone, for one or two."""

    offering = forms.ModelChoiceField(queryset=bookable_offerings(), label=_("Massage"))
    date = CalendarDateField(label=_("Date"), widget=NativeDateInput())
    therapist: forms.ModelChoiceField[Therapist] = forms.ModelChoiceField(
        queryset=Therapist.objects.filter(is_active=True).order_by("name"),
        required=False,
        label=_("Therapist"),
        empty_label=_("Any free therapist"),
    )
    people = forms.TypedChoiceField(
        label=_("People"),
        choices=[(1, _("One person")), (2, _("Two people, side by side"))],
        coerce=int,
        required=False,
        # The stubs type empty_value as a string; the coerced value here is an int.
        empty_value=1,  # type: ignore[arg-type]
    )
    # For two people: the second person's therapist (the first is `therapist`).
    second_therapist: forms.ModelChoiceField[Therapist] = forms.ModelChoiceField(
        queryset=Therapist.objects.filter(is_active=True).order_by("name"),
        required=False,
        label=_("Second person's therapist"),
        empty_label=_("Any free therapist"),
    )
    # The time of the gap clicked on the calendar: preselected when free.
    time = forms.TimeField(required=False, widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        values = super().clean() or {}
        first, second = values.get("therapist"), values.get("second_therapist")
        if values.get("people") == 2 and first is not None and first == second:
            self.add_error(
                "second_therapist",
                _("Two people side by side need two therapists: choose another one."),
            )
        return values


class ClientSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Find a client"),
        required=False,
        max_length=100,
        help_text=_("Name, phone or e-mail."),
    )


class DeskBookingForm(forms.Form):
    """The client, their answers and consent, and the start chosen from the free times."""

    start = forms.DateTimeField(label=_("Time"), error_messages={"required": _("Choose a time.")})
    client = forms.ModelChoiceField(
        queryset=Client.objects.all(), required=False, widget=forms.HiddenInput
    )
    name = forms.CharField(label=_("Name"), max_length=120, required=False)
    phone = PhoneField(label=_("Phone"), required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    language = forms.ChoiceField(label=_("Client's language"), choices=settings.LANGUAGES)
    guest_name = forms.CharField(label=_("Second person's name"), max_length=120, required=False)
    notes = forms.CharField(
        label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    consent = forms.BooleanField(
        label=_("The client agreed that we keep their health answers and notes"),
        required=False,
        help_text=_("Without it, leave the questions “Not asked” and the notes empty."),
    )
    # Shown (and required) when the client answered before: the desk
    # went over the earlier answers with them again.
    health_confirmed = forms.BooleanField(
        label=_("I went over the earlier answers with the client"), required=False
    )

    def __init__(self, *args: Any, people: int = 1, has_history: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.people = people
        self.has_history = has_history
        for question in HealthQuestion:
            self.fields[question.value] = HealthAnswerField(label=question.label)
        if people == 2:
            for question in HealthQuestion:
                self.fields[f"{GUEST_PREFIX}-{question.value}"] = HealthAnswerField(
                    label=question.label
                )
        else:
            del self.fields["guest_name"]

    def clean_name(self) -> str:
        # One line: it is written into the client's messages.
        return single_line(self.cleaned_data["name"])

    def clean_guest_name(self) -> str:
        return single_line(self.cleaned_data["guest_name"])

    def clean(self) -> dict[str, Any]:
        values = super().clean() or {}
        if values.get("client") is None:
            if not values.get("name"):
                self.add_error("name", _("Enter the client's name, or choose a client."))
            if not values.get("phone") and not values.get("email") and not self.has_error("phone"):
                self.add_error("phone", _("Enter a phone number or an e-mail address."))
        if self.people == 2 and not values.get("guest_name"):
            self.add_error("guest_name", _("Enter the second person's name."))
        answered = any(
            values.get(name) is not None for name in self.fields if _is_health_field(name)
        )
        if (answered or values.get("notes", "").strip()) and not values.get("consent"):
            self.add_error(
                "consent",
                _(
                    "Health answers and notes are kept only with the client's consent: "
                    "ask for it, or leave them “Not asked” and empty."
                ),
            )
        if self.has_history and not values.get("health_confirmed"):
            self.add_error(
                "health_confirmed", _("Go over the earlier answers with the client first.")
            )
        return values

    def health(self, prefix: str = "") -> dict[str, bool | None]:
        """One person's answers as stored: yes, no, None for not asked; none without consent."""
        if not self.cleaned_data.get("consent"):
            return {}
        return {
            question.value: self.cleaned_data[f"{prefix}{question.value}"]
            for question in HealthQuestion
        }

    def guest_health(self) -> dict[str, bool | None]:
        return self.health(f"{GUEST_PREFIX}-")

    def health_fields(self, prefix: str = "") -> list[forms.BoundField]:
        return [self[f"{prefix}{question.value}"] for question in HealthQuestion]

    def guest_health_fields(self) -> list[forms.BoundField]:
        return self.health_fields(f"{GUEST_PREFIX}-") if self.people == 2 else []


def _is_health_field(name: str) -> bool:
    return name.removeprefix(f"{GUEST_PREFIX}-") in HealthQuestion.values
