"""Payment gateways, chosen by settings.PAYMENT_BACKEND like the SMS and e-mail backends.

- `studio.PayAtStudioBackend`, the embedded default: nothing is paid
  online; what a policy asks for is paid at the studio.
- `stripe.StripeBackend` (issue 14): cards online through Stripe, with
  the official `stripe` package, pointed at STRIPE_API_BASE.
"""

from __future__ import annotations

from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string

from payments.backends.base import BaseBackend


@cache
def _backend_of(path: str) -> BaseBackend:
    backend: BaseBackend = import_string(path)()
    return backend


def get_backend() -> BaseBackend:
    """The configured payment backend (one instance per process and setting)."""
    return _backend_of(settings.PAYMENT_BACKEND)
