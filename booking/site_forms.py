"""Forms of the website's booking pages.

They check only the shape of what a client typed or clicked; whether a
time can be booked, and whether a health answer rules a massage out, is
for the booking service to say. Django ties each widget to its help text
and its errors (`aria-describedby`, `aria-invalid`); the templates do the
same for the yes/no questions, which are fieldsets.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from django import forms
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from booking.contacts import single_line
from booking.dates import CalendarDateField, is_on_calendar
from booking.models import Therapist
from booking.phones import PhoneField
from catalog.models import HealthQuestion

# A word that may still be lazy: translated when the page renders.
StrOrPromise = str | Promise

YES_NO = [("yes", _("Yes")), ("no", _("No"))]


def slot_value(moment: datetime) -> str:
    """A start time as the pages pass it around: UTC, to the minute, e.g. `2027-03-02T09:00Z`.

    UTC keeps the value free of the studio's offset, which a URL would
    have to escape, and of the hour a clock change makes ambiguous.
    """
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")


def parse_slot(value: str | None) -> datetime | None:
    """The aware start time in a `slot_value`, or None if it is not one the calendar holds."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None and is_on_calendar(moment) else None


def _therapist_choices(therapists: list[Therapist]) -> list[tuple[str | int, StrOrPromise]]:
    return [("", _("Any therapist")), *((therapist.id, therapist.name) for therapist in therapists)]


class SlotQueryForm(forms.Form):
    """The slot picker's query: which therapist, which day, which fortnight.

    Every value is optional and a bad one is ignored, so an old or edited
    link still shows the picker.
    """

    therapist = forms.TypedChoiceField(
        label=_("Therapist"), coerce=int, required=False, empty_value=None
    )
    on = CalendarDateField(required=False)
    week = CalendarDateField(required=False)

    def __init__(self, *args: Any, therapists: list[Therapist], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["therapist"]).choices = _therapist_choices(therapists)

    def value(self, name: str) -> Any:
        """The field's clean value, or None when it was missing or bad."""
        self.is_valid()
        return self.cleaned_data.get(name)


class BookingForm(forms.Form):
    """Who books, their answers to the health questions, and their consent.

    `start` and `therapist` come from the slot picker as hidden fields;
    `idempotency_key` is made when the form is first shown, so that
    sending the same form twice books once.
    """

    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)
    start = forms.CharField(
        widget=forms.HiddenInput,
        error_messages={"required": _("Choose a time.")},
    )
    therapist = forms.TypedChoiceField(
        coerce=int,
        required=False,
        empty_value=None,
        widget=forms.HiddenInput,
        error_messages={
            "invalid_choice": _(
                "The therapist you chose no longer gives this massage. "
                "Please choose the time again."
            )
        },
    )
    name = forms.CharField(
        label=_("Your name"),
        max_length=120,
        error_messages={"required": _("Enter your name.")},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label=_("E-mail"),
        max_length=254,
        help_text=_("We send the confirmation and the link to change the booking here."),
        error_messages={
            "required": _("Enter your e-mail address."),
            "invalid": _("Enter an e-mail address like name@example.com."),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = PhoneField(
        label=_("Phone"),
        help_text=_("In case we need to reach you on the day."),
        error_messages={"required": _("Enter a phone number.")},
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
    )
    note = forms.CharField(
        label=_("Anything else the therapist should know? (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    consent = forms.BooleanField(
        label=_(
            "I agree that the studio keeps these details and health answers for my appointment "
            "and may contact me by e-mail or phone about it."
        ),
        error_messages={"required": _("We can only book with your agreement to this.")},
    )

    def __init__(self, *args: Any, therapists: list[Therapist], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["therapist"]).choices = _therapist_choices(therapists)
        # One yes/no question per health question, in the order the studio
        # asks them, between the contact details and the note.
        note, consent = self.fields.pop("note"), self.fields.pop("consent")
        for question in HealthQuestion:
            self.fields[question.value] = forms.TypedChoiceField(
                label=question.label,
                choices=YES_NO,
                coerce=lambda answer: answer == "yes",
                widget=forms.RadioSelect,
                error_messages={"required": _("Answer yes or no.")},
            )
        self.fields["note"], self.fields["consent"] = note, consent

    def clean_start(self) -> datetime:
        moment = parse_slot(self.cleaned_data["start"])
        if moment is None:
            raise forms.ValidationError(_("Choose a time."))
        return moment

    def clean_name(self) -> str:
        # One line: a line break would end the header of every e-mail to them.
        name = single_line(self.cleaned_data["name"])
        if not name:
            raise forms.ValidationError(_("Enter your name."))
        return name

    def health(self) -> dict[str, Any]:
        """The answers as the appointment keeps them: a yes/no per question and the note."""
        answers: dict[str, Any] = {
            question.value: self.cleaned_data[question.value] for question in HealthQuestion
        }
        if self.cleaned_data["note"]:
            answers["note"] = self.cleaned_data["note"]
        return answers


class StartForm(forms.Form):
    """A new start time, chosen in the slot picker, for a reschedule."""

    start = forms.CharField(error_messages={"required": _("Choose a time.")})

    def clean_start(self) -> datetime:
        moment = parse_slot(self.cleaned_data["start"])
        if moment is None:
            raise forms.ValidationError(_("Choose a time."))
        return moment


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Would you tell us why? (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
