"""The package names in each language of LANGUAGES (django-modeltranslation)."""

from modeltranslation.translator import TranslationOptions, register

from payments.models import Package


@register(Package)
class PackageTranslation(TranslationOptions):
    fields = ("name",)
