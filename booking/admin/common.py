"""What the booking admin pages share."""

from datetime import datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.db.models import Model
from django.http import HttpRequest
from django.utils import formats, timezone


def studio_zone() -> ZoneInfo:
    return ZoneInfo(settings.STUDIO_TIME_ZONE)


def local(moment: datetime, pattern: str = "D j M Y, H:i") -> str:
    return formats.date_format(timezone.localtime(moment, studio_zone()), pattern)


class DateHierarchyChangeList(ChangeList):
    """Django's changelist, for which a drill-down date past 9999 is a bad lookup, not a 500."""

    def get_filters(self, request: HttpRequest) -> Any:
        try:
            return super().get_filters(request)
        except (ValueError, OverflowError) as error:
            # Django checks the date in the address, then computes the end
            # of its year, month or day outside that check: year 9999 has
            # no end. A bad lookup brings the list back, flagged (`?e=1`).
            raise IncorrectLookupParameters(error) from error


_M = TypeVar("_M", bound=Model)


class DateHierarchyAdmin(admin.ModelAdmin[_M]):
    """A model admin with a `date_hierarchy` that any date in the address cannot break."""

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return DateHierarchyChangeList
