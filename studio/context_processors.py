from typing import Any

from django.conf import settings
from django.http import HttpRequest


def studio(request: HttpRequest) -> dict[str, Any]:
    """The studio's name and contact details, shown in every page's frame."""
    return {
        "studio_name": settings.STUDIO_NAME,
        "studio_address": settings.STUDIO_ADDRESS,
        "studio_phone": settings.STUDIO_PHONE,
    }
