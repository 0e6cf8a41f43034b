"""On a phone: a full day, the waitlist, a cancellation by staff, the offer taken from its e-mail.

Screenshots go to tests/artifacts/e2e/.
"""

import re
from datetime import time

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.urls import reverse
from playwright.sync_api import expect

from booking.models import Appointment, Visit
from booking.services import Actor, ClientDetails, book_appointment, cancel_visit
from catalog.models import Offering
from notifications.services import dispatch_due_messages
from tests.e2e.conftest import PHONE
from tests.e2e.test_booking_flow import days_ahead, local, open_page
from tests.factories import TherapistFactory, give_hours, rooms

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_freed_time_goes_to_the_waitlist_and_is_taken_from_the_offer(
    live_server, browser, steps_for, settings, django_user_model
):
    settings.STUDIO_BASE_URL = live_server.url
    day = days_ahead(3)
    # One therapist, one room, one hour: a single booking at 10:15 fills the day.
    anna = TherapistFactory.create(name="Anna Weber", slug="anna")
    give_hours(anna, (time(10), time(11)))
    rooms(1)
    classical = Offering.objects.get(slug="classical-foot-30")
    taken = book_appointment(
        offering=classical,
        start_at=local(day, time(10, 15)),
        client=ClientDetails("Olga Other", "olga@example.com", "+49 30 7654321"),
        source=Appointment.Source.WEB,
        actor=Actor.guest(),
    )
    page = open_page(browser, PHONE)
    steps = steps_for(page)
    picker = reverse("booking:slots", kwargs={"offering_slug": classical.slug})
    page.goto(f"{live_server.url}{picker}?on={day.isoformat()}")
    expect(page.get_by_text("No free times on this day.")).to_be_visible()
    steps.shot("full-day")

    page.get_by_role("link", name="Tell me when a time frees up").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tell me when a time frees up")
    page.get_by_label("Your name").fill("Mira Example")
    page.get_by_label("E-mail", exact=True).fill("mira@example.com")
    page.get_by_label("Phone", exact=True).fill("+49 30 1234567")
    steps.shot("waitlist-form")
    page.get_by_role("button", name="Put me on the waitlist").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You are on the waitlist")
    steps.shot("on-the-waitlist")

    desk = django_user_model.objects.create_user("desk", is_staff=True)
    desk.user_permissions.add(Permission.objects.get(codename="change_appointment"))
    staff = Actor.for_user(django_user_model.objects.get(pk=desk.pk))
    cancel_visit(visit=taken.visit, actor=staff, reason="Client called")
    # What beat does every minute; the worker may have done it already.
    dispatch_due_messages()
    dispatch_due_messages()
    [offer] = [m for m in mail.outbox if m.to == ["mira@example.com"] and "freed up" in m.subject]
    link = re.search(r"https?://\S+/waitlist/offer/\?t=\S+", str(offer.body))
    assert link is not None

    mail_program = open_page(browser, PHONE)
    steps.page = mail_program
    mail_program.goto(link[0])
    expect(mail_program.get_by_role("heading", level=1)).to_have_text("A time has freed up")
    assert "?t=" not in mail_program.url
    steps.shot("offer")
    mail_program.get_by_role("button", name="Take it").click()
    expect(mail_program.get_by_role("heading", level=1)).to_have_text("Your massage is booked")
    steps.shot("booked")

    booked = Visit.objects.get(contact_email="mira@example.com")
    assert booked.status == Visit.Status.CONFIRMED
    assert booked.start_at == local(day, time(10, 15))
