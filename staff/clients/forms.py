"""The client pages' forms: the search, a client's preferences, a treatment note."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from booking.models import Client, Therapist, TreatmentNote
from booking.selectors import CLIENT_SEARCH_MIN_LENGTH


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Name, phone or e-mail"),
        max_length=120,
        min_length=CLIENT_SEARCH_MIN_LENGTH,
        strip=True,
        error_messages={
            "min_length": _("Type at least %(limit_value)d characters to search."),
            "max_length": _("Type at most %(limit_value)d characters to search."),
        },
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )


class PreferencesForm(forms.ModelForm[Client]):
    """How the client likes their massage, and reception's notes: what `change_preferences` takes."""

    class Meta:
        model = Client
        fields = ["pressure", "preferred_therapist", "therapist_gender", "allergies", "staff_notes"]
        widgets = {
            "pressure": forms.RadioSelect,
            "therapist_gender": forms.RadioSelect,
            "allergies": forms.Textarea(attrs={"rows": 3}),
            "staff_notes": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "staff_notes": _("For the studio's staff only: the client never sees it."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        therapist = cast(forms.ModelChoiceField[Therapist], self.fields["preferred_therapist"])
        # Active therapists, and the one chosen before even if they left.
        chosen = self.instance.preferred_therapist_id
        therapist.queryset = Therapist.objects.filter(Q(is_active=True) | Q(pk=chosen)).order_by(
            "name", "id"
        )
        therapist.empty_label = _("No preference")
        choices = {
            "pressure": Client.Pressure.choices,
            "therapist_gender": Client.TherapistGender.choices,
        }
        for name, offered in choices.items():
            field = cast(forms.TypedChoiceField, self.fields[name])
            field.choices = [("", _("No preference")), *offered]


class TreatmentNoteForm(forms.ModelForm[TreatmentNote]):
    class Meta:
        model = TreatmentNote
        fields = ["subjective", "objective", "assessment", "plan"]
        widgets = {name: forms.Textarea(attrs={"rows": 4}) for name in fields}

    def clean(self) -> dict[str, Any]:
        values = super().clean() or {}
        if not any(str(values.get(name, "")).strip() for name in self.Meta.fields):
            raise forms.ValidationError(_("Write at least one part of the note."))
        return values
