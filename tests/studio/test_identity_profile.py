"""The studio's identity saved in the admin: it replaces the settings, everywhere, at once."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import formats, translation

from studio import identity
from studio.identity import save_profile, studio_identity
from studio.models import StudioProfile

pytestmark = pytest.mark.django_db


def lindenhof(**changes: str) -> StudioProfile:
    return save_profile(
        StudioProfile(
            **{
                "name_en": "Lindenhof",
                "name_ru": "Линденхоф",
                "address_en": "Lindenstraße 12, Berlin",
                "address_ru": "",
                "hours_note_en": "Mon–Sat 9–19",
                "phone": "+49 30 7654321",
                **changes,
            }
        )
    )


def test_the_settings_are_the_identity_until_a_profile_is_saved(settings):
    settings.STUDIO_NAME = "From settings"

    assert studio_identity("en")["studio_name"] == "From settings"


def test_a_saved_profile_replaces_the_settings_in_each_language(settings):
    settings.STUDIO_NAME = "From settings"
    lindenhof()

    assert studio_identity("en")["studio_name"] == "Lindenhof"
    assert studio_identity("ru")["studio_name"] == "Линденхоф"
    # Empty in Russian: the English address.
    assert studio_identity("ru")["studio_address"] == "Lindenstraße 12, Berlin"
    assert studio_identity("en")["studio_phone_uri"] == "tel:+49307654321"


def test_saving_again_shows_the_new_name_to_the_next_reader():
    lindenhof()
    assert studio_identity("en")["studio_name"] == "Lindenhof"

    lindenhof(name_en="Lindenhof Spa")

    assert studio_identity("en")["studio_name"] == "Lindenhof Spa"
    assert StudioProfile.objects.count() == 1


def test_reading_the_identity_takes_one_query_when_cold_and_none_when_cached(
    django_assert_num_queries,
):
    lindenhof()
    cache.delete(identity.CACHE_KEY)

    # SELECT the profile's one row.
    with django_assert_num_queries(1):
        studio_identity("en")
    with django_assert_num_queries(0):
        studio_identity("ru")


def test_the_footer_shows_the_saved_name_address_and_phone():
    lindenhof(map_url="https://maps.example/lindenhof")

    html = Client().get("/en/catalog/").content.decode()

    assert "Lindenhof" in html
    assert (
        '<a href="https://maps.example/lindenhof" rel="noopener">Lindenstraße 12, Berlin</a>'
        in html
    )
    assert '<a href="tel:+49307654321">+49 30 7654321</a>' in html
    assert "Mon–Sat 9–19" in html


def test_the_admin_is_headed_with_the_studios_name(admin_client):
    lindenhof()

    html = admin_client.get("/admin/").content.decode()

    assert '<a href="/admin/">Lindenhof</a>' in html
    assert "<title>Studio administration | Lindenhof admin</title>" in html


def test_the_profile_list_opens_a_form_filled_from_the_settings(admin_client, settings):
    settings.STUDIO_NAME = "From settings"

    response = admin_client.get("/admin/studio/studioprofile/")
    assert response.status_code == 302
    assert response["Location"] == "/admin/studio/studioprofile/add/"

    form = admin_client.get(response["Location"]).content.decode()
    assert 'value="From settings"' in form


def test_saving_the_admin_form_makes_the_one_profile_the_pages_show(admin_client):
    response = admin_client.post(
        "/admin/studio/studioprofile/add/",
        {
            "name_en": "Lindenhof",
            "name_ru": "Линденхоф",
            "address_en": "Lindenstraße 12, Berlin",
            "address_ru": "",
            "phone": "+49 30 7654321",
            "email": "desk@lindenhof.example",
            "hours_note_en": "",
            "hours_note_ru": "",
            "map_url": "",
        },
    )

    assert response.status_code == 302
    assert StudioProfile.objects.get().pk == StudioProfile.SINGLETON_ID
    assert "Линденхоф" in Client().get("/ru/catalog/").content.decode()
    assert admin_client.get("/admin/studio/studioprofile/").status_code == 302


def test_the_profile_cannot_be_deleted_in_the_admin(admin_client):
    lindenhof()

    response = admin_client.get("/admin/studio/studioprofile/1/delete/")

    assert response.status_code == 403


@pytest.mark.parametrize(
    ("language", "written"),
    [("en", "Tue 2 Mar 2027, 10:00"), ("ru", "Вт 2 Мар 2027, 10:00")],
)
def test_a_moment_is_written_one_way_per_language(language, written, settings):
    moment = datetime(2027, 3, 2, 9, 0, tzinfo=UTC)
    with translation.override(language):
        assert formats.localize(moment.astimezone(ZoneInfo(settings.STUDIO_TIME_ZONE))) == written
