from rest_framework import serializers

from catalog.models import BodyArea, MassageType, Offering, ResourceKind


class MassageTypeSerializer(serializers.ModelSerializer[MassageType]):
    benefits = serializers.ListField(
        child=serializers.CharField(), source="benefit_list", read_only=True
    )
    equipment: serializers.SlugRelatedField[ResourceKind] = serializers.SlugRelatedField(
        slug_field="slug", many=True, read_only=True
    )
    url = serializers.SerializerMethodField(help_text="The massage type's page on the website.")

    class Meta:
        model = MassageType
        fields = ["id", "slug", "name", "summary", "description", "benefits", "equipment", "url"]

    def get_url(self, massage_type: MassageType) -> str:
        request = self.context.get("request")
        path = massage_type.get_absolute_url()
        return request.build_absolute_uri(path) if request else path


class OfferingSerializer(serializers.ModelSerializer[Offering]):
    massage_type: serializers.SlugRelatedField[MassageType] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    areas: serializers.SlugRelatedField[BodyArea] = serializers.SlugRelatedField(
        slug_field="slug", many=True, read_only=True
    )
    resource_kinds: serializers.SlugRelatedField[ResourceKind] = serializers.SlugRelatedField(
        slug_field="slug",
        many=True,
        read_only=True,
        help_text="Each booking takes one free resource of every kind listed.",
    )

    class Meta:
        model = Offering
        fields = [
            "id",
            "slug",
            "name",
            "massage_type",
            "areas",
            "duration_minutes",
            "buffer_minutes",
            "price",
            "currency",
            "resource_kinds",
            "max_people",
            "course_sessions",
            "course_interval_days",
        ]
