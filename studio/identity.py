"""The studio's name, address, phone and opening hours, in the reader's language.

The owner edits them in the admin (`StudioProfile`, one row); until it is
saved the STUDIO_* settings are the identity. Every page and message
reads it, so the saved row is kept in Django's cache, which is shared by
every web process and worker (Redis in production): saving the profile
forgets it there, and the next reader takes one query to fill it again.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from studio.models import StudioProfile

CACHE_KEY = "studio:identity:v1"
# A bound on how stale a process-local cache (the embedded default's
# LocMemCache, one per process) can be after a save in another process.
CACHE_SECONDS = 300

# The settings that hold each part of the identity in English, and in
# Russian; an empty Russian one falls back to the English.
_SETTINGS = {
    "studio_name": ("STUDIO_NAME", "STUDIO_NAME_RU"),
    "studio_address": ("STUDIO_ADDRESS", "STUDIO_ADDRESS_RU"),
    "studio_hours_note": ("STUDIO_HOURS_NOTE", "STUDIO_HOURS_NOTE_RU"),
}
# The profile's field of each translated part.
_FIELDS = {
    "studio_name": "name",
    "studio_address": "address",
    "studio_hours_note": "hours_note",
}
_LANGUAGES = ("en", "ru")


def _saved_profile() -> dict[str, str]:
    """The saved profile's columns, from the cache or one query; empty when none is saved."""
    saved: dict[str, str] | None = cache.get(CACHE_KEY)
    if saved is None:
        profile = StudioProfile.objects.filter(pk=StudioProfile.SINGLETON_ID).first()
        saved = {} if profile is None else _columns(profile)
        cache.set(CACHE_KEY, saved, CACHE_SECONDS)
    return saved


def _columns(profile: StudioProfile) -> dict[str, str]:
    columns = {
        f"{field}_{language}": getattr(profile, f"{field}_{language}") or ""
        for field in _FIELDS.values()
        for language in _LANGUAGES
    }
    columns.update(phone=profile.phone, email=profile.email, map_url=profile.map_url)
    return columns


def forget_saved_identity() -> None:
    """Drop the cached profile, so every process reads the saved one next."""
    cache.delete(CACHE_KEY)


def save_profile(profile: StudioProfile) -> StudioProfile:
    """Save the studio's identity as its one row; pages and messages show it from then on.

    The cached copy is dropped at once and again when the row is
    committed, so no reader keeps the old row cached in between.
    """
    profile.pk = StudioProfile.SINGLETON_ID
    profile.save()
    # Now, for this process's next read in the same transaction; and once
    # committed, against a reader that refilled it with the old row.
    forget_saved_identity()
    transaction.on_commit(forget_saved_identity)
    return profile


def studio_identity(language: str | None) -> dict[str, str]:
    """The studio as a reader of `language` sees it, for pages and messages.

    Gives `studio_name`, `studio_address`, `studio_hours_note`,
    `studio_phone`, `studio_phone_uri` (for a tel: link), `studio_email`
    and `studio_map_url`. Russian ("ru", "ru-RU") reads the Russian text
    and falls back to the English one where it is empty; any other
    language, or None, reads the English. The saved profile wins over
    the settings as a whole, once the owner has saved it.
    """
    is_russian = (language or "").lower().split("-")[0] == "ru"
    saved = _saved_profile()
    identity: dict[str, str] = {}
    if saved:
        for key, field in _FIELDS.items():
            value = saved[f"{field}_ru"] if is_russian else ""
            identity[key] = value or saved[f"{field}_en"]
        identity["studio_phone"] = saved["phone"]
        identity["studio_email"] = saved["email"]
        identity["studio_map_url"] = saved["map_url"]
    else:
        for key, (english, russian) in _SETTINGS.items():
            value = getattr(settings, russian) if is_russian else ""
            identity[key] = value or getattr(settings, english)
        identity["studio_phone"] = settings.STUDIO_PHONE
        identity["studio_email"] = settings.STUDIO_EMAIL
        identity["studio_map_url"] = settings.STUDIO_MAP_URL
    identity["studio_phone_uri"] = phone_uri(identity["studio_phone"])
    return identity


def phone_uri(phone: str) -> str:
    """`+49 30 123-4567` → `tel:+49301234567`; empty for no number."""
    digits = "".join(character for character in phone if character.isdigit() or character == "+")
    return f"tel:{digits}" if digits else ""


def identity_defaults() -> dict[str, Any]:
    """The settings' identity as the admin's form starts from, before a profile is saved."""
    return {
        "name_en": settings.STUDIO_NAME,
        "name_ru": settings.STUDIO_NAME_RU,
        "address_en": settings.STUDIO_ADDRESS,
        "address_ru": settings.STUDIO_ADDRESS_RU,
        "hours_note_en": settings.STUDIO_HOURS_NOTE,
        "hours_note_ru": settings.STUDIO_HOURS_NOTE_RU,
        "phone": settings.STUDIO_PHONE,
        "email": settings.STUDIO_EMAIL,
        "map_url": settings.STUDIO_MAP_URL,
    }
