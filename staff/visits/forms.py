"""The visit page's forms: the move (a day, a time, therapists), the cancel and the marks."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from booking.models import Appointment, Therapist
from booking.site_forms import StartForm
from studio.widgets import NativeDateInput

MARKS = ("arrived", "completed", "no_show", "undo")


def therapist_field_name(appointment: Appointment) -> str:
    return f"therapist_{appointment.pk}"


class TherapistsForm(forms.Form):
    """A therapist per appointment of the visit: its own, or another who gives its massage."""

    # Left out of a query, an appointment keeps its own therapist.
    therapist_required = True

    def __init__(
        self,
        *args: Any,
        appointments: list[Appointment],
        qualified: dict[int, list[Therapist]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.appointments = appointments
        for appointment in appointments:
            choices = qualified.get(appointment.offering.massage_type_id, [])
            if appointment.therapist not in choices:
                choices = [appointment.therapist, *choices]
            field = forms.TypedChoiceField(
                choices=[(therapist.pk, therapist.name) for therapist in choices],
                coerce=int,
                empty_value=None,
                required=self.therapist_required,
                initial=appointment.therapist_id,
                label=_("Therapist"),
            )
            self.fields[therapist_field_name(appointment)] = field

    def therapist_fields(self) -> list[tuple[Appointment, forms.BoundField]]:
        return [(a, self[therapist_field_name(a)]) for a in self.appointments]

    def chosen_ids(self) -> dict[Any, int]:
        """Each appointment's therapist id as chosen (the form is valid)."""
        return {
            a.pk: self.cleaned_data.get(therapist_field_name(a)) or a.therapist_id
            for a in self.appointments
        }


class MoveQueryForm(TherapistsForm):
    """Which day's free times to show, for which therapists (the query string)."""

    therapist_required = False

    on = forms.DateField(label=_("Day"), widget=NativeDateInput())


class MoveForm(TherapistsForm, StartForm):
    """The move itself: the new start (as a guest's reschedule), the therapists, the notice."""

    notify = forms.BooleanField(required=False, label=_("Tell the client about the change"))


class CancelForm(forms.Form):
    reason = forms.CharField(
        required=False,
        max_length=500,
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    notify = forms.BooleanField(required=False, label=_("Send the client the cancellation"))
    by_studio = forms.BooleanField(
        required=False,
        label=_("The studio cancels: no late-cancellation fee, everything paid online back"),
    )


class MarkForm(forms.Form):
    mark = forms.ChoiceField(choices=[(mark, mark) for mark in MARKS])
