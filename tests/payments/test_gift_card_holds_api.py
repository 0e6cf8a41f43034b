"""`POST /api/v1/visits/{id}/payment/gift-card/`: a gift card pays a held visit through the API."""

from decimal import Decimal

import pytest

from booking.models import Visit
from payments.models import Entry, Payment
from payments.selectors import gift_card_balance
from tests.factories import sold_gift_card
from tests.payments.test_gift_card_holds import held  # noqa: F401 (a fixture, found by name)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


def url(visit: Visit) -> str:
    return f"/api/v1/visits/{visit.pk}/payment/gift-card/"


def test_a_guest_pays_part_and_reads_the_card_payment_of_the_rest(api, held):  # noqa: F811
    card, code = sold_gift_card("5.00")

    answer = api.post(
        url(held), {"code": code}, format="json", HTTP_X_MANAGE_TOKEN=held.manage_token
    )

    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["status"] == "awaiting_payment"
    assert body["payment"]["amount"] == "2.00"
    assert body["payment"]["status"] == "pending"
    assert gift_card_balance(card) == Decimal("0.00")


def test_integration_credentials_pay_it_all_and_the_visit_is_confirmed(integration, held):  # noqa: F811
    _card, code = sold_gift_card("50.00")

    answer = integration.post(url(held), {"code": code}, format="json")

    assert answer.status_code == 200, answer.content
    assert answer.json()["status"] == "confirmed"
    assert Visit.objects.get(pk=held.pk).status == Visit.Status.CONFIRMED
    assert not Payment.objects.filter(visit=held, status=Payment.Status.PENDING).exists()


def test_a_wrong_code_is_a_400_naming_code(api, held):  # noqa: F811
    answer = api.post(
        url(held),
        {"code": "AAAABBBBCCCCDDDD"},
        format="json",
        HTTP_X_MANAGE_TOKEN=held.manage_token,
    )

    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["code"] == "gift_card_unknown"
    assert "code" in error["fields"]
    assert not Entry.objects.filter(visit=held).exists()


def test_a_missing_code_is_a_400_naming_code(api, held):  # noqa: F811
    answer = api.post(url(held), {}, format="json", HTTP_X_MANAGE_TOKEN=held.manage_token)

    assert answer.status_code == 400
    assert "code" in answer.json()["error"]["fields"]


def test_too_many_wrong_codes_are_refused_with_a_429(api, held, settings):  # noqa: F811
    settings.GIFT_CARD_TRIES_PER_HOUR_PER_SESSION = 2
    for _ in range(2):
        wrong = api.post(
            url(held),
            {"code": "AAAABBBBCCCCDDDD"},
            format="json",
            HTTP_X_MANAGE_TOKEN=held.manage_token,
        )
        assert wrong.status_code == 400
    _card, code = sold_gift_card()

    refused = api.post(
        url(held), {"code": code}, format="json", HTTP_X_MANAGE_TOKEN=held.manage_token
    )

    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "rate_limited"
    assert "Retry-After" in refused
    assert not Entry.objects.filter(visit=held).exists()


def test_a_wrong_token_finds_nothing(api, held):  # noqa: F811
    _card, code = sold_gift_card()

    answer = api.post(url(held), {"code": code}, format="json", HTTP_X_MANAGE_TOKEN="nope")

    assert answer.status_code == 404
    assert not Entry.objects.filter(visit=held).exists()


def test_the_schema_documents_the_call(api):
    schema = api.get("/api/v1/schema/", {"format": "json"}).json()

    assert "post" in schema["paths"]["/api/v1/visits/{id}/payment/gift-card/"]
