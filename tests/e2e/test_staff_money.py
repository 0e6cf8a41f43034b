"""Reception charges a no-show fee from the visit page, in a real browser, at 1024 px.

The clock stands on a Tuesday at 11:00 in the studio: the visit at
10:00 has started and nobody came. The studio charges the whole price
for a no-show, to the card the client saved (at localstripe).
"""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth.models import Group, User
from playwright.sync_api import expect

from booking.models import Appointment, Therapist
from booking.services import Actor, ClientDetails, book_appointment
from catalog.models import Offering
from payments.models import Entry, PaymentPolicy
from tests.e2e.conftest import PHONE, Steps, assert_accessible
from tests.e2e.test_staff_visit import TABLET, logged_in
from tests.payments.conftest import CARD_OK, localstripe_url, stripe_backend  # noqa: F401
from tests.payments.money import save_card, studio_policy

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# Tuesday 2 March 2027, 11:00 in Berlin.
TUESDAY_ELEVEN = datetime(2027, 3, 2, 10, 0, tzinfo=UTC)


@pytest.fixture
def missed(studio: dict[str, Therapist], stripe_backend: str) -> Iterator[Appointment]:  # noqa: F811
    """Mira's massage at 10:00 today, with a card saved; the clock at 11:00."""
    User.objects.create_user("desk", password="desk-pass-1").groups.add(
        Group.objects.get(name="reception")
    )
    studio_policy(no_show_fee_percent=100, late_cancel_fee_percent=50)
    appointment = book_appointment(
        offering=Offering.objects.get(slug="classical-foot-30"),
        start_at=datetime(2027, 3, 2, 9, 0, tzinfo=UTC),
        therapist=studio["anna"],
        client=ClientDetails(name="Mira Example", email="mira@example.com", phone="+4930123456"),
        has_consent=True,
        source="desk",
        actor=Actor(label="desk", is_staff=True),
        now=TUESDAY_ELEVEN - timedelta(days=1),
    )
    save_card(appointment.visit, CARD_OK)
    with time_machine.travel(TUESDAY_ELEVEN, tick=True):
        yield appointment


def test_reception_charges_a_no_show_fee_from_the_visit_page(
    live_server, browser, missed, steps_for
):
    page = logged_in(browser, live_server, TABLET)
    steps: Steps = steps_for(page)
    page.goto(f"{live_server.url}/staff/visits/{missed.visit_id}/")
    expect(page.get_by_role("heading", level=2, name="Money")).to_be_visible()
    expect(page.locator(".money-terms")).to_contain_text("If you do not come, a fee of €35.")

    page.get_by_role("button", name="No-show").click()
    expect(page.get_by_role("status")).to_have_text("Marked no-show.")
    assert_accessible(page)
    steps.shot("marked-no-show")

    page.get_by_role("link", name="Charge no-show fee (€35)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Charge the no-show fee")
    expect(
        page.get_by_text("Charge €35 to Mira Example's saved card visa ···· 4242?")
    ).to_be_visible()
    assert_accessible(page)
    steps.shot("confirm")
    page.get_by_role("button", name="Charge €35").click()

    expect(page.get_by_role("status")).to_have_text("The no-show fee of €35 is charged.")
    expect(page.locator(".money-ledger")).to_contain_text("Fee")
    expect(page.get_by_role("link", name="Charge no-show fee (€35)")).to_have_count(0)
    assert_accessible(page)
    steps.shot("fee-charged")
    fee = Entry.objects.get(visit=missed.visit)
    assert (fee.kind, fee.amount) == ("fee", 35)


def test_reception_takes_a_no_shows_fee_not_its_price_at_the_checkout_on_a_phone(
    live_server, browser, missed, steps_for
):
    """A no-show owes the fee its policy sets; the checkout shows and takes only that."""
    studio_policy_half = PaymentPolicy.objects.get(offering=None)
    studio_policy_half.no_show_fee_percent = 50
    studio_policy_half.save(update_fields=["no_show_fee_percent"])
    page = logged_in(browser, live_server, PHONE)
    steps: Steps = steps_for(page)
    page.goto(f"{live_server.url}/staff/visits/{missed.visit_id}/")
    page.get_by_role("button", name="No-show").click()
    expect(page.get_by_role("status")).to_have_text("Marked no-show.")

    checkout = page.locator("#checkout")
    expect(checkout).to_contain_text("No-show fee due: €17.50")
    expect(checkout.get_by_label("Amount")).to_have_value("17.50")
    checkout.scroll_into_view_if_needed()
    assert_accessible(page)
    steps.shot("no-show-fee-due")
    checkout.get_by_role("button", name="Take payment").click()

    expect(page.get_by_role("status")).to_contain_text("€17.50 taken (Cash).")
    expect(page.locator("#checkout")).to_contain_text("Nothing is due for this visit.")
    page.locator("#checkout").scroll_into_view_if_needed()
    steps.shot("no-show-fee-taken")
    fee = Entry.objects.get(visit=missed.visit)
    assert (fee.kind, fee.method, fee.amount) == ("fee", "cash", Decimal("17.50"))
