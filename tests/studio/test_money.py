"""Prices, durations and lists are written as the reader's language writes them."""

from decimal import Decimal

import pytest
from django.utils import translation

from studio.formatting import format_list
from studio.templatetags.studio_tags import duration, money


@pytest.mark.parametrize(
    ("language", "amount", "currency", "written"),
    [
        ("en", "55.00", "EUR", "€55"),
        ("en", "55.50", "EUR", "€55.50"),
        ("en", "1234", "EUR", "€1,234"),
        ("ru", "3500", "RUB", "3\xa0500\xa0₽"),
        ("ru", "55.50", "EUR", "55,50\xa0€"),
        ("ru", "55", "EUR", "55\xa0€"),
    ],
)
def test_a_price_has_the_languages_separators_and_currency_sign(
    language, amount, currency, written
):
    with translation.override(language):
        assert money(Decimal(amount), currency) == written


def test_no_price_is_written_as_nothing():
    assert money(None, "EUR") == ""


def test_a_duration_keeps_its_english_abbreviations_in_english():
    with translation.override("en"):
        assert [duration(minutes) for minutes in (45, 60, 75)] == ["45 min", "1 h", "1 h 15 min"]


@pytest.mark.parametrize(
    ("language", "style", "written"),
    [
        ("en", "standard", "Classical: foot and Thai: foot"),
        ("ru", "standard", "Classical: foot и Thai: foot"),
        ("en", "or", "Classical: foot or Thai: foot"),
        ("ru", "or", "Classical: foot или Thai: foot"),
    ],
)
def test_a_list_is_joined_as_the_readers_language_joins_it(language, style, written):
    with translation.override(language):
        assert format_list(["Classical: foot", "Thai: foot"], style=style) == written


def test_a_list_names_each_item_once_in_its_order():
    with translation.override("en"):
        assert format_list(["Anna", "Ben", "Anna", "Cleo"]) == "Anna, Ben, and Cleo"
