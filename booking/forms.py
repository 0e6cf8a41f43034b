"""Forms for the staff admin: phone bookings, cancellations, weekly hours.

They only check the shape of what staff typed; whether a time can be
booked is for the booking service to say.
"""

from collections.abc import Sequence
from datetime import datetime
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.contrib.admin import widgets
from django.forms.formsets import DELETION_FIELD_NAME
from django.utils import formats, timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from booking.contacts import single_line
from booking.dates import CalendarDateField, validate_on_calendar
from booking.health import HealthAnswerField
from booking.models import Therapist, TimeOff, WorkingHours
from booking.phones import PhoneField
from booking.visits import CourseSession
from catalog.models import HealthQuestion
from catalog.selectors import bookable_offerings

# The second person's health answers, beside the client's: `guest_pregnancy`.
GUEST_PREFIX = "guest_"


class PhoneBookingForm(forms.Form):
    """A booking taken on the phone, with times in the studio's local zone."""

    offering = forms.ModelChoiceField(queryset=bookable_offerings(), label=_("Offering"))
    therapist: forms.ModelChoiceField[Therapist] = forms.ModelChoiceField(
        queryset=Therapist.objects.filter(is_active=True),
        required=False,
        label=_("Therapist"),
        empty_label=_("Any free therapist"),
    )
    start_on = CalendarDateField(label=_("Date"), widget=widgets.AdminDateWidget)
    start_time = forms.TimeField(label=_("Time"), widget=widgets.AdminTimeWidget)
    client_name = forms.CharField(label=_("Name"), max_length=120)
    client_email = forms.EmailField(label=_("E-mail"))
    client_phone = PhoneField(label=_("Phone"))
    update_client = forms.BooleanField(
        label=_("Save name and phone on the client record"),
        required=False,
        help_text=_(
            "When a client with this e-mail exists: replace the name and phone on their "
            "record with these. Otherwise the record stays as it is and only this "
            "appointment keeps them."
        ),
    )
    # Blank: the client record's language, or the studio's default for
    # a new client (the admin looks it up when booking).
    language = forms.ChoiceField(
        label=_("Client's language"),
        required=False,
        help_text=_("Their e-mails and text messages about this booking are written in it."),
    )
    notes = forms.CharField(
        label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    consent = forms.BooleanField(
        label=_("The client agreed on the phone that we keep these answers"),
        required=False,
        help_text=_(
            "Ask before the health questions. Without this, no health answer or note is kept; "
            "you are recorded as the one who asked."
        ),
    )
    # A visit of more than one massage: a second person side by side, or
    # a second massage straight after; or a course of sessions instead.
    people = forms.TypedChoiceField(
        label=_("People"),
        choices=[(1, _("One person")), (2, _("Two people, side by side"))],
        coerce=int,
        # Left out of a form posted without it: one person (`clean_people`).
        required=False,
        initial=1,
        widget=forms.RadioSelect,
        help_text=_(
            "Two people: each has this massage with a therapist of their own, in one room."
        ),
    )
    guest_name = forms.CharField(label=_("Second person's name"), max_length=120, required=False)
    second_offering = forms.ModelChoiceField(
        queryset=bookable_offerings(),
        required=False,
        label=_("Then a second massage"),
        empty_label=_("None"),
        help_text=_("For the same person, starting when the first one ends."),
    )
    second_therapist: forms.ModelChoiceField[Therapist] = forms.ModelChoiceField(
        queryset=Therapist.objects.filter(is_active=True),
        required=False,
        label=_("Second therapist"),
        empty_label=_("Any free therapist"),
        help_text=_("For the second person, or the second massage."),
    )
    as_course = forms.BooleanField(
        label=_("Book the offering's course of sessions"),
        required=False,
        help_text=_(
            "The first session at the date and time above, the others at the same time; "
            "you see the dates, and choose another time for any that is not free, before "
            "booking."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["start_time"].help_text = _("Studio time (%(zone)s).") % {
            "zone": settings.STUDIO_TIME_ZONE
        }
        default = dict(settings.LANGUAGES)[settings.LANGUAGE_CODE]
        self.fields["language"].choices = [  # type: ignore[attr-defined] # a ChoiceField
            (
                "",
                gettext("As on the client record (a new client: %(language)s)")
                % {"language": default},
            ),
            *settings.LANGUAGES,
        ]
        # The questions a client answers online, asked on the phone too,
        # of each person.
        # of each person: yes, no, or not asked (the default).
        for question in HealthQuestion:
            self.fields[question.value] = HealthAnswerField(label=question.label)
        for question in HealthQuestion:
            self.fields[GUEST_PREFIX + question.value] = HealthAnswerField(
                label=question.label, help_text=_("The second person's answer.")
            )

    def clean(self) -> dict[str, Any]:
        values = super().clean() or {}
        answered = any(
            values.get(name) is not None
            for question in HealthQuestion
            for name in (question.value, GUEST_PREFIX + question.value)
        )
        if (answered or values.get("notes", "").strip()) and not values.get("consent"):
            self.add_error(
                "consent",
                _(
                    "Health answers and notes are kept only with the client's consent: "
                    "ask for it, or leave them empty."
                ),
            )
        self._clean_shape(values)
        return values

    def _clean_shape(self, values: dict[str, Any]) -> None:
        """One shape of booking at a time: two people, two massages in turn, or a course."""
        two_people = values.get("people") == 2
        if two_people and not values.get("guest_name"):
            self.add_error("guest_name", _("Enter the second person's name."))
        if two_people and values.get("second_offering"):
            self.add_error(
                "second_offering",
                _("Two people have one massage each: leave the second massage empty."),
            )
        if values.get("as_course") and (two_people or values.get("second_offering")):
            self.add_error(
                "as_course",
                _("A course is one massage for one person at each session."),
            )

    def clean_people(self) -> int:
        people: int | None = self.cleaned_data["people"]
        return people or 1

    def clean_guest_name(self) -> str:
        # One line, as the client's name: it is written into their e-mails.
        return single_line(self.cleaned_data["guest_name"])

    def clean_client_name(self) -> str:
        # One line: a line break would end the header of every e-mail to them.
        name = single_line(self.cleaned_data["client_name"])
        if not name:
            raise forms.ValidationError(_("Enter the client's name."))
        return name

    def health(self) -> dict[str, bool | None]:
        """The answers to keep: with the client's consent only, and then every one.

        Yes, no, or None for a question not asked (`booking.health`);
        without consent nothing was asked.
        """
        return self._answers("")

    def guest_health(self) -> dict[str, bool | None]:
        """The second person's answers, kept as the client's are (`health`)."""
        return self._answers(GUEST_PREFIX)

    def _answers(self, prefix: str) -> dict[str, bool | None]:
        if not self.cleaned_data["consent"]:
            return {}
        return {
            question.value: self.cleaned_data[prefix + question.value]
            for question in HealthQuestion
        }

    def start_at(self) -> datetime:
        """The start as an aware datetime in the studio's zone.

        The zone is named here rather than taken from the active time zone,
        so the time means the studio's wall clock whoever is logged in. A
        time the clocks skip lies outside every working day, so the booking
        service refuses it as outside hours.
        """
        zone = ZoneInfo(settings.STUDIO_TIME_ZONE)
        return datetime.combine(
            self.cleaned_data["start_on"], self.cleaned_data["start_time"], tzinfo=zone
        )


class CourseSessionsForm(forms.Form):
    """The dates of a course taken on the phone: each session's time, replaced where needed.

    Built from `plan_course`'s answer: a session that fits offers its own
    time, one that does not offers the nearest free ones instead. The
    plan it was made for travels with it (`plan`), so dates chosen for
    another first start or offering are shown again rather than booked.
    """

    plan = forms.CharField(widget=forms.HiddenInput)

    def __init__(
        self, *args: Any, sessions: Sequence[CourseSession], plan: str, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.planned_for = plan
        self.fields["plan"].initial = plan
        zone = ZoneInfo(settings.STUDIO_TIME_ZONE)
        for session in sessions:
            starts = [session.start_at] if session.fits else list(session.alternatives)
            field = forms.ChoiceField(
                label=_("Session %(number)d") % {"number": session.number},
                choices=[(start.isoformat(), _local(start, zone)) for start in starts],
                widget=forms.RadioSelect,
                error_messages={"required": _("Choose a time for this session.")},
            )
            if session.fits:
                field.initial = session.start_at.isoformat()
            elif starts:
                field.help_text = _("%(time)s is not free; choose another time.") % {
                    "time": _local(session.start_at, zone)
                }
            else:
                field.help_text = _(
                    "%(time)s is not free, nor any time near it: choose another first date "
                    "or therapist."
                ) % {"time": _local(session.start_at, zone)}
            self.fields[f"session_{session.number}"] = field

    def is_for_this_plan(self) -> bool:
        """Whether the posted dates were chosen for the plan shown now."""
        return self.is_bound and self.data.get(self.add_prefix("plan")) == self.planned_for

    def starts(self) -> list[datetime]:
        return [
            datetime.fromisoformat(value)
            for name, value in self.cleaned_data.items()
            if name.startswith("session_")
        ]


def _local(moment: datetime, zone: ZoneInfo) -> str:
    return formats.date_format(timezone.localtime(moment, zone), "D j M Y, H:i")


class CancelBookingsForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        required=False,
        help_text=_("Kept in each appointment's history."),
        widget=forms.TextInput(attrs={"size": 60}),
    )


class WorkingHoursFormSet(
    forms.BaseInlineFormSet[WorkingHours, Therapist, forms.ModelForm[WorkingHours]]
):
    """Refuses two intervals that overlap on one weekday.

    The availability engine reads each interval on its own, so overlapping
    ones would offer the same start twice.
    """

    def clean(self) -> None:
        super().clean()
        by_day: dict[int, list[tuple[Any, Any]]] = {}
        for form in self.forms:
            if not form.has_changed() and not form.instance.pk:
                continue
            values = form.cleaned_data
            if self.can_delete and values.get(DELETION_FIELD_NAME):
                continue
            if not {"weekday", "start_time", "end_time"} <= values.keys():
                continue
            if values["start_time"] >= values["end_time"]:
                continue  # The model's check constraint already says so.
            by_day.setdefault(values["weekday"], []).append(
                (values["start_time"], values["end_time"])
            )
        for weekday, spans in by_day.items():
            spans.sort()
            for (_start, earlier_end), (later_start, _end) in pairwise(spans):
                if later_start < earlier_end:
                    day = WorkingHours.Weekday(weekday).label
                    raise forms.ValidationError(
                        _("Two intervals on %(day)s overlap.") % {"day": day}
                    )


class TimeOffForm(forms.ModelForm[TimeOff]):
    """Time off, on dates the calendar holds.

    Midnight of year 1 in the studio's zone is before year 1 in UTC,
    which the database refuses; no time off lies near either end.
    """

    class Meta:
        model = TimeOff
        fields = ["therapist", "start_at", "end_at", "reason"]

    def clean_start_at(self) -> datetime:
        start_at: datetime = self.cleaned_data["start_at"]
        validate_on_calendar(start_at)
        return start_at

    def clean_end_at(self) -> datetime:
        end_at: datetime = self.cleaned_data["end_at"]
        validate_on_calendar(end_at)
        return end_at
