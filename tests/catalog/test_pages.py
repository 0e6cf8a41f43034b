import pytest
from django.test import Client
from django.utils.html import escape

from catalog.models import MassageType

pytestmark = pytest.mark.django_db


def test_the_home_page_leads_to_the_catalog(client: Client):
    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"] == "/en/catalog/"


def test_the_catalog_lists_every_massage_type_with_its_prices(client: Client):
    response = client.get("/en/catalog/")

    assert response.status_code == 200
    html = response.content.decode()
    for massage_type in MassageType.objects.all():
        assert massage_type.name in html
        assert escape(massage_type.summary) in html
    assert "Vacuum: hip and shin" in html
    assert "€70" in html
    assert "1 h" in html


def test_the_catalog_page_has_landmarks_and_one_main_heading(client: Client):
    html = client.get("/en/catalog/").content.decode()

    assert '<html lang="en">' in html
    assert html.count("<h1") == 1
    assert '<main id="content"' in html
    assert '<nav aria-label="Main">' in html
    assert 'name="viewport"' in html
    assert "<script" not in html


def test_the_catalog_page_takes_a_fixed_number_of_queries(
    client: Client, django_assert_num_queries
):
    # 1. types, 2. their equipment, 3. their offerings, 4. the offerings'
    # areas, 5. the offerings' resource kinds.
    with django_assert_num_queries(5):
        client.get("/en/catalog/")


def test_a_massage_type_page_shows_what_it_is_for_and_what_it_needs(client: Client):
    response = client.get("/en/catalog/vacuum/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Vacuum massage · Studio</title>" in html
    assert "Makes the skin more elastic" in html
    assert "Vacuum device" in html
    assert "Vacuum: hip" in html
    assert "not a medical promise" in html


def test_an_unknown_massage_type_page_is_a_404(client: Client):
    assert client.get("/en/catalog/hot-stones/").status_code == 404


def test_an_inactive_massage_type_page_is_a_404(client: Client):
    MassageType.objects.filter(slug="thai").update(is_active=False)

    assert client.get("/en/catalog/thai/").status_code == 404


def test_each_offering_leads_to_its_free_times(client: Client):
    catalog = client.get("/en/catalog/").content.decode()
    massage_type = client.get("/en/catalog/classical/").content.decode()

    assert (
        '<a class="offering-name" href="/en/booking/classical-foot-30/">Classical: foot</a>'
        in catalog
    )
    assert 'aria-label="Choose a time for Classical: foot">Choose a time</a>' in massage_type


def test_a_massage_type_page_says_which_health_answers_rule_it_out(client: Client):
    html = client.get("/en/catalog/vacuum/").content.decode()

    assert "<h2>Before you book</h2>" in html
    assert "Not given with varicose veins or other vein problems." in html
    assert "Not given with pregnancy." in html
    assert "With an injury or surgery in the last three months, talk to us first." in html
    # Those that rule it out come first.
    assert html.index("Not given with") < html.index("talk to us first")


def test_a_massage_type_page_takes_a_fixed_number_of_queries(
    client: Client, django_assert_num_queries
):
    # 1. the type, 2. its equipment, 3. its offerings, 4. their areas,
    # 5. their resource kinds, 6. the type's health rules.
    with django_assert_num_queries(6):
        client.get("/en/catalog/vacuum/")


def test_an_unknown_address_gets_the_studios_own_404_page(client: Client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    html = response.content.decode()
    assert "<title>Page not found · Studio</title>" in html
    assert 'href="/en/catalog/"' in html
