"""The reminder outbox: what is planned, and that each message goes out once."""

import ast
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from icalendar import Calendar

from booking import services
from booking.services import Actor, book_appointment, cancel_appointment, reschedule_appointment
from notifications.models import Message
from notifications.selectors import outbox_health
from notifications.services import (
    claim_due_messages,
    deliver_message,
    dispatch_due_messages,
    retry_messages,
)
from studio import celery_app
from tests.booking.conftest import NOW, TUESDAY, at
from tests.factories import give_hours

pytestmark = pytest.mark.django_db

Kind = Message.Kind
Status = Message.Status
WEDNESDAY = date(2027, 3, 3)


@pytest.fixture(autouse=True)
def reminder_rules(settings):
    settings.STUDIO_REMINDER_DAY_BEFORE_TIME = "18:00"
    settings.STUDIO_REMINDER_HOURS_BEFORE = 2
    settings.STUDIO_REMINDER_MIN_GAP_HOURS = 3
    settings.STUDIO_REMINDER_MAX_ATTEMPTS = 3
    settings.STUDIO_REMINDER_LEASE_SECONDS = 300


def book(offering, start, details, now=NOW):
    return book_appointment(
        offering=offering,
        start_at=start,
        client=details,
        source="api",
        actor=Actor.guest(),
        now=now,
    )


def planned(appointment) -> dict:
    return {
        (r.kind, r.channel): r.due_at for r in appointment.messages.filter(status=Status.PENDING)
    }


def test_a_booking_plans_its_confirmation_and_both_reminders(
    classical, anna, two_rooms, guest_details
):
    appointment = book(classical, at(WEDNESDAY, "10:00"), guest_details)

    assert planned(appointment) == {
        ("confirmation", "email"): NOW,
        ("day_before", "email"): at(TUESDAY, "18:00"),
        ("hours_before", "sms"): at(WEDNESDAY, "8:00"),
    }


def test_a_booking_two_hours_ahead_gets_only_its_confirmation(
    classical, anna, two_rooms, guest_details
):
    appointment = book(classical, NOW + timedelta(hours=2), guest_details)

    assert set(planned(appointment)) == {("confirmation", "email")}


def test_no_day_before_reminder_a_minute_after_booking_for_tomorrow(
    classical, anna, two_rooms, guest_details
):
    evening = at(TUESDAY, "17:59")

    appointment = book(classical, at(WEDNESDAY, "10:00"), guest_details, now=evening)

    assert set(planned(appointment)) == {("confirmation", "email"), ("hours_before", "sms")}


class TestDaylightSaving:
    """Europe/Berlin moves its clocks on 28 March and 31 October 2027."""

    def test_the_day_before_reminder_keeps_its_local_time_in_spring(
        self, classical, anna, two_rooms, guest_details
    ):
        appointment = book(classical, at(date(2027, 3, 29), "10:00"), guest_details)

        due = planned(appointment)[("day_before", "email")]
        # Sunday 28 March 18:00 is summer time already: 16:00 UTC.
        assert due == datetime(2027, 3, 28, 16, 0, tzinfo=UTC)
        assert due == at(date(2027, 3, 28), "18:00")

    def test_the_day_before_reminder_keeps_its_local_time_in_autumn(
        self, classical, two_rooms, guest_details, anna
    ):
        give_hours(anna, weekdays=[0])
        autumn_now = datetime(2027, 10, 20, 8, 0, tzinfo=UTC)

        appointment = book(classical, at(date(2027, 11, 1), "10:00"), guest_details, now=autumn_now)

        due = planned(appointment)[("day_before", "email")]
        # Sunday 31 October 18:00 is winter time again: 17:00 UTC.
        assert due == datetime(2027, 10, 31, 17, 0, tzinfo=UTC)


