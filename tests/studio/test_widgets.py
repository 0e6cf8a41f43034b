"""Date pickers keep their value in Russian: the browser takes it only in ISO."""

from datetime import date

import pytest
from django.utils import translation

from notifications.forms import WaitlistForm
from staff.calendar.forms import SlotFinderForm
from staff.reports.views import PeriodForm
from staff.visits.forms import MoveQueryForm

DAY = date(2027, 3, 2)


@pytest.mark.parametrize(
    ("form", "field"),
    [
        (lambda: PeriodForm(initial={"start": DAY}), "start"),
        (lambda: SlotFinderForm(initial={"date": DAY}), "date"),
        (lambda: MoveQueryForm(initial={"on": DAY}, appointments=[], qualified={}), "on"),
        (lambda: WaitlistForm(initial={"date_from": DAY}, therapists=[]), "date_from"),
    ],
)
@pytest.mark.parametrize("language", ["en", "ru"])
def test_a_date_picker_writes_its_value_in_iso_in_every_language(form, field, language):
    with translation.override(language):
        html = form()[field].as_widget()
    assert 'type="date"' in html
    assert 'value="2027-03-02"' in html
