"""Which packages this browser may open: the private links it was given, kept in its session.

The package's page and the course page read them; the tokens stay in the
session, never in an address (see payments/package_views.py).
"""

from __future__ import annotations

from uuid import UUID

from django.http import Http404, HttpRequest
from django.utils import timezone

from catalog.models import Offering
from payments.models import ClientPackage
from payments.services import packages as services

TOKENS_KEY = "package_tokens"


def grant(request: HttpRequest, client_package: ClientPackage) -> None:
    """Let this browser open the package's page, in a new session key."""
    request.session.cycle_key()
    tokens = dict(request.session.get(TOKENS_KEY, {}))
    tokens[str(client_package.pk)] = services.package_token(client_package)
    request.session[TOKENS_KEY] = tokens


def course_package(request: HttpRequest, offering: Offering, *, email: str) -> ClientPackage | None:
    """A package this browser opened by its private link that pays for a whole course, or None.

    For the course page: a package of `offering` whose client's e-mail
    is `email` and with a session left for every session of the course
    (`packages.check_usable_for_course`); the first such, else None.
    """
    now = timezone.now()
    for token in request.session.get(TOKENS_KEY, {}).values():
        client_package = services.package_for_token(token) if isinstance(token, str) else None
        if client_package is None:
            continue
        try:
            services.check_usable_for_course(
                client_package, offering=offering, email=email, now=now
            )
        except services.PackageError:
            continue
        return client_package
    return None


def granted_package(request: HttpRequest, package_id: UUID) -> ClientPackage:
    """The package whose token this session holds, or a plain 404."""
    token = request.session.get(TOKENS_KEY, {}).get(str(package_id))
    client_package = services.package_for_token(token) if isinstance(token, str) else None
    if client_package is None or client_package.pk != package_id:
        raise Http404
    return client_package
