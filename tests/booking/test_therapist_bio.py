"""A therapist's bio in English and Russian: the demo, the API and the admin."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import translation
from rest_framework.test import APIClient

from booking.models import Therapist
from tests.factories import TherapistFactory

pytestmark = pytest.mark.django_db


def test_the_demo_therapists_have_a_bio_in_english_and_in_russian(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())

    bios = list(Therapist.objects.values("slug", "bio_en", "bio_ru"))

    assert len(bios) == 4
    for bio in bios:
        assert bio["bio_en"], bio["slug"]
        assert bio["bio_ru"], bio["slug"]
    anna = Therapist.objects.get(slug="anna-weber")
    with translation.override("ru"):
        assert anna.bio == "Физиотерапевт; реабилитация после спортивных травм."
    with translation.override("en"):
        assert anna.bio == "Physiotherapist; rehabilitation after sports injuries."


def test_the_therapists_api_gives_the_bio_in_the_language_asked_for():
    therapist = TherapistFactory.create(
        bio_en="Thai massage master.", bio_ru="Мастер тайского массажа."
    )

    url = f"/api/v1/therapists/{therapist.id}/"
    russian = APIClient().get(url, HTTP_ACCEPT_LANGUAGE="ru").json()
    english = APIClient().get(url, HTTP_ACCEPT_LANGUAGE="en").json()

    assert russian["bio"] == "Мастер тайского массажа."
    assert english["bio"] == "Thai massage master."


def test_a_bio_not_yet_written_in_russian_shows_the_english_one():
    therapist = TherapistFactory.create(bio_en="Thai massage master.", bio_ru="")

    url = f"/api/v1/therapists/{therapist.id}/"
    body = APIClient().get(url, HTTP_ACCEPT_LANGUAGE="ru").json()

    assert body["bio"] == "Thai massage master."


def test_the_admin_edits_the_bio_in_both_languages(admin_client: Client):
    therapist = TherapistFactory.create()

    html = admin_client.get(f"/admin/booking/therapist/{therapist.id}/change/").content.decode()

    assert 'name="bio_en"' in html
    assert 'name="bio_ru"' in html
