"""Who asks a booking service for something: a guest, staff, an integration."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from booking.services import access


@dataclass(frozen=True)
class Actor:
    """Who asks: a guest with a manage token, a staff member or an integration."""

    label: str
    user: AbstractBaseUser | AnonymousUser | None = None
    is_staff: bool = False

    @classmethod
    def guest(cls) -> Actor:
        return cls(label="guest")

    @classmethod
    def for_user(cls, user: AbstractBaseUser | AnonymousUser) -> Actor:
        """A logged-in user; staff only with the permission to change appointments."""
        return cls(
            label=str(user.get_username()), user=user, is_staff=access.may_change_appointments(user)
        )

    @property
    def user_id(self) -> Any:
        return self.user.pk if self.user is not None and self.user.is_authenticated else None
