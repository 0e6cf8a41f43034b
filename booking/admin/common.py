"""What the booking admin pages share."""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import formats, timezone


def studio_zone() -> ZoneInfo:
    return ZoneInfo(settings.STUDIO_TIME_ZONE)


def local(moment: datetime, pattern: str = "D j M Y, H:i") -> str:
    return formats.date_format(timezone.localtime(moment, studio_zone()), pattern)