def test_cancelling_cancels_pending_reminders_and_plans_the_notice(
    classical, anna, two_rooms, guest_details
):
    appointment = book(classical, at(WEDNESDAY, "10:00"), guest_details)

    cancel_appointment(appointment=appointment, actor=Actor.guest(), now=NOW)

    assert set(planned(appointment)) == {("cancellation", "email")}
    assert appointment.messages.filter(status=Status.CANCELLED).count() == 3


def test_rescheduling_retimes_the_reminders_and_plans_the_notice(
    classical, anna, two_rooms, guest_details
):
    appointment = book(classical, at(WEDNESDAY, "10:00"), guest_details)

    reschedule_appointment(
        appointment=appointment,
        start_at=at(date(2027, 3, 4), "15:00"),
        actor=Actor.guest(),
        now=NOW,
    )

    assert planned(appointment) == {
        ("confirmation", "email"): NOW,
        ("rescheduled", "email"): NOW,
        ("day_before", "email"): at(WEDNESDAY, "18:00"),
        ("hours_before", "sms"): at(date(2027, 3, 4), "13:00"),
    }


def test_the_confirmation_goes_out_with_a_calendar_file(
    classical, anna, two_rooms, guest_details, time_machine
):
    time_machine.move_to(NOW, tick=False)
    appointment = book(classical, at(WEDNESDAY, "10:00"), guest_details)

    assert dispatch_due_messages() == 1

    (message,) = mail.outbox
    assert message.to == ["Mira Example <mira@example.com>"]
    assert "booked" in message.subject
    assert "Wednesday 3 March at 10:00" in message.body
    assert "Price: €35" in message.body
    link = f"/en/booking/manage/{appointment.pk}/?t={appointment.manage_token}"
    assert link in message.body
    assert isinstance(message, EmailMultiAlternatives)
    html, _ = message.alternatives[0]
    assert f'href="{settings.STUDIO_BASE_URL}{link}"' in str(html)
    assert "Cancel or move this booking" in str(html)
    name, ics, mimetype = message.attachments[0]
    assert (name, mimetype) == ("appointment.ics", "text/calendar; method=REQUEST; charset=utf-8")
    (event,) = Calendar.from_ical(ics).walk("VEVENT")
    assert event.decoded("dtstart") == at(WEDNESDAY, "10:00")
    assert event.decoded("dtend") == at(WEDNESDAY, "10:30")
    assert str(event["uid"]) == f"appointment-{appointment.pk}@127.0.0.1"
    assert str(event["summary"]) == "Classical: foot at Studio"
    reminder = appointment.messages.get(kind=Kind.CONFIRMATION)
    assert (reminder.status, reminder.sent_at, reminder.attempts) == (Status.SENT, NOW, 1)


def test_a_second_run_sends_nothing_more(classical, anna, two_rooms, guest_details, time_machine):
    time_machine.move_to(NOW, tick=False)
    book(classical, at(WEDNESDAY, "10:00"), guest_details)
    dispatch_due_messages()

    assert dispatch_due_messages() == 0
    assert len(mail.outbox) == 1


def test_the_day_before_reminder_waits_for_its_time(
    classical, anna, two_rooms, guest_details, time_machine
):
    time_machine.move_to(NOW, tick=False)
    book(classical, at(WEDNESDAY, "10:00"), guest_details)
    dispatch_due_messages()

    time_machine.move_to(at(TUESDAY, "17:59"), tick=False)
    assert dispatch_due_messages() == 0
    time_machine.move_to(at(TUESDAY, "18:00"), tick=False)
    assert dispatch_due_messages() == 1

    assert "See you tomorrow at 10:00" in mail.outbox[-1].subject


def test_the_hours_before_reminder_is_a_short_text_message(
    classical, anna, two_rooms, guest_details, time_machine, settings
):
    time_machine.move_to(NOW, tick=False)
    book(classical, at(WEDNESDAY, "10:00"), guest_details)
    time_machine.move_to(at(WEDNESDAY, "8:00"), tick=False)

    dispatch_due_messages()

    (sms,) = list(Path(settings.SMS_FILE_PATH).iterdir())
    text = sms.read_text()
    assert "To: +49 30 1234567" in text
    assert "see you today at 10:00 for Classical: foot" in text


