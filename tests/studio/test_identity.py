import pytest
from django.test import Client
from django.utils import translation

from studio.identity import studio_identity


@pytest.fixture
def studio_in_two_languages(settings):
    settings.STUDIO_NAME = "Leg Studio"
    settings.STUDIO_NAME_RU = "Студия «Лёгкие ноги»"
    settings.STUDIO_ADDRESS = "Hauptstraße 1, Berlin"
    settings.STUDIO_ADDRESS_RU = "Берлин, Хауптштрассе, 1"
    settings.STUDIO_HOURS_NOTE = "Mon–Sat 9:00–19:00"
    settings.STUDIO_HOURS_NOTE_RU = "Пн–Сб 9:00–19:00"
    settings.STUDIO_PHONE = "+49301234567"


def test_the_studio_introduces_itself_in_russian_to_a_russian_reader(studio_in_two_languages):
    assert studio_identity("ru") == {
        "studio_name": "Студия «Лёгкие ноги»",
        "studio_address": "Берлин, Хауптштрассе, 1",
        "studio_hours_note": "Пн–Сб 9:00–19:00",
        "studio_phone": "+49301234567",
        "studio_phone_uri": "tel:+49301234567",
        "studio_email": "",
        "studio_map_url": "",
    }


def test_the_studio_introduces_itself_in_english_to_everyone_else(studio_in_two_languages):
    for language in ("en", "de", None):
        assert studio_identity(language)["studio_name"] == "Leg Studio"
        assert studio_identity(language)["studio_hours_note"] == "Mon–Sat 9:00–19:00"


def test_a_regional_russian_reads_the_russian_identity(studio_in_two_languages):
    assert studio_identity("ru-RU")["studio_address"] == "Берлин, Хауптштрассе, 1"


def test_a_part_not_set_in_russian_shows_the_english_one(studio_in_two_languages, settings):
    settings.STUDIO_ADDRESS_RU = ""

    identity = studio_identity("ru")

    assert identity["studio_address"] == "Hauptstraße 1, Berlin"
    assert identity["studio_name"] == "Студия «Лёгкие ноги»"


@pytest.mark.django_db
def test_pages_show_the_studios_name_in_the_pages_language(studio_in_two_languages):
    with translation.override("ru"):
        html = Client().get("/ru/catalog/").content.decode()

    assert "Студия «Лёгкие ноги»" in html
    assert "Берлин, Хауптштрассе, 1" in html
