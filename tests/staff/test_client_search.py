"""The desk's client search: by name, phone or e-mail, within the login's scope."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from booking import selectors
from booking.models import Client
from tests.plans import analyze, indexes_read, reads, sequential_scans
from tests.staff.clients_setup import (
    a_client,
    booked,
    reception_login,
    therapist_with_login,
    user_of,
)

pytestmark = pytest.mark.django_db


def found(client, query: str) -> list[str]:
    response = client.get(reverse("staff:clients"), {"q": query})
    assert response.status_code == 200
    return [found.name for found in response.context["clients"]]


@pytest.fixture
def desk(client):
    client.force_login(reception_login())
    return client


def test_a_name_is_found_by_any_part_in_any_letter_case(desk):
    a_client("Maria Schneider", "maria@example.com")
    a_client("Otto Brandt", "otto@example.com", "+49301111111")

    assert found(desk, "SCHNEI") == ["Maria Schneider"]


def test_a_phone_is_found_by_its_digits_however_they_are_written(desk):
    a_client("Maria Schneider", "maria@example.com", "+49301234567")
    a_client("Otto Brandt", "otto@example.com", "+49309999999")

    assert found(desk, "030 123 45") == ["Maria Schneider"]
    assert found(desk, "+49 30 1234567") == ["Maria Schneider"]
    assert found(desk, "4567") == ["Maria Schneider"]


def test_an_email_is_found_in_any_letter_case(desk):
    a_client("Maria Schneider", "Maria.S@Example.com")
    a_client("Otto Brandt", "otto@example.com", "+49309999999")

    assert found(desk, "maria.s@EXAMPLE") == ["Maria Schneider"]


def test_a_word_finds_names_and_emails_alike(desk):
    a_client("Maria Schneider", "ms@example.com")
    a_client("Otto Brandt", "maria-fan@example.com", "+49309999999")

    assert found(desk, "maria") == ["Maria Schneider", "Otto Brandt"]


def test_a_client_without_an_email_is_found_by_phone(desk):
    a_client("Walk In", "", "+49305555555")

    assert found(desk, "5555555") == ["Walk In"]


def test_a_search_answers_at_most_its_limit(desk):
    Client.objects.bulk_create(
        Client(name=f"Same Name {n:02d}", email=f"same{n}@example.com", phone="+49301234567")
        for n in range(selectors.CLIENT_SEARCH_LIMIT + 5)
    )

    response = desk.get(reverse("staff:clients"), {"q": "same name"})

    assert len(response.context["clients"]) == selectors.CLIENT_SEARCH_LIMIT
    assert "type more to narrow the search" in response.content.decode()


def test_a_query_too_short_is_a_400_that_says_why(desk):
    response = desk.get(reverse("staff:clients"), {"q": "a"})

    assert response.status_code == 400
    assert "at least 2 characters" in response.content.decode()


def test_the_page_without_a_query_only_asks_for_one(desk):
    response = desk.get(reverse("staff:clients"))

    assert response.status_code == 200
    assert response.context["clients"] == []


def test_a_therapist_finds_only_their_own_clients(client):
    anna = therapist_with_login("anna")
    ben = therapist_with_login("ben")
    booked(a_client("Maria One", "one@example.com"), anna)
    booked(a_client("Maria Two", "two@example.com"), ben)
    client.force_login(user_of(anna))

    assert found(client, "maria") == ["Maria One"]


def test_a_login_without_a_role_cannot_search(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("stranger", is_staff=True))

    assert client.get(reverse("staff:clients"), {"q": "maria"}).status_code == 403


def test_a_stranger_is_sent_to_log_in(client):
    response = client.get(reverse("staff:clients"), {"q": "maria"})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("staff:login"))


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("query", "index"),
    [
        ("schneider", "booking_client_name_trgm"),
        ("schneider@example", "booking_client_email_trgm"),
        ("030 1234", "booking_client_phone_trgm"),
    ],
)
def test_a_search_of_many_clients_reads_their_trigram_index(query, index):
    Client.objects.bulk_create(
        Client(name=f"Client {n}", email=f"client{n}@example.com", phone=f"+4930{n:07d}")
        for n in range(5000)
    )
    a_client("Maria Schneider", "schneider@example.com", "+49301234999")
    with connection.cursor() as cursor:
        # What autovacuum does after a bulk write: move the new rows from
        # each GIN index's pending list into the index proper.
        for trigrams in ("name", "email", "phone"):
            cursor.execute(f"SELECT gin_clean_pending_list('booking_client_{trigrams}_trgm')")
    analyze("booking_client")
    with CaptureQueriesContext(connection) as captured:
        found = selectors.search_clients(Client.objects.all(), query=query)

    assert [client.name for client in found] == ["Maria Schneider"]
    (sql,) = reads(captured)

    assert index in indexes_read(sql)
    assert sequential_scans(sql, ["booking_client"]) == []
