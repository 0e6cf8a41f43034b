"""Celery tasks of the project as a whole, beside each app's own."""

from importlib import import_module

from celery import shared_task
from django.conf import settings


@shared_task(ignore_result=True)
def clear_expired_sessions() -> None:
    """Beat's daily delete of expired sessions, as `manage.py clearsessions` does.

    Django never deletes an expired session by itself, and a session
    that opened a manage link holds its token (booking.guest_access):
    without this, every such row would stay for good.
    """
    import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()
