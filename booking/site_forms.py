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
from django_stubs_ext import StrOrPromise as LazyText

from booking.contacts import single_line
from booking.dates import CalendarDateField, is_on_calendar
from booking.models import Therapist
from booking.phones import PhoneField
from booking.services.clients import ClientDetails
from catalog import selectors as catalog_selectors
from catalog.models import HealthQuestion, Offering

# A word that may still be lazy: translated when the page renders.
StrOrPromise = str | Promise

YES_NO = [("yes", _("Yes")), ("no", _("No"))]
# The fields of the second person of a visit for two: `guest_name`,
# `guest_pregnancy`…, beside the client's `name`, `pregnancy`…
GUEST_PREFIX = "guest_"
# The health questions asked of the client, asked about the second person:
# each question its own words, so that no two on the page read the same.
GUEST_QUESTIONS: dict[str, LazyText] = {
    HealthQuestion.VEIN_PROBLEMS: _("Do they have varicose veins or other vein problems?"),
    HealthQuestion.PREGNANCY: _("Are they pregnant?"),
    HealthQuestion.RECENT_INJURY: _("Have they had an injury or surgery in the last three months?"),
    HealthQuestion.SKIN_CONDITION: _("Do they have a skin condition, wound or rash on their legs?"),
}


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


class VisitForm(forms.Form):
    """What else the visit holds: a second person, a second massage, or a course.

    Carried in the query of the picker's links and in the booking form's
    hidden fields, so that it travels without JavaScript; checked here
    against the offering every time it arrives. At most one of the three:
    a visit for two people of one massage, one massage after another for
    the client, or a course of the offering's sessions.
    """

    people = forms.TypedChoiceField(
        coerce=int,
        required=False,
        empty_value=None,
        choices=[(1, "1"), (2, "2")],
        error_messages={"invalid_choice": _("Choose one person or two.")},
    )
    then: forms.ModelChoiceField[Offering] = forms.ModelChoiceField(
        queryset=Offering.objects.none(),
        to_field_name="slug",
        required=False,
        error_messages={
            "invalid_choice": _("The second massage you chose cannot be booked at the moment.")
        },
    )
    course = forms.BooleanField(required=False)

    def __init__(self, *args: Any, offering: Offering, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.offering = offering
        # The names, lengths and prices the choice shows, in the catalog's order.
        self.other_offerings = (
            catalog_selectors.bookable_offerings()
            .exclude(pk=offering.pk)
            .order_by("massage_type__position", "position", "duration_minutes", "id")
        )
        cast(
            "forms.ModelChoiceField[Offering]", self.fields["then"]
        ).queryset = self.other_offerings

    def clean_people(self) -> int:
        # Without a number, the visit is for the client alone.
        people: int = self.cleaned_data["people"] or 1
        if people > self.offering.max_people:
            raise forms.ValidationError(_("This massage is booked for one person at a time."))
        return people

    def clean_course(self) -> bool:
        course: bool = self.cleaned_data["course"]
        if course and not self.offering.is_course:
            raise forms.ValidationError(_("This massage is not sold as a course."))
        return course

    def clean(self) -> dict[str, Any]:
        values = super().clean() or {}
        chosen = [
            values.get("people", 1) > 1,
            values.get("then") is not None,
            bool(values.get("course")),
        ]
        if sum(chosen) > 1:
            raise forms.ValidationError(
                _("Choose one: for two people, another massage after it, or a course.")
            )
        return values

    def query(self) -> dict[str, str]:
        """The choice as the pages' links and hidden fields carry it (nothing for one massage)."""
        values = self.cleaned_data
        if values["people"] > 1:
            return {"people": str(values["people"])}
        if values["then"] is not None:
            return {"then": values["then"].slug}
        if values["course"]:
            return {"course": "1"}
        return {}


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

    def __init__(
        self, *args: Any, therapists: list[Therapist], people: int = 1, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["therapist"]).choices = _therapist_choices(therapists)
        self.people = people
        # One yes/no question per health question, in the order the studio
        # asks them, between the contact details and the note; for two
        # people, the second person's name and their own answers follow.
        note, consent = self.fields.pop("note"), self.fields.pop("consent")
        self._add_questions(prefix="", required_message=_("Answer yes or no."))
        self.fields["note"] = note
        if people > 1:
            self.fields[GUEST_PREFIX + "name"] = forms.CharField(
                label=_("Their name"),
                help_text=_("The second person, who answers their own health questions below."),
                max_length=120,
                error_messages={"required": _("Enter the second person's name.")},
                widget=forms.TextInput(attrs={"autocomplete": "off"}),
            )
            self._add_questions(
                prefix=GUEST_PREFIX,
                required_message=_("Answer yes or no for the second person."),
            )
            self.fields[GUEST_PREFIX + "note"] = forms.CharField(
                label=_("Anything else their therapist should know? (optional)"),
                required=False,
                max_length=1000,
                widget=forms.Textarea(attrs={"rows": 3}),
            )
            consent.label = _(
                "I agree that the studio keeps these details and the health answers of both "
                "of us for this visit and may contact me by e-mail or phone about it. The "
                "second person agrees to this for their answers too."
            )
        self.fields["consent"] = consent

    def _add_questions(self, *, prefix: str, required_message: LazyText) -> None:
        for question in HealthQuestion:
            self.fields[prefix + question.value] = forms.TypedChoiceField(
                label=GUEST_QUESTIONS[question] if prefix else question.label,
                choices=YES_NO,
                coerce=lambda answer: answer == "yes",
                widget=forms.RadioSelect,
                error_messages={"required": required_message},
            )

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

    def clean_guest_name(self) -> str:
        # One line, as the client's: it is printed in the e-mails and the calendar file.
        name = single_line(self.cleaned_data[GUEST_PREFIX + "name"])
        if not name:
            raise forms.ValidationError(_("Enter the second person's name."))
        return name

    def client(self) -> ClientDetails:
        """Who books, as they typed it: the visit's contact details."""
        values = self.cleaned_data
        return ClientDetails(name=values["name"], email=values["email"], phone=values["phone"])

    def health(self) -> dict[str, Any]:
        """The client's answers as the appointment keeps them: a yes/no per question and the note."""
        return self._answers(prefix="")

    def guest_health(self) -> dict[str, Any]:
        """The second person's answers, kept on their own appointment."""
        return self._answers(prefix=GUEST_PREFIX)

    def _answers(self, *, prefix: str) -> dict[str, Any]:
        answers: dict[str, Any] = {
            question.value: self.cleaned_data[prefix + question.value]
            for question in HealthQuestion
        }
        if self.cleaned_data[prefix + "note"]:
            answers["note"] = self.cleaned_data[prefix + "note"]
        return answers

    def questions(self, *, prefix: str = "") -> list[forms.BoundField]:
        """One person's yes/no questions, in the order the studio asks them."""
        return [self[prefix + question.value] for question in HealthQuestion]


class StartForm(forms.Form):
    """A new start time, chosen in the slot picker, for a reschedule."""

    start = forms.CharField(error_messages={"required": _("Choose a time.")})

    def clean_start(self) -> datetime:
        moment = parse_slot(self.cleaned_data["start"])
        if moment is None:
            raise forms.ValidationError(_("Choose a time."))
        return moment


class CancelForm(forms.Form):
    """Why the client cancels; for a session of a course, also whether the rest of it goes too."""

    SESSION = "session"
    COURSE = "course"

    reason = forms.CharField(
        label=_("Would you tell us why? (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, has_course: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if has_course:
            self.fields["what"] = forms.ChoiceField(
                label=_("What to cancel"),
                choices=[
                    (self.SESSION, _("Only this session")),
                    (self.COURSE, _("The whole course: every session still to come")),
                ],
                initial=self.SESSION,
                widget=forms.RadioSelect,
                error_messages={"required": _("Choose what to cancel.")},
            )


class CourseForm(forms.Form):
    """The time of each session of a course: the planned one, or one the client chose instead.

    One field per session (`session_1`…), shown as radio buttons: the
    planned time when it is free, and the free times near it.
    """

    def __init__(self, *args: Any, sessions: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for number in range(1, sessions + 1):
            self.fields[f"session_{number}"] = forms.CharField(
                error_messages={
                    "required": _("Choose a time for session %(number)d.") % {"number": number}
                },
            )

    def clean(self) -> dict[str, Any]:
        values = super().clean() or {}
        for name in self.fields:
            if name not in values:
                continue
            moment = parse_slot(values[name])
            if moment is None:
                self.add_error(name, _("Choose a time."))
            else:
                values[name] = moment
        return values

    def starts(self) -> list[datetime]:
        """The chosen starts, session by session."""
        return [self.cleaned_data[name] for name in self.fields]
