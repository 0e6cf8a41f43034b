"""With holds on, a client books in a real browser, then confirms from the e-mail.

The page right after booking says the time is held and a link was
e-mailed; only opening that link, here in a second browser as from a
mail program, confirms the booking. Screenshots go to tests/artifacts/e2e/.
"""

from datetime import time

import pytest
from django.core import mail
from django.urls import reverse
from playwright.sync_api import expect

from booking.guest_access import confirmation_link
from booking.models import Appointment
from booking.site_forms import slot_value
from notifications.services import dispatch_due_messages
from tests.e2e.conftest import PHONE
from tests.e2e.test_booking_flow import days_ahead, fill_in_details, local, open_page

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_held_booking_is_confirmed_only_from_the_emailed_link(
    live_server, browser, studio, steps_for, settings
):
    settings.STUDIO_WEB_BOOKING_HOLD_MINUTES = 30
    settings.STUDIO_BASE_URL = live_server.url
    day = days_ahead(3)
    page = open_page(browser, PHONE)
    steps = steps_for(page)
    form = reverse("booking:book", kwargs={"offering_slug": "classical-foot-30"})
    start = slot_value(local(day, time(10)))
    page.goto(f"{live_server.url}{form}?start={start}&therapist={studio['anna'].id}")
    fill_in_details(page)
    page.get_by_role("button", name="Book for €35").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your time is held")
    expect(page.locator("[data-hold]")).to_contain_text("open it to confirm your booking")
    steps.shot("held")
    page.reload()
    appointment = Appointment.objects.get()
    page.goto(f"{live_server.url}{reverse('booking:manage', args=[appointment.pk])}")
    expect(page.locator(".badge")).to_have_text("Held")
    expect(page.get_by_role("link", name="Change the time")).to_have_count(0)
    steps.shot("held-manage")
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.HELD

    # What beat does every minute; the worker may have sent it already.
    dispatch_due_messages()
    [message] = mail.outbox
    link = f"{live_server.url}{confirmation_link(appointment)}"
    assert link in message.body
    mail_program = open_page(browser, PHONE)
    mail_program.goto(link)

    expect(mail_program.get_by_text("Thank you: your booking is confirmed.")).to_be_visible()
    expect(mail_program.locator(".badge")).to_have_text("Confirmed")
    steps.page = mail_program
    steps.shot("confirmed")
    assert Appointment.objects.get().status == Appointment.Status.CONFIRMED
