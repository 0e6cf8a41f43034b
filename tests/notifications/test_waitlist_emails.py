"""The waitlist's e-mails: text and HTML in the studio's layout, in the client's language."""

import re
from html import unescape

import pytest
from django.core import mail

from booking.services import cancel_visit
from notifications.services import dispatch_due_messages
from tests.booking.conftest import NOW
from tests.notifications.waitlist_clients import NINA, join

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen(time_machine) -> None:
    time_machine.move_to(NOW, tick=False)


@pytest.fixture(autouse=True)
def studio(settings) -> None:
    settings.STUDIO_NAME = "Studio Lindenhof"
    settings.STUDIO_BASE_URL = "https://studio.example"


def html_of(email) -> str:
    [(html, kind)] = email.alternatives
    assert kind == "text/html"
    return html


def link_in_text(body: str, path: str) -> str:
    found = re.search(rf"https://studio\.example/\w+{re.escape(path)}\?t=\S+", body)
    assert found is not None, body
    return found[0]


def links_in_html(html: str) -> list[str]:
    return [unescape(href) for href in re.findall(r'href="([^"]+)"', html)]


def sent_to(address: str, words: str):
    [email] = [m for m in mail.outbox if m.to == [address] and words in m.subject]
    return email


@pytest.mark.parametrize(
    ("language", "subject", "words"),
    [
        ("en", "You are on the waitlist", ["Dear Nina First,", "2 March – 4 March 2027"]),
        (
            "ru",
            "Вы в листе ожидания",
            ["Здравствуйте, Nina First!", "Вы в листе ожидания на «", "2 марта – 4 марта 2027"],
        ),
    ],
)
def test_the_confirmation_of_a_place_in_line_has_an_html_part_with_the_link_to_leave(
    classical, language, subject, words
):
    join(NINA, classical, language=language)
    dispatch_due_messages()

    email = sent_to(NINA.email, subject)
    html = html_of(email)
    leave = link_in_text(email.body, "/waitlist/entry/")
    assert leave.startswith(f"https://studio.example/{language}/")
    assert leave in links_in_html(html)
    assert f'<html lang="{language}">' in html
    for shown in words:
        assert shown in html
    assert "Studio Lindenhof" in html
    assert "Studio Lindenhof" in email.body  # the text is signed as the reminders are


def test_an_offer_has_an_html_part_that_carries_the_take_it_link(booked, classical, staff):
    join(NINA, classical)
    cancel_visit(visit=booked.visit, actor=staff, now=NOW)
    dispatch_due_messages()

    email = sent_to(NINA.email, "A time has freed up")
    html = html_of(email)
    take = link_in_text(email.body, "/waitlist/offer/")
    assert take in links_in_html(html)
    assert "Take it" in html
    assert "Tuesday 2 March, 10:00" in html
    assert "We hold it for you for 30 minutes, until 08:30." in html
    assert "Studio Lindenhof" in html


def test_an_offer_in_russian_is_russian_in_both_parts(booked, classical, staff):
    join(NINA, classical, language="ru")
    cancel_visit(visit=booked.visit, actor=staff, now=NOW)
    dispatch_due_messages()

    email = sent_to(NINA.email, "Освободилось время")
    html = html_of(email)
    take = link_in_text(email.body, "/waitlist/offer/")
    assert take.startswith("https://studio.example/ru/")
    assert take in links_in_html(html)
    assert '<html lang="ru">' in html
    assert "Здравствуйте, Nina First!" in html
    assert "Освободилось время, которого вы ждали" in html
    assert "Вторник, 2 марта, 10:00" in html
    assert "Мы держим его для вас 30 минут, до 08:30." in html
    assert "Записаться" in html
    assert "Освободилось время, которого вы ждали" in email.body
