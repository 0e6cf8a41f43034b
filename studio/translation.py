"""The studio's identity in each language of LANGUAGES (django-modeltranslation).

As for the catalog (catalog/translation.py): `name_en` and `name_ru` are
columns of the one row, and `name` reads the active language's, or the
English one where it is empty.
"""

from modeltranslation.translator import TranslationOptions, register

from studio.models import StudioProfile


@register(StudioProfile)
class StudioProfileTranslation(TranslationOptions):
    fields = ("name", "address", "hours_note")
