"""Counting requests on the shared cache, atomically, in fixed windows.

Every web process counts on the same cache (Redis in production), so a
limit holds however many gunicorn workers and machines serve the
studio. A counter is one integer that the cache increments itself
(Redis `INCR`): two processes can never both read 119 and both write
120, which is how DRF's own throttles, a list of timestamps read and
written back, let 135 of 150 requests through a limit of 120.

Windows are fixed (this hour, this minute), not sliding: simple, one
key per caller and window, at the price that a caller may use up one
window's allowance at its end and the next one's at its start.
"""

import contextlib
import math
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from rest_framework import throttling
from rest_framework.request import Request

from studio.clientip import client_ip


@dataclass(frozen=True)
class Window:
    """The fixed window of `seconds` that a moment falls in."""

    number: int
    seconds: int

    @classmethod
    def around(cls, moment: float, seconds: int) -> "Window":
        return cls(number=int(moment // seconds), seconds=seconds)

    def key(self, name: str) -> str:
        return f"{name}:{self.seconds}:{self.number}"

    def seconds_left(self, moment: float) -> int:
        """Until the window ends: what `Retry-After` says, at least one second."""
        return max(1, math.ceil((self.number + 1) * self.seconds - moment))


def count_hit(key: str, *, timeout: int) -> int:
    """Add one to the counter `key` and return its new value, atomically.

    `cache.add` makes the counter with its expiry if it is missing (a
    `SET NX` on Redis) and `cache.incr` adds one on the server. Django's
    `incr` raises if the key expired in between; then it starts anew.
    A window's key lives twice as long as the window, so it never
    expires while anyone still counts in it.
    """
    for _ in range(3):
        cache.add(key, 0, timeout)
        try:
            count: int = cache.incr(key)
        except ValueError:  # expired between add and incr
            continue
        return count
    raise RuntimeError(f"The counter {key!r} keeps expiring: is the cache working?")


def give_back(key: str) -> None:
    """Take back one count, for something counted that did not happen after all."""
    # A counter that expired meanwhile has nothing to give back.
    with contextlib.suppress(ValueError):
        cache.decr(key)


class FixedWindowRateThrottle(throttling.SimpleRateThrottle):
    """DRF's throttle, counted atomically per fixed window, by the project's client IP."""

    retry_after: int | None = None
    # Set by DRF's __init__ from the rate; its stubs do not declare them.
    num_requests: int
    duration: int

    def get_ident(self, request: Request) -> str:
        return client_ip(request)

    def allow_request(self, request: Request, view: Any) -> bool:
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        moment = self.timer()
        window = Window.around(moment, self.duration)
        self.retry_after = window.seconds_left(moment)
        count = count_hit(window.key(self.key), timeout=2 * self.duration)
        return count <= self.num_requests

    def wait(self) -> float | None:
        return self.retry_after


class AnonRateThrottle(FixedWindowRateThrottle, throttling.AnonRateThrottle):
    """Anonymous callers, by the address `client_ip` finds (setting `anon`)."""


class UserRateThrottle(FixedWindowRateThrottle, throttling.UserRateThrottle):
    """Callers with a login or token, by user (setting `user`)."""
