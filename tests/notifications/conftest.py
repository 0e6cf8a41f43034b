"""The outbox's tests book visits as booking's tests do: the same fixtures."""

from tests.booking.conftest import *  # noqa: F403 - booking's fixtures, shared rather than copied
