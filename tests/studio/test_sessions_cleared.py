"""Expired sessions are deleted by a beat task, with the manage tokens they hold.

Opening a manage link puts its token in the browser's session
(booking.guest_access). Django never deletes an expired session by
itself, so every guest who ever opened a link left a row holding a
token, for good.
"""

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from studio.tasks import clear_expired_sessions

pytestmark = pytest.mark.django_db


def session_with_a_token(*, expires_in: timedelta) -> str:
    store = SessionStore()
    store["booking_guest_tokens"] = {"7d0f1c2e-2f3a-4a57-9f0e-0e8f7f6b2c11": "kT3v_9ZqLr"}
    store.create()
    Session.objects.filter(session_key=store.session_key).update(
        expire_date=timezone.now() + expires_in
    )
    assert store.session_key is not None
    return store.session_key


def test_the_task_deletes_expired_sessions_and_keeps_live_ones():
    expired = session_with_a_token(expires_in=timedelta(seconds=-1))
    live = session_with_a_token(expires_in=timedelta(days=1))

    clear_expired_sessions()

    assert not Session.objects.filter(session_key=expired).exists()
    assert Session.objects.filter(session_key=live).exists()


def test_beat_runs_the_task_every_day():
    entries = settings.CELERY_BEAT_SCHEDULE.values()

    assert {"task": "studio.tasks.clear_expired_sessions", "schedule": 86400.0} in entries
