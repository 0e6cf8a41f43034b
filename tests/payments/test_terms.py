"""The fee terms the client reads, and the e-mails of money, in the client's language."""

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from booking.models import Appointment
from payments.notifications import fee_email, refund_email
from payments.policies import terms_of
from tests.payments.money import studio_policy

pytestmark = pytest.mark.django_db


def test_without_fees_the_client_reads_no_terms(booked):
    rendered = Template("{% load payment_terms %}{% cancellation_terms appointments %}").render(
        Context({"appointments": [booked]})
    )

    assert rendered == ""


def test_the_terms_give_the_free_cancellation_until_and_the_fees(booked):
    studio_policy(late_cancel_fee_percent=50, no_show_fee_percent=100, fee_cutoff_hours=24)

    rendered = Template("{% load payment_terms %}{% cancellation_terms appointments %}").render(
        Context({"appointments": Appointment.objects.filter(pk=booked.pk)})
    )

    # Tuesday 10:00 in Berlin, less 24 hours.
    assert rendered == (
        '<p class="policy payment-terms">Cancel free of charge until Mon 1 March, 10:00;'
        " after that, a fee of €17.50. If you do not come, a fee of €35.</p>"
    )


def test_the_terms_read_in_russian(booked):
    studio_policy(late_cancel_fee_percent=50, no_show_fee_percent=0)

    with translation.override("ru"):
        terms = terms_of([booked])

    assert terms == ["Бесплатная отмена до Пн, 1 марта, 10:00; позже — штраф 17,50\xa0€."]


def test_the_fee_and_refund_emails_are_in_the_visits_language(booked):
    visit = booked.visit
    visit.language = "ru"

    fee = fee_email(visit=visit, amount=Decimal("35.00"), currency="EUR", is_no_show=True)
    given = refund_email(visit=visit, amount=Decimal("10.00"), currency="EUR", is_cash=False)

    assert fee.subject == "Штраф 35\xa0€ за массаж Вт, 2 марта, 10:00 · Studio"
    assert "за пропущенную запись" in fee.body
    assert given.subject.startswith("Возврат 10\xa0€ за массаж")
    assert fee.to == given.to == ["Mira Example <mira@example.com>"]
