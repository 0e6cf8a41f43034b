"""What a payment policy asks for: the offering's own, else the studio-wide one."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from catalog.models import Offering
from payments.models import PaymentPolicy
from payments.policies import Policy, policies_for, policy_for, share

pytestmark = pytest.mark.django_db


def test_with_no_policy_nothing_is_paid_online_and_no_fee_charged():
    offering = Offering.objects.get(slug="classical-foot-30")

    policy = policy_for(offering.id)

    assert policy.online_amount(offering.price) == Decimal(0)
    assert policy.no_show_fee(offering.price) == Decimal("0.00")


def test_an_offerings_own_policy_wins_over_the_studio_wide_one():
    own, other = Offering.objects.order_by("id")[:2]
    PaymentPolicy.objects.create(online="deposit", deposit_percent=20)
    PaymentPolicy.objects.create(offering=own, online="full")

    found = policies_for([own.id, other.id])

    assert found[own.id].online == "full"
    assert found[other.id].online == "deposit"


def test_a_deposit_is_a_share_or_an_amount_never_more_than_the_price():
    assert Policy(online="deposit", deposit_percent=20).online_amount(Decimal("65.00")) == Decimal(
        "13.00"
    )
    assert Policy(online="deposit", deposit_amount=Decimal("20")).online_amount(
        Decimal("15.00")
    ) == Decimal("15.00")
    assert Policy(online="full").online_amount(Decimal("65.00")) == Decimal("65.00")


def test_shares_round_half_up_to_the_cent():
    assert share(Decimal("33.33"), 50) == Decimal("16.67")


def test_the_policies_are_read_in_one_query(django_assert_num_queries):
    offerings = list(Offering.objects.order_by("id")[:3])
    with django_assert_num_queries(1):
        policies_for([offering.id for offering in offerings])


def test_the_studio_has_one_studio_wide_policy():
    PaymentPolicy.objects.create()
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentPolicy.objects.create(online="full")


def test_a_deposit_policy_needs_an_amount_or_a_share():
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentPolicy.objects.create(online="deposit")
