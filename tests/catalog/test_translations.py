"""The catalog in English and Russian: content, pages, API and admin."""

import importlib

import pytest
from django.apps import apps
from django.test import Client
from django.utils import translation
from modeltranslation.translator import translator
from rest_framework.test import APIClient

from catalog.models import BodyArea, Contraindication, MassageType, Offering, ResourceKind

pytestmark = pytest.mark.django_db

russian_content = importlib.import_module("catalog.migrations.0006_russian_content")

CATALOG_MODELS = [ResourceKind, BodyArea, MassageType, Offering, Contraindication]
CYRILLIC = set("абвгдеёжзийклмнопрстуфхцчшщъыьэюя")


def _is_russian(text: str) -> bool:
    return bool(set(text.lower()) & CYRILLIC)


@pytest.mark.parametrize("model", CATALOG_MODELS, ids=lambda model: model.__name__)
def test_every_catalog_row_has_every_translated_field_in_russian(model):
    fields = translator.get_options_for_model(model).get_field_names()
    columns = [f"{field}_{language}" for field in fields for language in ("en", "ru")]
    rows = list(model.objects.raw_values("id", *columns))
    assert rows

    missing = [
        (row["id"], field)
        for row in rows
        for field in fields
        if row[f"{field}_en"] and not _is_russian(row[f"{field}_ru"] or "")
    ]

    assert missing == []


@pytest.mark.parametrize("model", CATALOG_MODELS, ids=lambda model: model.__name__)
def test_the_english_text_of_every_catalog_row_is_kept_in_its_english_column(model):
    fields = translator.get_options_for_model(model).get_field_names()
    # The columns themselves, as the migrations left them: with the field
    # names rewritten for the active language, `values()` would not show
    # the original ones.
    columns = [column for field in fields for column in (field, f"{field}_en")]
    rows = list(model.objects.raw_values(*columns))
    assert rows

    for row in rows:
        for field in fields:
            assert row[f"{field}_en"] == row[field], field


def test_reading_a_field_gives_the_active_languages_text():
    classical = MassageType.objects.get(slug="classical")

    with translation.override("ru"):
        assert classical.name == "Классический массаж"
    with translation.override("en"):
        assert classical.name == "Classical massage"


def test_a_field_not_yet_written_in_russian_shows_the_english_text():
    MassageType.objects.filter(slug="thai").update(summary_ru="")

    with translation.override("ru"):
        thai = MassageType.objects.get(slug="thai")
        assert thai.summary.startswith("A relaxing foot and leg massage")
        assert thai.name == "Тайский массаж"


def test_loading_the_russian_content_again_keeps_what_staff_wrote():
    MassageType.objects.filter(slug="classical").update(name_ru="Классика для ног")

    russian_content.add_russian(apps, None)

    name_ru, summary_ru = (
        MassageType.objects.filter(slug="classical").values_list("name_ru", "summary_ru").get()
    )
    assert name_ru == "Классика для ног"
    assert summary_ru.startswith("Массаж на каждый день")


def test_the_catalog_page_in_russian_shows_the_russian_massages_and_offerings(client: Client):
    with translation.override("ru"):
        html = client.get("/ru/catalog/").content.decode()

    for name_en, name_ru in MassageType.objects.values_list("name_en", "name_ru"):
        assert name_ru in html
        assert name_en not in html
    assert "Вакуумный: бедро и голень" in html


def test_a_massage_type_page_in_russian_shows_its_russian_content(client: Client):
    with translation.override("ru"):
        html = client.get("/ru/catalog/vacuum/").content.decode()

    assert "Делает кожу более эластичной" in html
    assert "Вакуумный аппарат" in html
    assert "Вакуумный массаж воздействует прямо на сосуды" in html
    assert "Makes the skin more elastic" not in html


def test_the_catalog_page_in_russian_takes_as_many_queries_as_in_english(
    client: Client, django_assert_num_queries
):
    # The same five as in English (tests/catalog/test_pages.py): the
    # Russian texts are columns of the same rows.
    with translation.override("ru"), django_assert_num_queries(5):
        client.get("/ru/catalog/")


