"""Health answers: yes, no, or not asked, as every form, page and export reads them.

A person's answers are stored per question (`Appointment.health`):
True for yes, False for no, None for a question staff did not ask
(the desk and the admin's phone form offer all three). A question left
out of the dict was not asked either. Only "yes" to a question that a
massage type's contraindication names asks for care: "rules out"
refuses the booking (`services.visits._check_health`), "talk to the
studio first" flags the visit on the staff calendar.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django import forms
from django.utils.translation import gettext, pgettext_lazy

from catalog.models import Contraindication, HealthQuestion

YES, NO = "yes", "no"


def answer_label(value: Any) -> str:
    """One stored answer in words: yes, no, or not asked."""
    if value is True:
        return gettext("yes")
    if value is False:
        return gettext("no")
    if value in (None, ""):
        return gettext("not asked")
    return str(value)


def said_yes(health: Mapping[str, Any]) -> set[str]:
    """The questions answered "yes"."""
    return {question for question, answer in health.items() if answer is True}


def cautions(
    health: Mapping[str, Any], massage_type_id: int, rules: Iterable[Contraindication]
) -> list[str]:
    """The questions, in words, whose "yes" asks for care with this massage type.

    `rules` are contraindications read once for a whole page
    (`Contraindication.objects.all()` is a handful of rows).
    """
    yes = said_yes(health)
    labels = dict(HealthQuestion.choices)
    return sorted(
        str(labels.get(rule.question, rule.question))
        for rule in rules
        if rule.massage_type_id == massage_type_id and rule.question in yes
    )


class HealthAnswerField(forms.TypedChoiceField):
    """One health question as three radios: not asked (the default), yes, no.

    Cleans to True, False or None (not asked), as stored.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            choices=[
                ("", pgettext_lazy("health answer", "Not asked")),
                (YES, pgettext_lazy("health answer", "Yes")),
                (NO, pgettext_lazy("health answer", "No")),
            ],
            coerce=lambda value: value == YES,
            empty_value=None,
            required=False,
            widget=forms.RadioSelect,
            **kwargs,
        )

    def prepare_value(self, value: Any) -> Any:
        # A stored answer shown again (True/False) as the radio it was.
        if value is True:
            return YES
        if value is False:
            return NO
        return value
