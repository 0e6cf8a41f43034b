import pytest
import yaml
from django.core.management import call_command
from rest_framework.test import APIClient


def test_the_openapi_schema_validates_without_warnings(tmp_path):
    target = tmp_path / "schema.yml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))

    schema = yaml.safe_load(target.read_text())
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/offerings/" in schema["paths"]


@pytest.mark.django_db
def test_the_schema_is_served_and_documents_the_error_body_on_every_operation():
    response = APIClient().get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.status_code == 200
    schema = response.json()
    error = schema["components"]["schemas"]["ErrorDetail"]
    assert set(error["properties"]) == {"code", "message", "fields"}
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            content = operation["responses"]["400"]["content"]["application/json"]
            assert content["schema"] == {"$ref": "#/components/schemas/Error"}, (method, path)


@pytest.mark.django_db
def test_the_interactive_docs_are_served_without_a_cdn(client):
    response = client.get("/api/v1/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert "cdn." not in html
    assert "/static/drf_spectacular_sidecar/" in html


@pytest.fixture
def served_schema(db) -> dict:
    response = APIClient().get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    return response.json()


def test_every_request_body_is_advertised_as_json_only(served_schema):
    bodies = [
        (method, path, operation["requestBody"]["content"])
        for path, operations in served_schema["paths"].items()
        for method, operation in operations.items()
        if "requestBody" in operation
    ]

    assert bodies
    for method, path, content in bodies:
        assert list(content) == ["application/json"], (method, path)


def test_every_paginated_list_documents_the_404_of_a_page_that_does_not_exist(served_schema):
    lists = [
        (path, operations["get"])
        for path, operations in served_schema["paths"].items()
        if "get" in operations and "{" not in path and "page" in str(operations["get"])
    ]

    assert len(lists) == 6
    for path, operation in lists:
        assert "page_size" in {parameter["name"] for parameter in operation["parameters"]}, path
        assert "Invalid page" in operation["responses"]["404"]["description"], path


def test_a_body_that_is_not_json_is_documented_as_a_415(served_schema):
    for path, operations in served_schema["paths"].items():
        if "post" in operations:
            assert "415" in operations["post"]["responses"], path
