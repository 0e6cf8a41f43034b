from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin, TranslationTabularInline

from catalog.models import BodyArea, Contraindication, MassageType, Offering, ResourceKind
from studio.formatting import format_course

# The translated fields (catalog/translation.py) show once per language,
# "Name [en]" and "Name [ru]", side by side: modeltranslation's tabbed
# admin would load jQuery UI from a CDN, which a studio's network may not
# reach. Searches look in both languages, whichever the admin is read in.


@admin.register(ResourceKind)
class ResourceKindAdmin(TranslationAdmin[ResourceKind]):
    list_display = ["name", "slug"]
    search_fields = ["name_en", "name_ru", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(BodyArea)
class BodyAreaAdmin(TranslationAdmin[BodyArea]):
    list_display = ["name", "slug", "position"]
    list_editable = ["position"]
    search_fields = ["name_en", "name_ru", "slug"]
    prepopulated_fields = {"slug": ["name"]}


class OfferingInline(TranslationTabularInline[Offering, MassageType]):
    model = Offering
    extra = 0
    fields = [
        *["name", "slug", "areas", "duration_minutes", "price", "currency"],
        *["max_people", "course_sessions", "is_active"],
    ]
    prepopulated_fields = {"slug": ["name"]}
    show_change_link = True


class ContraindicationInline(TranslationTabularInline[Contraindication, MassageType]):
    model = Contraindication
    extra = 0
    fields = ["question", "severity", "explanation"]


@admin.register(MassageType)
class MassageTypeAdmin(TranslationAdmin[MassageType]):
    list_display = ["name", "slug", "position", "offering_count", "is_active"]
    list_editable = ["position", "is_active"]
    list_filter = ["is_active", "equipment"]
    search_fields = ["name_en", "name_ru", "slug", "summary_en", "summary_ru"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["equipment"]
    inlines = [ContraindicationInline, OfferingInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[MassageType]:
        return super().get_queryset(request).annotate(offering_count=Count("offerings"))

    @admin.display(description=_("Offerings"), ordering="offering_count")
    def offering_count(self, massage_type: MassageType) -> int:
        count: int = massage_type.offering_count  # type: ignore[attr-defined] # annotated above
        return count


@admin.register(Offering)
class OfferingAdmin(TranslationAdmin[Offering]):
    list_display = [
        "name",
        "massage_type",
        "area_names",
        "duration_minutes",
        "buffer_minutes",
        "price",
        "currency",
        "max_people",
        "course",
        "is_active",
    ]
    list_filter = ["massage_type", "areas", "resource_kinds", "max_people", "is_active"]
    list_select_related = ["massage_type"]
    search_fields = ["name_en", "name_ru", "slug", "massage_type__name_en", "massage_type__name_ru"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["areas", "resource_kinds"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Offering]:
        return super().get_queryset(request).prefetch_related("areas")

    @admin.display(description=_("Course"), ordering="course_sessions")
    def course(self, offering: Offering) -> str:
        if offering.course_sessions is None:
            return "-"
        return format_course(offering.course_sessions, offering.course_interval_days)

    @admin.display(description=_("Areas"))
    def area_names(self, offering: Offering) -> str:
        return ", ".join(area.name for area in offering.areas.all())
