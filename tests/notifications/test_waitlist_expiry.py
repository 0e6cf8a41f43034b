"""The waitlist's entries end: past dates expire them, and ended entries are not kept forever."""

from datetime import UTC, date, datetime, timedelta

import pytest

from booking.models import Visit
from booking.services import book_appointment, cancel_visit
from booking.services.appointments import release_expired_holds
from notifications import tasks, waitlist
from notifications.models import WaitlistEntry, WaitlistOffer
from notifications.services import dispatch_due_messages
from tests.booking.conftest import NOW, TUESDAY, at
from tests.factories import WaitlistEntryFactory
from tests.notifications.waitlist_clients import NINA, join

pytestmark = pytest.mark.django_db

WEDNESDAY = TUESDAY + timedelta(days=1)
# Midnight between Tuesday and Wednesday in Berlin (CET, UTC+1): still
# Tuesday in UTC, so a service that read the day in UTC would be late.
TUESDAY_MIDNIGHT = datetime(2027, 3, 2, 23, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen(time_machine) -> None:
    time_machine.move_to(NOW, tick=False)


def status_of(entry: WaitlistEntry) -> str:
    return WaitlistEntry.objects.get(pk=entry.pk).status


def join_for_tuesday(offering) -> WaitlistEntry:
    return join(NINA, offering, date_to=TUESDAY)


def ended(offering, status: str, *, last_day: date) -> WaitlistEntry:
    return WaitlistEntryFactory.create(
        offering=offering,
        status=status,
        date_from=last_day - timedelta(days=2),
        date_to=last_day,
        created_at=NOW - timedelta(days=60),
    )


def test_an_entry_expires_when_its_last_day_ends_in_the_studios_time_zone(classical):
    entry = join_for_tuesday(classical)

    assert waitlist.expire_waitlist_entries(now=TUESDAY_MIDNIGHT - timedelta(minutes=1)) == 0
    assert status_of(entry) == "waiting"

    assert waitlist.expire_waitlist_entries(now=TUESDAY_MIDNIGHT) == 1
    assert status_of(entry) == "expired"


def test_expiring_twice_changes_nothing_more(classical):
    entry = join_for_tuesday(classical)
    later = join_for_tuesday(classical)
    WaitlistEntry.objects.filter(pk=later.pk).update(date_to=WEDNESDAY)

    assert waitlist.expire_waitlist_entries(now=TUESDAY_MIDNIGHT) == 1
    assert waitlist.expire_waitlist_entries(now=TUESDAY_MIDNIGHT) == 0

    assert (status_of(entry), status_of(later)) == ("expired", "waiting")


def test_an_offered_entry_keeps_its_open_offer_past_its_last_day(booked, classical, staff):
    entry = join_for_tuesday(classical)
    cancel_visit(visit=booked.visit, actor=staff, now=NOW)
    dispatch_due_messages()
    offer = WaitlistOffer.objects.get(entry=entry)

    assert waitlist.expire_waitlist_entries(now=TUESDAY_MIDNIGHT) == 0

    assert status_of(entry) == "offered"
    assert WaitlistOffer.objects.get(pk=offer.pk).status == "open"
    assert Visit.objects.get(pk=offer.visit_id).status == Visit.Status.HELD


def test_a_lapsed_offer_leaves_its_past_entry_unoffered_until_it_expires(
    booked, classical, anna, staff, guest_details, time_machine
):
    entry = join_for_tuesday(classical)
    cancel_visit(visit=booked.visit, actor=staff, now=NOW)
    dispatch_due_messages()
    lapsed = WaitlistOffer.objects.get(entry=entry)
    wednesday = book_appointment(
        offering=classical,
        start_at=at(WEDNESDAY, "11:00"),
        client=guest_details,
        source="web",
        actor=staff,
        now=NOW,
    )

    # Wednesday morning: the offer's hold has lapsed and Tuesday is past.
    morning = at(WEDNESDAY, "08:00")
    time_machine.move_to(morning, tick=False)
    release_expired_holds(now=morning)
    dispatch_due_messages()
    assert status_of(entry) == "waiting"
    # A time in its window of day frees up, on a day it did not ask for.
    cancel_visit(visit=wednesday.visit, actor=staff, now=morning)
    dispatch_due_messages()

    assert WaitlistOffer.objects.get(pk=lapsed.pk).status == "passed"
    assert list(WaitlistOffer.objects.filter(entry=entry)) == [lapsed]
    assert status_of(entry) == "waiting"
    assert waitlist.expire_waitlist_entries(now=morning) == 1
    assert status_of(entry) == "expired"


def test_ended_entries_are_deleted_once_past_the_keeping_period(settings, booked, classical):
    settings.STUDIO_WAITLIST_KEEP_DAYS = 30
    today = NOW.date()  # 08:00 in Berlin on Monday 1 March
    old = [
        ended(classical, status, last_day=today - timedelta(days=31))
        for status in ("expired", "withdrawn", "booked")
    ]
    kept = ended(classical, "expired", last_day=today - timedelta(days=30))
    # An offer of an old entry goes with it; its visit stays.
    WaitlistOffer.objects.create(
        entry=old[2], visit=booked.visit, start_at=booked.start_at, expires_at=NOW, status="taken"
    )

    waitlist.expire_waitlist_entries(now=NOW)

    assert list(WaitlistEntry.objects.all()) == [kept]
    assert not WaitlistOffer.objects.exists()
    assert Visit.objects.filter(pk=booked.visit_id).exists()


def test_an_entry_still_in_line_is_never_deleted(settings, classical, booked, staff):
    settings.STUDIO_WAITLIST_KEEP_DAYS = 0
    entry = join_for_tuesday(classical)
    cancel_visit(visit=booked.visit, actor=staff, now=NOW)
    dispatch_due_messages()

    waitlist.expire_waitlist_entries(now=TUESDAY_MIDNIGHT + timedelta(days=5))

    assert status_of(entry) == "offered"


def test_beat_runs_the_expiry_every_hour(settings, classical, time_machine):
    entry = join_for_tuesday(classical)

    time_machine.move_to(TUESDAY_MIDNIGHT, tick=False)
    assert tasks.expire_waitlist_entries.delay().get() == 1

    assert status_of(entry) == "expired"
    assert settings.CELERY_BEAT_SCHEDULE["expire-waitlist-entries"] == {
        "task": "notifications.tasks.expire_waitlist_entries",
        "schedule": 3600.0,
    }
