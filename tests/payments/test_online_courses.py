# ruff: noqa: F811 - the tests take as arguments the fixtures imported from the conftest

"""A course under a policy that asks money online: every session held, one payment for all.

Against localstripe through the official SDK: the payment confirms
every session, the hold's expiry frees every session, and a session
cancelled in time gives back only its own share.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse

from booking.models import Allocation, Appointment, Visit
from booking.services import (
    Actor,
    ClientDetails,
    book_course,
    cancel_visit,
    release_expired_holds,
)
from notifications.models import Message
from payments.models import Entry, Package, Payment
from payments.package_mail import package_link
from payments.selectors import sessions_left
from payments.services import online, packages
from payments.services.fees import settle_cancellation
from tests.booking.conftest import MIRA, NOW, TUESDAY, assert_error, at, course_of_four  # noqa: F401 - fixture
from tests.booking.test_site_course import course_form
from tests.payments.conftest import card_entered, gateway, gateway_event, post_event, signed

pytestmark = pytest.mark.django_db

HOLD = timedelta(minutes=15)
WEEKLY = [TUESDAY + timedelta(days=7 * week) for week in range(4)]
# 20 % of the classical foot massage's 35 €, for each of the four sessions.
SESSION_DEPOSIT = Decimal("7.00")
COURSE_DEPOSIT = Decimal("28.00")
MIRA_DETAILS = ClientDetails(**MIRA)


def starts(clock: str = "10:00") -> list:
    return [at(day, clock) for day in WEEKLY]


def book_online(offering, *, actor=None, details=None, now=NOW):
    """Book a course as the website does: held for one payment when the policy asks."""
    actor = actor or Actor.guest()
    return book_course(
        offering=offering,
        starts=starts(),
        client=details or MIRA_DETAILS,
        source=Appointment.Source.WEB,
        actor=actor,
        now=now,
        hold_for_payment_until=online.payment_hold_until(
            offerings=[offering], actor=actor, now=now
        ),
    )


def sessions_of(course) -> list[Visit]:
    return list(Visit.objects.filter(course=course).order_by("start_at"))


@pytest.fixture
def online_course(stripe_backend, deposit_policy, course_of_four, anna, two_rooms):
    return course_of_four


@pytest.fixture
def held(online_course):
    return book_online(online_course)


@pytest.fixture
def payment(held) -> Payment:
    payment = online.payment_for_visit(sessions_of(held)[0], now=NOW)
    assert payment is not None
    return payment


def pay(payment: Payment) -> None:
    online.pay_with_card(payment=payment, entry_reference=card_entered(payment), now=NOW)
    body = gateway_event(online.SUCCEEDED, payment)
    online.handle_webhook(body=body, signature=signed(body), now=NOW)


def test_every_session_is_held_for_the_payment_and_holds_its_time(held, online_course):
    sessions = sessions_of(held)

    assert len(sessions) == 4
    assert {(s.status, s.hold_reason, s.hold_expires_at) for s in sessions} == {
        (Visit.Status.HELD, Visit.HoldReason.PAYMENT, NOW + HOLD)
    }
    assert Allocation.objects.filter(visit__course=held, is_active=True).count() == 4
    # No confirmation before the payment.
    assert not Message.objects.filter(appointment__visit__course=held).exists()


def test_one_payment_asks_the_policy_of_every_session_summed(held, payment):
    assert (payment.amount, payment.purpose) == (COURSE_DEPOSIT, "deposit")
    assert payment.visit_id == sessions_of(held)[0].pk
    # Asked again for another session, the course's one payment answers.
    assert online.payment_for_visit(sessions_of(held)[2], now=NOW) == payment
    assert Payment.objects.count() == 1


def test_paying_confirms_every_session_with_one_confirmation(held, payment):
    pay(payment)

    sessions = sessions_of(held)
    assert {s.status for s in sessions} == {Visit.Status.CONFIRMED}
    assert set(Appointment.objects.filter(visit__course=held).values_list("status", flat=True)) == {
        Appointment.Status.CONFIRMED
    }
    confirmations = Message.objects.filter(
        appointment__visit__course=held, kind=Message.Kind.CONFIRMATION
    )
    assert [r.appointment.visit_id for r in confirmations if r.appointment] == [sessions[0].pk]
    # Each session's ledger shows its own share of the one payment.
    assert [
        list(Entry.objects.filter(visit=s).values_list("kind", "amount", "payment_id"))
        for s in sessions
    ] == [[("deposit", SESSION_DEPOSIT, payment.pk)]] * 4


def test_the_holds_expiry_frees_every_session_and_cancels_the_payment(held, payment, online_course):
    assert release_expired_holds(now=NOW + HOLD) == 4

    assert {s.status for s in sessions_of(held)} == {Visit.Status.CANCELLED}
    assert not Allocation.objects.filter(visit__course=held, is_active=True).exists()
    assert online.cancel_released_payments(now=NOW + HOLD) == 1
    assert gateway().v1.payment_intents.retrieve(payment.gateway_reference).status == "canceled"
    other = book_online(
        online_course,
        details=ClientDetails("Quick Other", "other@example.com", "+49 30 7654321"),
        now=NOW + HOLD,
    )
    assert {s.status for s in sessions_of(other)} == {Visit.Status.HELD}


def test_a_payment_after_the_expiry_is_refunded_whole_across_the_sessions(held, payment):
    online.pay_with_card(payment=payment, entry_reference=card_entered(payment), now=NOW)
    release_expired_holds(now=NOW + HOLD)

    body = gateway_event(online.SUCCEEDED, payment)
    online.handle_webhook(body=body, signature=signed(body), now=NOW + HOLD)

    assert {s.status for s in sessions_of(held)} == {Visit.Status.CANCELLED}
    refunded = Entry.objects.filter(payment=payment, kind="refund")
    assert sorted(refunded.values_list("amount", flat=True)) == [-SESSION_DEPOSIT] * 4
    # A second delivery of the event refunds nothing more.
    online.handle_webhook(body=body, signature=signed(body), now=NOW + HOLD)
    assert refunded.count() == 4


def test_a_session_cancelled_in_time_gives_back_only_its_share(held, payment):
    pay(payment)
    second = sessions_of(held)[1]

    cancel_visit(visit=second, actor=Actor.guest(), now=NOW)
    settle_cancellation(visit=second, actor=Actor(label="studio", is_staff=True), now=NOW)

    assert list(
        Entry.objects.filter(visit=second).values_list("kind", "amount").order_by("id")
    ) == [
        ("deposit", SESSION_DEPOSIT),
        ("refund", -SESSION_DEPOSIT),
    ]
    assert {s.status for s in sessions_of(held) if s.pk != second.pk} == {Visit.Status.CONFIRMED}
    # The webhook delivered again refunds nothing of the rest.
    body = gateway_event(online.SUCCEEDED, payment)
    online.handle_webhook(body=body, signature=signed(body), now=NOW)
    assert Entry.objects.filter(payment=payment, kind="refund").count() == 1


def test_staff_book_a_course_without_a_payment_hold(online_course, staff):
    course = book_online(online_course, actor=staff)

    assert {s.status for s in sessions_of(course)} == {Visit.Status.CONFIRMED}
    assert not Payment.objects.exists()


def course_body(offering) -> dict:
    return {
        "offering": offering.id,
        "starts": [start.isoformat() for start in starts()],
        "client": MIRA,
    }


def test_the_api_answers_awaiting_payment_with_the_courses_one_payment(
    api, client, online_course, frozen
):
    response = api.post("/api/v1/courses/", course_body(online_course), format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "awaiting_payment"
    assert body["expires_at"] == "2027-03-01T08:15:00+01:00"
    assert (body["payment"]["amount"], body["payment"]["status"]) == ("28.00", "pending")
    assert {s["status"] for s in body["sessions"]} == {"awaiting_payment"}
    assert {s["payment"]["id"] for s in body["sessions"]} == {body["payment"]["id"]}

    payment = Payment.objects.get(pk=body["payment"]["id"])
    online.pay_with_card(payment=payment, entry_reference=card_entered(payment))
    post_event(client, gateway_event(online.SUCCEEDED, payment))
    paid = api.get(
        f"/api/v1/courses/{body['id']}/", headers={"X-Manage-Token": body["manage_token"]}
    ).json()
    assert (paid["status"], paid["expires_at"]) == ("confirmed", None)
    assert {s["status"] for s in paid["sessions"]} == {"confirmed"}


def test_a_replayed_course_booking_returns_the_same_payment(api, online_course, frozen):
    headers = {"Idempotency-Key": "course-pay-once"}
    body = course_body(online_course)
    first = api.post("/api/v1/courses/", body, format="json", headers=headers)
    again = api.post("/api/v1/courses/", body, format="json", headers=headers)

    assert first.status_code == again.status_code == 201
    assert again.json()["payment"]["id"] == first.json()["payment"]["id"]
    assert Payment.objects.count() == 1


def test_the_website_sends_a_course_held_for_payment_to_its_pay_page(client, online_course, frozen):
    url = reverse("booking:course", kwargs={"offering_slug": online_course.slug})

    response = client.post(url, course_form(starts()[0], starts()))

    assert response.status_code == 303
    [payment] = Payment.objects.all()
    assert response["Location"] == reverse("payments:pay", kwargs={"payment_id": payment.pk})
    assert payment.amount == COURSE_DEPOSIT
    assert {s.status for s in Visit.objects.all()} == {Visit.Status.HELD}


def test_trying_again_on_any_session_answers_the_courses_one_payment(api, online_course, frozen):
    body = api.post("/api/v1/courses/", course_body(online_course), format="json").json()
    second = body["sessions"][1]

    response = api.post(
        f"/api/v1/visits/{second['id']}/payment/",
        headers={"X-Manage-Token": body["manage_token"]},
    )

    assert response.status_code == 200, response.content
    assert response.json()["payment"]["id"] == body["payment"]["id"]
    assert Payment.objects.count() == 1


# Paid with a package instead ----------------------------------------------------


def _package(offering, client, sessions: int):
    package = Package.objects.create(
        name="Foot course", offering=offering, sessions=sessions, price=Decimal("120.00")
    )
    return packages.sell_package_at_desk(
        package=package, client=client, method="cash", actor=Actor(label="desk", is_staff=True)
    )


def test_a_package_pays_every_session_of_a_course_through_the_api(api, online_course, mira, frozen):
    owned = _package(online_course, mira, sessions=10)
    body = {**course_body(online_course), "package_token": packages.package_token(owned)}

    response = api.post("/api/v1/courses/", body, format="json")

    assert response.status_code == 201, response.content
    answer = response.json()
    assert (answer["status"], answer["payment"]) == ("confirmed", None)
    assert {s["status"] for s in answer["sessions"]} == {"confirmed"}
    assert not Payment.objects.exists()
    assert sessions_left(owned) == 6
    assert (
        Entry.objects.filter(client_package=owned, kind="package_redemption")
        .values("visit_id")
        .distinct()
        .count()
        == 4
    )


def test_a_package_with_too_few_sessions_books_nothing(api, online_course, mira, frozen):
    owned = _package(online_course, mira, sessions=3)
    body = {**course_body(online_course), "package_token": packages.package_token(owned)}

    response = api.post("/api/v1/courses/", body, format="json")

    assert_error(response, 409, "package_too_few_sessions")
    assert not Visit.objects.exists()
    assert sessions_left(owned) == 3


def test_another_clients_package_books_nothing(api, online_course, mira, frozen):
    owned = _package(online_course, mira, sessions=10)
    body = {
        **course_body(online_course),
        "client": {**MIRA, "email": "someone@example.com"},
        "package_token": packages.package_token(owned),
    }

    response = api.post("/api/v1/courses/", body, format="json")

    assert_error(response, 422, "package_other_client")
    assert not Visit.objects.exists()


def test_a_token_that_is_no_packages_is_a_400_naming_it(api, online_course, frozen):
    body = {**course_body(online_course), "package_token": "made-up"}

    response = api.post("/api/v1/courses/", body, format="json")

    assert_error(response, 400, "invalid", "package_token")
    assert not Visit.objects.exists()


def test_the_website_pays_a_course_with_the_package_this_browser_opened(
    client, online_course, mira, frozen
):
    owned = _package(online_course, mira, sessions=4)
    client.get(package_link(owned).removeprefix(settings.STUDIO_BASE_URL))
    url = reverse("booking:course", kwargs={"offering_slug": online_course.slug})

    response = client.post(url, course_form(starts()[0], starts()))

    assert response.status_code == 303
    assert response["Location"].endswith("/confirmed/")
    assert not Payment.objects.exists()
    assert {s.status for s in Visit.objects.all()} == {Visit.Status.CONFIRMED}
    assert sessions_left(owned) == 0


def test_the_package_page_offers_a_whole_course_only_while_it_can_pay_for_one(
    client, online_course, mira, frozen
):
    enough = _package(online_course, mira, sessions=4)
    too_few = _package(online_course, mira, sessions=3)
    picker = reverse("booking:slots", kwargs={"offering_slug": online_course.slug})

    pages = [
        client.get(package_link(owned).removeprefix(settings.STUDIO_BASE_URL), follow=True)
        for owned in (enough, too_few)
    ]

    assert f'href="{picker}?course=1"' in pages[0].content.decode()
    assert "Book a course of 4 sessions at once" in pages[0].content.decode()
    assert f'href="{picker}?course=1"' not in pages[1].content.decode()


def test_a_sessions_fee_is_not_taken_for_the_courses_payment(held, payment):
    pay(payment)
    second = sessions_of(held)[1]
    Payment.objects.create(
        purpose=Payment.Purpose.FEE,
        status=Payment.Status.SUCCEEDED,
        client_id=second.client_id,
        visit=second,
        amount=Decimal("35.00"),
        currency="EUR",
        backend="stripe",
        created_at=NOW + timedelta(days=8),
    )

    assert online.latest_payment(sessions_of(held)[3]) == payment
