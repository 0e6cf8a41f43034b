"""The therapists' texts in each language of LANGUAGES (django-modeltranslation).

As for the catalog (catalog/translation.py): `bio_en` and `bio_ru` are
columns of the therapist's row, and `bio` reads the active language's,
or the English one where it is empty.
"""

from modeltranslation.translator import TranslationOptions, register

from booking.models import Therapist


@register(Therapist)
class TherapistTranslation(TranslationOptions):
    fields = ("bio",)
