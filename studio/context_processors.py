from typing import Any

from django.http import HttpRequest
from django.utils.translation import get_language

from studio.identity import studio_identity


def studio(request: HttpRequest) -> dict[str, Any]:
    """The studio's name, contact details and hours, in the page's language."""
    return studio_identity(get_language())
