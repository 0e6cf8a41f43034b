"""The e-mail a client gets for a package bought: the private link to its page."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from booking.contacts import mailbox
from payments.models import ClientPackage
from payments.services.packages import package_token
from studio.identity import studio_identity

TOKEN_PARAMETER = "t"  # noqa: S105 (the name of a query parameter, not a secret)


def package_link(client_package: ClientPackage) -> str:
    """The package page's address with its token, as the e-mail links to it."""
    path = reverse("packages:mine", kwargs={"package_id": client_package.pk})
    return f"{settings.STUDIO_BASE_URL}{path}?{TOKEN_PARAMETER}={package_token(client_package)}"


def send_package_mail(client_package: ClientPackage) -> None:
    client = client_package.client
    if not client.email:
        return
    language = client.language or settings.LANGUAGE_CODE
    with translation.override(language):
        identity = studio_identity(language)
        context = {
            "client_package": client_package,
            "link": package_link(client_package),
            **identity,
        }
        EmailMessage(
            subject=gettext("Your package: %(name)s") % {"name": client_package.package.name}
            + f" · {identity['studio_name']}",
            body=render_to_string("payments/email/package.txt", context),
            to=[mailbox(name=client.name, email=client.email)],
        ).send()
