"""The studio's name, address and opening hours, in the reader's language."""

from django.conf import settings

# The settings that hold each part of the identity in English, and in
# Russian; an empty Russian one falls back to the English.
_PARTS = {
    "studio_name": ("STUDIO_NAME", "STUDIO_NAME_RU"),
    "studio_address": ("STUDIO_ADDRESS", "STUDIO_ADDRESS_RU"),
    "studio_hours_note": ("STUDIO_HOURS_NOTE", "STUDIO_HOURS_NOTE_RU"),
}


def studio_identity(language: str | None) -> dict[str, str]:
    """The studio as a reader of `language` sees it, for pages and messages.

    Gives `studio_name`, `studio_address`, `studio_hours_note` and
    `studio_phone`. Russian ("ru", "ru-RU") reads the `_RU` settings and
    falls back to the English one where a `_RU` setting is empty; any
    other language, or None, reads the English ones.
    """
    is_russian = (language or "").lower().split("-")[0] == "ru"
    identity: dict[str, str] = {}
    for key, (english, russian) in _PARTS.items():
        value = getattr(settings, russian) if is_russian else ""
        identity[key] = value or getattr(settings, english)
    identity["studio_phone"] = settings.STUDIO_PHONE
    return identity
