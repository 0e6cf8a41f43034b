"""A visit paid with a package says what is left of it: its manage page and its e-mails.

The e-mails read it through booking's message notes, which the payments
app feeds (booking does not import payments), once per batch of
reminders: the dispatcher's queries do not grow with the batch.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from booking.guest_access import manage_link
from booking.models import Visit
from booking.services import Actor, ClientDetails, book_appointment
from notifications.appointments import build_email
from notifications.models import Message
from notifications.services import dispatch_due_messages
from payments.models import Package
from payments.services import packages
from tests.booking.conftest import NOW, TUESDAY, at, reminder_on

pytestmark = pytest.mark.django_db

DESK = Actor(label="desk")


@pytest.fixture
def redeemed(classical, booked):
    ten = Package.objects.create(
        name="Ten classical", offering=classical, sessions=10, price=Decimal("300.00")
    )
    owned = packages.sell_package_at_desk(
        package=ten, client=booked.visit.client, method="cash", actor=DESK
    )
    packages.redeem_session(client_package=owned, visit=booked.visit, actor=DESK)
    return owned


def test_the_manage_page_says_how_many_sessions_are_left(client, booked, redeemed):
    client.get(manage_link(booked))

    page = client.get(reverse("booking:manage", args=[booked.pk])).content.decode()

    assert "Paid with your package: 9 of 10 sessions left, valid until" in page


def test_a_visit_without_a_package_says_nothing_of_one(client, booked):
    client.get(manage_link(booked))

    page = client.get(reverse("booking:manage", args=[booked.pk])).content.decode()

    assert "Paid with your package" not in page


def test_the_reminder_says_how_many_sessions_are_left(booked, redeemed):
    reminder = Message(appointment=booked, kind="day_before", channel="email")

    message = build_email(reminder)

    assert "Paid with your package: 9 of 10 sessions left, valid until" in message.body
    [(html, _)] = message.alternatives
    assert "Paid with your package: 9 of 10 sessions left" in str(html)


def test_the_notice_of_a_cancellation_says_nothing_of_the_package(booked, redeemed):
    reminder = Message(appointment=booked, kind="cancellation", channel="email")

    assert "Paid with your package" not in build_email(reminder).body


@pytest.mark.parametrize(
    ("sessions", "said"),
    [
        (2, "остался 1 сеанс из 2"),
        (3, "осталось 2 сеанса из 3"),
        (6, "осталось 5 сеансов из 6"),
    ],
)
def test_the_russian_reminder_says_what_is_left_with_its_plural(classical, booked, sessions, said):
    Visit.objects.filter(pk=booked.visit_id).update(language="ru")
    booked.visit.language = "ru"
    sold = _sell(classical, booked.visit, sessions=sessions)
    packages.redeem_session(client_package=sold, visit=booked.visit, actor=DESK)

    message = build_email(Message(appointment=booked, kind="day_before", channel="email"))

    assert f"Оплачено из вашего абонемента: {said}, действует до" in message.body


def _sell(offering, visit, *, sessions: int = 10):
    package = Package.objects.create(
        name=f"{sessions} classical", offering=offering, sessions=sessions, price=Decimal("300")
    )
    return packages.sell_package_at_desk(
        package=package, client=visit.client, method="cash", actor=DESK
    )


def _paid_visits(offering, count: int, *, first: int = 0) -> None:
    """`count` visits booked at the desk, each paid with a package, their confirmations due."""
    for number in range(first, first + count):
        appointment = book_appointment(
            offering=offering,
            start_at=at(TUESDAY, "14:00") + timedelta(hours=number),
            client=ClientDetails(
                name=f"Client {number}", email=f"c{number}@example.com", phone="+49 30 1234567"
            ),
            source="desk",
            actor=Actor(label="desk", is_staff=True),
            now=NOW,
        )
        sold = _sell(offering, appointment.visit, sessions=number + 2)
        packages.redeem_session(client_package=sold, visit=appointment.visit, actor=DESK)
        # One message per visit, due now, for the dispatcher's batch.
        Message.objects.filter(appointment__visit=appointment.visit).delete()
        due = reminder_on(appointment.visit, Message.Kind.DAY_BEFORE)
        due.due_at = NOW
        due.save()


def _dispatch_queries() -> int:
    with CaptureQueriesContext(connection) as queries:
        dispatch_due_messages()
    return len(queries)


def test_a_batch_reads_the_packages_of_all_its_visits_at_once(
    classical, anna, two_rooms, time_machine
):
    time_machine.move_to(NOW, tick=False)
    _paid_visits(classical, 1)
    one = _dispatch_queries()
    mail.outbox.clear()
    _paid_visits(classical, 3, first=1)

    three = _dispatch_queries()

    # Two more messages cost their own two updates each (the lease
    # renewed, then marked sent), and nothing more for their packages.
    assert three == one + 2 * 2
    notes = sorted(
        line.split(", valid until")[0]
        for message in mail.outbox
        for line in message.body.splitlines()
        if "package" in line
    )
    assert notes == [
        "Paid with your package: 2 of 3 sessions left",
        "Paid with your package: 3 of 4 sessions left",
        "Paid with your package: 4 of 5 sessions left",
    ]
