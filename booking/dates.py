"""The dates the studio's calendar holds, and the one check every date input goes through.

Python's dates run from year 1 to year 9999, and a date at either end
cannot be worked with: the day after 9999-12-31 or midnight of
0001-01-01 in UTC+1 does not exist, so the pages, the API and the
availability engine ended such a request in an OverflowError (a 500).
No appointment of a studio lies near those ends, so a date outside
[FIRST_ON, LAST_ON] is a typo or a probe: the API refuses it as bad
input, the pages ignore it. Inside the range, adding days and moving
between time zones cannot overflow.
"""

from __future__ import annotations

from datetime import date, datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Wide enough for years of history and any booking horizon, far enough
# from Python's limits that a day or a zone's offset either way is safe.
FIRST_ON = date(2000, 1, 1)
LAST_ON = date(2199, 12, 31)


def is_on_calendar(moment: date | datetime) -> bool:
    """Whether a date, or a datetime's date in its own offset, lies in the calendar's range."""
    day = moment.date() if isinstance(moment, datetime) else moment
    return FIRST_ON <= day <= LAST_ON


def validate_on_calendar(moment: date | datetime) -> None:
    """A validator for form and serializer fields: refuses a date the calendar cannot hold."""
    if not is_on_calendar(moment):
        raise ValidationError(
            _("Give a date between %(first)s and %(last)s."),
            code="out_of_range",
            params={"first": FIRST_ON.isoformat(), "last": LAST_ON.isoformat()},
        )


def parse_day(value: str | None) -> date | None:
    """The date in an ISO `YYYY-MM-DD` value, or None if it is not one the calendar holds."""
    try:
        day = date.fromisoformat(value or "")
    except ValueError:
        return None
    return day if is_on_calendar(day) else None


class CalendarDateField(forms.DateField):
    """A form's date field that refuses dates outside the calendar's range."""

    default_validators = [validate_on_calendar]
