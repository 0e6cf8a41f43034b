"""Choosing the language: the URL's prefix, Accept-Language, the switcher, the API's `?lang=`."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

UNKNOWN_OFFERING = "/api/v1/offerings/999999/"


# The website ----------------------------------------------------------------


@pytest.mark.parametrize(("accept", "catalog"), [("ru", "/ru/catalog/"), ("", "/en/catalog/")])
def test_the_home_page_leads_to_the_catalog_in_the_browsers_language(
    client: Client, accept, catalog
):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE=accept)

    assert response.status_code == 302
    assert response["Location"] == catalog
    # A cache must not give one browser's answer to another.
    assert "Accept-Language" in response["Vary"]


def test_an_address_without_a_language_is_redirected_to_it_with_its_query(client: Client):
    response = client.get(
        "/booking/classical-foot-30/", {"on": "2027-03-08"}, HTTP_ACCEPT_LANGUAGE="ru, en;q=0.5"
    )

    assert response.status_code == 302
    assert response["Location"] == "/ru/booking/classical-foot-30/?on=2027-03-08"


def test_the_language_in_the_address_wins_over_the_browsers(client: Client):
    response = client.get("/en/catalog/", HTTP_ACCEPT_LANGUAGE="ru")

    assert response.status_code == 200
    assert '<html lang="en">' in response.content.decode()
    assert response["Content-Language"] == "en"


def test_a_russian_page_says_so_and_links_to_its_english_twin(client: Client):
    response = client.get("/ru/catalog/vacuum/")

    assert response.status_code == 200
    assert response["Content-Language"] == "ru"
    html = response.content.decode()
    assert '<html lang="ru">' in html
    assert '<a href="/en/catalog/vacuum/" lang="en" hreflang="en">English</a>' in html
    assert '<span lang="ru" aria-current="true">Русский</span>' in html


def test_an_english_page_links_to_its_russian_twin_with_the_same_query(client: Client):
    html = client.get("/en/catalog/", {"x": "1"}).content.decode()

    assert '<a href="/ru/catalog/?x=1" lang="ru" hreflang="ru">Русский</a>' in html


def test_a_404_page_offers_the_other_languages_catalog_and_never_repeats_a_token(
    client: Client,
):
    secret = "kT3v_9ZqLr-2wXyA8bNcD4eF5gH6iJ7kL8mN9oP0qRs"

    response = client.get(
        "/ru/booking/manage/7d0f1c2e-2f3a-4a57-9f0e-0e8f7f6b2c11/", {"t": secret, "x": "1"}
    )

    assert response.status_code == 404
    html = response.content.decode()
    assert '<html lang="ru">' in html
    assert 'href="/en/booking/manage/7d0f1c2e-2f3a-4a57-9f0e-0e8f7f6b2c11/?x=1"' in html
    assert secret not in html
    nowhere = client.get("/ru/no-such-page/").content.decode()
    assert '<a href="/en/catalog/" lang="en" hreflang="en">English</a>' in nowhere


@pytest.mark.parametrize("address", ["/admin/login/", "/health/reminders/", "/api/v1/"])
def test_the_admin_the_api_and_the_health_check_keep_their_addresses(client: Client, address):
    response = client.get(address, HTTP_ACCEPT_LANGUAGE="ru")

    assert response.status_code != 302
    assert client.get(f"/ru{address}").status_code == 404


# The API --------------------------------------------------------------------


def test_the_api_answers_in_the_language_of_accept_language():
    response = APIClient().get(UNKNOWN_OFFERING, HTTP_ACCEPT_LANGUAGE="ru")

    assert response.status_code == 404
    assert response.json()["error"] == {
        "code": "not_found",
        "message": "Не найдено.",
        "fields": {},
    }
    assert response["Content-Language"] == "ru"


def test_the_apis_lang_parameter_wins_over_accept_language():
    russian = APIClient().get(UNKNOWN_OFFERING, {"lang": "ru"}, HTTP_ACCEPT_LANGUAGE="en")
    english = APIClient().get(UNKNOWN_OFFERING, {"lang": "en"}, HTTP_ACCEPT_LANGUAGE="ru")

    assert (russian.json()["error"]["code"], russian.json()["error"]["message"]) == (
        "not_found",
        "Не найдено.",
    )
    assert russian["Content-Language"] == "ru"
    assert english.json()["error"]["message"] == "Not found."
    assert english["Content-Language"] == "en"


@pytest.mark.parametrize("given", ["xx", "", "RU", "ru-RU\x00"])
def test_a_language_the_studio_does_not_speak_is_a_400_naming_lang(given):
    response = APIClient().get("/api/v1/massage-types/", {"lang": given})

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert error["fields"] == {"lang": ["Choose one of: en, ru."]}


def test_the_schema_documents_lang_and_accept_language_on_every_operation():
    schema = APIClient().get("/api/v1/schema/", {"format": "json"}).json()

    operations = [
        operation
        for path in schema["paths"].values()
        for method, operation in path.items()
        if method in {"get", "post", "put", "patch", "delete"}
    ]
    assert operations
    for operation in operations:
        parameters = {(p["in"], p["name"]): p for p in operation["parameters"]}
        assert parameters[("query", "lang")]["schema"]["enum"] == ["en", "ru"]
        assert ("header", "Accept-Language") in parameters
