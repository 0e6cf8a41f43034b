"""The payments app's Celery tasks: thin, by id, idempotent."""

from __future__ import annotations

from celery import shared_task

from booking.models import Visit
from booking.services import Actor
from payments.models import ClientPackage


@shared_task(ignore_result=True)
def give_back_sessions(*, visit_id: str) -> int:
    """Give back the package sessions of a visit cancelled in time (none twice)."""
    from payments.services.packages import give_back_session  # noqa: PLC0415 - services import this module

    visit = Visit.objects.filter(pk=visit_id).first()
    if visit is None:
        return 0
    return len(give_back_session(visit=visit, actor=Actor(label="studio")))


@shared_task(ignore_result=True)
def send_package_mail(*, client_package_id: str) -> bool:
    """The e-mail with the private link to the client's package page."""
    from payments.package_mail import send_package_mail as send  # noqa: PLC0415

    client_package = (
        ClientPackage.objects.select_related("client", "package")
        .filter(pk=client_package_id)
        .first()
    )
    if client_package is None:
        return False
    send(client_package)
    return True
