"""The studio closes on public holidays: whole-studio time off from midnight to midnight."""

from datetime import UTC, date, datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from booking.availability import available_slots
from booking.models import Appointment, TimeOff
from booking.services import Actor, book_appointment
from booking.services.holidays import close_on_public_holidays, public_holidays
from tests.booking.conftest import MONDAY, NOW, at

pytestmark = pytest.mark.django_db

WOMENS_DAY = date(2027, 3, 8)  # a public holiday in Berlin only
GOOD_FRIDAY = date(2027, 3, 26)
EASTER_MONDAY = date(2027, 3, 29)  # the day after the clocks go forward


def test_berlin_has_womens_day_and_the_rest_of_germany_does_not():
    berlin = dict(public_holidays("DE-BE", MONDAY, date(2027, 3, 31)))
    germany = dict(public_holidays("DE", MONDAY, date(2027, 3, 31)))

    assert list(berlin) == [WOMENS_DAY, GOOD_FRIDAY, EASTER_MONDAY]
    assert list(germany) == [GOOD_FRIDAY, EASTER_MONDAY]
    assert berlin[GOOD_FRIDAY] == "Good Friday"


def test_each_holiday_closes_the_whole_studio_from_local_midnight_to_midnight():
    close_on_public_holidays(region="DE-BE", start=MONDAY, end=date(2027, 3, 31))

    closures = list(TimeOff.objects.order_by("start_at"))
    assert [closure.therapist for closure in closures] == [None, None, None]
    assert [closure.reason for closure in closures] == [
        "Women's Day",
        "Good Friday",
        "Easter Monday",
    ]
    # Berlin is UTC+1 until 28 March and UTC+2 after.
    assert (closures[0].start_at, closures[0].end_at) == (
        datetime(2027, 3, 7, 23, tzinfo=UTC),
        datetime(2027, 3, 8, 23, tzinfo=UTC),
    )
    assert (closures[2].start_at, closures[2].end_at) == (
        datetime(2027, 3, 28, 22, tzinfo=UTC),
        datetime(2027, 3, 29, 22, tzinfo=UTC),
    )


def test_no_time_is_offered_on_a_closed_holiday(classical, anna, two_rooms):
    assert available_slots(offering=classical, start_on=WOMENS_DAY, end_on=WOMENS_DAY, now=NOW)

    close_on_public_holidays(region="DE-BE", start=MONDAY, end=WOMENS_DAY)

    assert (
        available_slots(offering=classical, start_on=WOMENS_DAY, end_on=WOMENS_DAY, now=NOW) == []
    )


def test_closing_again_adds_nothing():
    first = close_on_public_holidays(region="DE-BE", start=MONDAY, end=date(2027, 3, 31))

    again = close_on_public_holidays(region="DE-BE", start=MONDAY, end=date(2027, 3, 31))

    assert len(first) == 3
    assert again == []
    assert TimeOff.objects.count() == 3


def test_what_is_booked_on_a_holiday_stays_booked_and_is_reported(
    classical, anna, two_rooms, guest_details
):
    booked = book_appointment(
        offering=classical,
        start_at=at(WOMENS_DAY, "10:00"),
        client=guest_details,
        source=Appointment.Source.ADMIN,
        actor=Actor(label="reception", is_staff=True),
        now=NOW,
    )

    closures = close_on_public_holidays(region="DE-BE", start=MONDAY, end=WOMENS_DAY)

    assert [closure.booked for closure in closures] == [[booked]]
    booked.refresh_from_db()
    assert booked.status == Appointment.Status.CONFIRMED


def test_an_unknown_region_is_refused():
    with pytest.raises(ValueError, match="XX"):
        public_holidays("XX", MONDAY, WOMENS_DAY)
    with pytest.raises(CommandError, match="XX"):
        call_command("close_public_holidays", region="XX", stdout=StringIO())


def test_the_command_closes_the_holidays_to_the_horizon_and_says_which(time_machine, settings):
    time_machine.move_to(NOW, tick=False)
    settings.STUDIO_HORIZON_DAYS = 27
    out = StringIO()

    call_command("close_public_holidays", region="DE-BE", stdout=out)

    assert "Women's Day" in out.getvalue()
    assert "Good Friday" in out.getvalue()
    assert "Public holidays closed in DE-BE: 2." in out.getvalue()


def test_the_command_needs_a_region(settings):
    settings.STUDIO_HOLIDAYS = ""

    with pytest.raises(CommandError, match="region"):
        call_command("close_public_holidays", region="", stdout=StringIO())