def test_a_cancelled_appointments_reminders_are_never_sent(
    classical, anna, two_rooms, guest_details, time_machine
):
    time_machine.move_to(NOW, tick=False)
    appointment = book(classical, at(WEDNESDAY, "10:00"), guest_details)
    dispatch_due_messages()
    cancel_appointment(appointment=appointment, actor=Actor.guest(), now=NOW)
    dispatch_due_messages()

    time_machine.move_to(at(WEDNESDAY, "9:00"), tick=False)
    assert dispatch_due_messages() == 0
    assert [m.subject.split(" · ")[0] for m in mail.outbox] == [
        "Your massage on Wednesday 3 March at 10:00 is booked",
        "Your massage on Wednesday 3 March at 10:00 is cancelled",
    ]
    _, ics, mimetype = mail.outbox[-1].attachments[0]
    assert mimetype.startswith("text/calendar; method=CANCEL")
    assert str(Calendar.from_ical(ics)["method"]) == "CANCEL"


def test_a_claimed_reminder_of_an_appointment_cancelled_meanwhile_is_dropped(
    classical, anna, two_rooms, guest_details, time_machine
):
    time_machine.move_to(NOW, tick=False)
    appointment = book(classical, at(WEDNESDAY, "10:00"), guest_details)
    token = uuid.uuid4()
    (claimed,) = claim_due_messages(token=token)
    appointment.status = "cancelled"
    appointment.save(update_fields=["status"])

    assert deliver_message(message_id=claimed, token=token) == Status.CANCELLED
    assert mail.outbox == []


def test_two_claims_never_take_the_same_reminder(
    classical, anna, ben, two_rooms, guest_details, time_machine
):
    time_machine.move_to(NOW, tick=False)
    for start in ("10:00", "11:00", "12:00"):
        book(classical, at(WEDNESDAY, start), guest_details)

    first = claim_due_messages(token=uuid.uuid4(), limit=2)
    second = claim_due_messages(token=uuid.uuid4(), limit=2)

    assert len(first) == 2
    assert len(second) == 1
    assert not set(first) & set(second)
    assert claim_due_messages(token=uuid.uuid4()) == []


def test_a_reminder_stuck_in_sending_is_taken_again_after_its_lease(
    classical, anna, two_rooms, guest_details, time_machine
):
    time_machine.move_to(NOW, tick=False)
    book(classical, at(WEDNESDAY, "10:00"), guest_details)
    (claimed,) = claim_due_messages(token=uuid.uuid4())  # the worker dies here, before sending

    time_machine.move_to(NOW + timedelta(seconds=299), tick=False)
    assert claim_due_messages(token=uuid.uuid4()) == []
    time_machine.move_to(NOW + timedelta(seconds=301), tick=False)
    assert dispatch_due_messages() == 1

    reminder = Message.objects.get(pk=claimed)
    assert (reminder.status, reminder.attempts) == (Status.SENT, 1)
    assert len(mail.outbox) == 1


def test_a_failing_send_is_retried_with_back_off_and_then_sent(
    classical, anna, two_rooms, guest_details, time_machine, settings
):
    time_machine.move_to(NOW, tick=False)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    book(classical, at(WEDNESDAY, "10:00"), guest_details)

    dispatch_due_messages()  # no mail server answers on port 9
    reminder = Message.objects.get(kind=Kind.CONFIRMATION)
    assert (reminder.status, reminder.attempts) == (Status.PENDING, 1)
    assert reminder.due_at == NOW + timedelta(minutes=1)
    assert reminder.last_error

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    time_machine.move_to(NOW + timedelta(minutes=1), tick=False)
    dispatch_due_messages()

    reminder.refresh_from_db()
    assert (reminder.status, reminder.attempts, reminder.last_error) == (Status.SENT, 2, "")
    assert len(mail.outbox) == 1


