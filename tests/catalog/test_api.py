import pytest
from rest_framework.test import APIClient

from catalog.models import MassageType, Offering

pytestmark = pytest.mark.django_db


@pytest.fixture
def api() -> APIClient:
    return APIClient()


def test_massage_types_are_listed_with_the_contract_fields(api):
    response = api.get("/api/v1/massage-types/")

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 5
    vacuum = next(item for item in body["results"] if item["slug"] == "vacuum")
    assert set(vacuum) == {
        "id",
        "slug",
        "name",
        "summary",
        "description",
        "benefits",
        "equipment",
        "url",
    }
    assert vacuum["equipment"] == ["vacuum-device"]
    assert vacuum["url"] == "http://testserver/en/catalog/vacuum/"
    assert isinstance(vacuum["benefits"], list)


def test_an_offering_has_its_type_areas_duration_price_people_and_course(api):
    offering = Offering.objects.get(slug="vacuum-hip-shin-60")

    response = api.get(f"/api/v1/offerings/{offering.id}/")

    assert response.status_code == 200
    assert response.json() == {
        "id": offering.id,
        "slug": "vacuum-hip-shin-60",
        "name": "Vacuum: hip and shin",
        "massage_type": "vacuum",
        "areas": ["hip", "shin"],
        "duration_minutes": 60,
        "buffer_minutes": 15,
        "price": "70.00",
        "currency": "EUR",
        "resource_kinds": ["room", "vacuum-device"],
        "max_people": 1,
        "course_sessions": None,
        "course_interval_days": 7,
    }


def test_offerings_filter_by_massage_type_slug(api):
    response = api.get("/api/v1/offerings/", {"massage_type": "thai"})

    assert response.status_code == 200
    results = response.json()["results"]
    assert {item["massage_type"] for item in results} == {"thai"}
    assert len(results) == Offering.objects.filter(massage_type__slug="thai").count()


def test_an_unknown_massage_type_filter_is_a_400_naming_the_field(api):
    response = api.get("/api/v1/offerings/", {"massage_type": "hot-stones"})

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert list(error["fields"]) == ["massage_type"]


def test_offerings_are_paginated_with_links_to_the_next_page(api):
    total = Offering.objects.filter(is_active=True).count()

    first = api.get("/api/v1/offerings/", {"page_size": 4}).json()
    second = api.get(first["next"]).json()

    assert first["count"] == total
    assert len(first["results"]) == 4
    assert first["previous"] is None
    assert second["previous"] is not None
    assert {o["id"] for o in first["results"]}.isdisjoint({o["id"] for o in second["results"]})


def test_a_page_past_the_end_is_a_404_in_the_error_shape(api):
    response = api.get("/api/v1/offerings/", {"page": 99})

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_inactive_offerings_and_types_are_not_listed(api):
    Offering.objects.filter(slug="classical-foot-30").update(is_active=False)
    MassageType.objects.filter(slug="thai").update(is_active=False)

    slugs = {o["slug"] for o in api.get("/api/v1/offerings/", {"page_size": 100}).json()["results"]}

    assert "classical-foot-30" not in slugs
    assert not any(slug.startswith("thai") for slug in slugs)


def test_an_unknown_offering_is_a_404_in_the_error_shape(api):
    response = api.get("/api/v1/offerings/999999/")

    assert response.status_code == 404
    assert response.json() == {
        "error": {"code": "not_found", "message": "Not found.", "fields": {}}
    }


def test_the_catalog_api_is_read_only(api):
    response = api.post("/api/v1/offerings/", {"name": "Free massage"}, format="json")

    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_listing_offerings_takes_a_fixed_number_of_queries(api, django_assert_num_queries):
    # 1. count, 2. the page of offerings joined to their massage type,
    # 3. their areas, 4. their resource kinds.
    with django_assert_num_queries(4):
        api.get("/api/v1/offerings/", {"page_size": 100})


def test_listing_massage_types_takes_a_fixed_number_of_queries(api, django_assert_num_queries):
    # 1. count, 2. the page of types, 3. their equipment.
    with django_assert_num_queries(3):
        api.get("/api/v1/massage-types/")