def test_the_api_in_russian_names_the_massage_types_in_russian():
    with translation.override("ru"):
        body = APIClient().get("/api/v1/massage-types/", HTTP_ACCEPT_LANGUAGE="ru").json()

    vacuum = next(item for item in body["results"] if item["slug"] == "vacuum")
    assert vacuum["name"] == "Вакуумный массаж"
    assert vacuum["benefits"][0] == "Делает кожу более эластичной"
    assert vacuum["equipment"] == ["vacuum-device"]


def test_the_api_in_russian_names_an_offering_in_russian_and_keeps_its_slugs():
    offering = Offering.objects.get(slug="vacuum-hip-shin-60")

    body = APIClient().get(f"/api/v1/offerings/{offering.id}/", HTTP_ACCEPT_LANGUAGE="ru").json()

    assert body["name"] == "Вакуумный: бедро и голень"
    assert body["slug"] == "vacuum-hip-shin-60"
    assert body["massage_type"] == "vacuum"
    assert body["areas"] == ["hip", "shin"]


def test_the_api_in_english_still_names_everything_in_english():
    body = APIClient().get("/api/v1/massage-types/", HTTP_ACCEPT_LANGUAGE="en").json()

    assert [item["name"] for item in body["results"]][:2] == [
        "Therapeutic massage",
        "Classical massage",
    ]


def test_listing_offerings_in_russian_takes_as_many_queries_as_in_english(
    django_assert_num_queries,
):
    # 1. count, 2. the offerings with their type, 3. areas, 4. resource kinds.
    with django_assert_num_queries(4):
        APIClient().get("/api/v1/offerings/", {"page_size": 100}, HTTP_ACCEPT_LANGUAGE="ru")


def test_the_admin_edits_a_massage_type_in_both_languages(admin_client: Client):
    vacuum = MassageType.objects.get(slug="vacuum")

    html = admin_client.get(f"/admin/catalog/massagetype/{vacuum.id}/change/").content.decode()

    for field in ("name", "summary", "description", "benefits"):
        assert f'name="{field}_en"' in html
        assert f'name="{field}_ru"' in html
    assert 'value="Вакуумный массаж"' in html
    # The contraindications and offerings inlines too.
    assert 'name="contraindications-0-explanation_ru"' in html
    assert 'name="offerings-0-name_ru"' in html


def test_staff_save_a_russian_name_in_the_admin(admin_client: Client):
    area = BodyArea.objects.get(slug="foot")

    response = admin_client.post(
        f"/admin/catalog/bodyarea/{area.id}/change/",
        {
            "slug": "foot",
            "name_en": "Foot",
            "name_ru": "Ступня",
            "description_en": "The sole, arch, heel and toes.",
            "description_ru": "Подошва, свод, пятка и пальцы.",
            "position": area.position,
        },
    )

    assert response.status_code == 302
    assert BodyArea.objects.filter(slug="foot").values_list("name_en", "name_ru").get() == (
        "Foot",
        "Ступня",
    )


@pytest.mark.parametrize("model", CATALOG_MODELS[:4], ids=lambda model: model.__name__)
def test_each_catalog_list_and_add_page_of_the_admin_opens(admin_client: Client, model):
    base = f"/admin/catalog/{model._meta.model_name}/"

    assert admin_client.get(base).status_code == 200
    assert admin_client.get(f"{base}add/").status_code == 200


def test_the_admin_finds_an_offering_by_its_russian_or_english_name(admin_client: Client):
    russian = admin_client.get("/admin/catalog/offering/", {"q": "бедро и голень"})
    english = admin_client.get("/admin/catalog/offering/", {"q": "hip and shin"})

    # The list shows the names in the admin's language, English here.
    assert "Vacuum: hip and shin" in russian.content.decode()
    assert "Anti-cellulite: hip and shin" in russian.content.decode()
    assert "Classical: foot" not in russian.content.decode()
    assert "Vacuum: hip and shin" in english.content.decode()
