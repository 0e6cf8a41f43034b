"""What the studio holds about a client: consent, export, erasure, retention.

Health answers and notes are special (DESIGN.md, invariant 8): kept only
with consent (`book_appointment` refuses them without it), seen only by
staff with the `booking.view_health` permission, exported and erased on
request, and dropped once STUDIO_HEALTH_RETENTION_DAYS have passed since
the visit.

A client's data is their record and every appointment linked to it or
booked with their e-mail: an appointment booked with the e-mail before a
record's e-mail changed, or after, carries the same person's contact
details.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, PermissionsMixin


def can_see_health(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Whether a staff user or integration may read health answers and notes."""
    # Anonymous visitors hold no permissions at all.
    return isinstance(user, PermissionsMixin) and user.has_perm("booking.view_health")
