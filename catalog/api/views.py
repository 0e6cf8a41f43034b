import django_filters
from django.db.models import QuerySet
from rest_framework import viewsets
from rest_framework.permissions import AllowAny

from catalog import selectors
from catalog.api.serializers import MassageTypeSerializer, OfferingSerializer
from catalog.models import MassageType, Offering
from studio.api import FilterSet


class OfferingFilter(FilterSet):
    massage_type = django_filters.ModelChoiceFilter(
        queryset=MassageType.objects.filter(is_active=True),
        to_field_name="slug",
        help_text="Only offerings of the massage type with this slug.",
    )

    class Meta:
        model = Offering
        fields = ["massage_type"]


class MassageTypeViewSet(viewsets.ReadOnlyModelViewSet[MassageType]):
    """The massage types the studio offers, in catalog order. Public."""

    permission_classes = [AllowAny]
    serializer_class = MassageTypeSerializer

    def get_queryset(self) -> QuerySet[MassageType]:
        return selectors.active_massage_types()


class OfferingViewSet(viewsets.ReadOnlyModelViewSet[Offering]):
    """What can be booked: a massage type over body areas, its duration and price. Public."""

    permission_classes = [AllowAny]
    serializer_class = OfferingSerializer
    filterset_class = OfferingFilter

    def get_queryset(self) -> QuerySet[Offering]:
        return selectors.active_offerings()
