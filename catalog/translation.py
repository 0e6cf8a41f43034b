"""The catalog's content in each language of LANGUAGES (django-modeltranslation).

Each field listed gets a column per language in the same table
(`name_en`, `name_ru`); reading `name` gives the active language's text,
or the English one where it is empty. Queries, joins and prefetches stay
as they were: no translation table, no extra query.
"""

from modeltranslation.translator import TranslationOptions, register

from catalog.models import BodyArea, Contraindication, MassageType, Offering, ResourceKind


@register(ResourceKind)
class ResourceKindTranslation(TranslationOptions):
    fields = ("name", "description")


@register(BodyArea)
class BodyAreaTranslation(TranslationOptions):
    fields = ("name", "description")


@register(MassageType)
class MassageTypeTranslation(TranslationOptions):
    fields = ("name", "summary", "description", "benefits")


@register(Offering)
class OfferingTranslation(TranslationOptions):
    fields = ("name",)


@register(Contraindication)
class ContraindicationTranslation(TranslationOptions):
    fields = ("explanation",)
