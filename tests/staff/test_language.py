"""The language switch of the staff pages: the same page, in the language chosen."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

CALENDAR = "/staff/calendar/"


def test_the_switch_on_a_staff_page_posts_back_to_that_page(client, reception):
    client.force_login(reception)

    page = client.get(CALENDAR, {"date": "2031-03-04"}).content.decode()

    assert f'action="{reverse("set_language")}"' in page
    assert 'name="next" value="/staff/calendar/?date=2031-03-04"' in page
    assert 'href="/ru/catalog/"' not in page


def test_switching_on_the_calendar_lands_on_the_calendar_in_russian(client, reception):
    client.force_login(reception)

    response = client.post(
        reverse("set_language"), {"language": "ru", "next": CALENDAR}, follow=True
    )

    assert response.redirect_chain == [(CALENDAR, 302)]
    page = response.content.decode()
    assert '<html lang="ru">' in page
    assert "Календарь" in page


def test_the_staff_page_keeps_the_language_chosen(client, reception):
    client.force_login(reception)
    client.post(reverse("set_language"), {"language": "ru", "next": CALENDAR})

    page = client.get("/staff/clients/").content.decode()

    assert '<html lang="ru">' in page