def test_a_send_that_always_fails_ends_failed_and_visible(
    classical, anna, two_rooms, guest_details, time_machine, settings
):
    time_machine.move_to(NOW, tick=False)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    book(classical, at(WEDNESDAY, "10:00"), guest_details)

    for minutes in (0, 1, 3):  # back-off: 1 minute, then 2
        time_machine.move_to(NOW + timedelta(minutes=minutes), tick=False)
        dispatch_due_messages()

    reminder = Message.objects.get(kind=Kind.CONFIRMATION)
    assert (reminder.status, reminder.attempts) == (Status.FAILED, 3)
    assert outbox_health(now=NOW + timedelta(minutes=3)).failed == 1
    assert dispatch_due_messages() == 0

    assert retry_messages(message_ids=[reminder.pk]) == 1
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    dispatch_due_messages()
    reminder.refresh_from_db()
    assert reminder.status == Status.SENT


def test_the_outbox_health_tells_how_long_the_oldest_due_reminder_waits(
    classical, anna, two_rooms, guest_details
):
    book(classical, at(WEDNESDAY, "10:00"), guest_details)
    later = NOW + timedelta(minutes=10)

    health = outbox_health(now=later)

    assert (health.due, health.failed) == (1, 0)
    assert health.waiting(later) == timedelta(minutes=10)
    assert health.is_stuck(later)
    assert not outbox_health(now=NOW).is_stuck(NOW)


def test_beat_runs_the_sweep_every_minute(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["dispatch-due-messages"]

    assert entry == {"task": "notifications.tasks.dispatch_messages", "schedule": 60.0}
    # What a worker does at start: import every app's tasks module.
    celery_app.loader.import_default_modules()
    assert "notifications.tasks.dispatch_messages" in celery_app.tasks


def test_a_task_queued_under_its_name_from_before_the_move_still_sends_once(
    classical, anna, two_rooms, guest_details, time_machine
):
    time_machine.move_to(NOW, tick=False)
    appointment = book(classical, at(WEDNESDAY, "10:00"), guest_details)
    confirmation = appointment.messages.get(kind=Kind.CONFIRMATION)
    celery_app.loader.import_default_modules()
    send_reminder = celery_app.tasks["booking.tasks.send_reminder"]

    assert send_reminder.apply(kwargs={"reminder_id": confirmation.pk}).get() == "sent"
    send_reminder.apply(kwargs={"reminder_id": confirmation.pk})
    assert celery_app.tasks["booking.tasks.dispatch_reminders"].apply().get() == 0
    assert len(mail.outbox) == 1
    confirmation.refresh_from_db()
    assert (confirmation.status, confirmation.attempts) == (Status.SENT, 1)


def test_a_booking_hands_its_confirmation_to_a_worker_once_committed(
    classical, anna, two_rooms, guest_details, time_machine, django_capture_on_commit_callbacks
):
    time_machine.move_to(NOW, tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        appointment = book(classical, at(WEDNESDAY, "10:00"), guest_details)

    # Tasks run in the test's process (tests/conftest.py), as a worker would run them.
    assert len(mail.outbox) == 1
    assert appointment.messages.get(kind=Kind.CONFIRMATION).status == Status.SENT


def test_the_services_never_import_the_tasks():
    """The tasks import the services; the services hand work over by the task's name."""
    imported: set[str] = set()
    for module in Path(services.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                imported |= {node.module, *(f"{node.module}.{a.name}" for a in node.names)}
            elif isinstance(node, ast.Import):
                imported |= {alias.name for alias in node.names}

    assert "booking" in {name.split(".")[0] for name in imported}  # the walk saw imports
    assert not {name for name in imported if name.startswith("booking.tasks")}
