"""A therapist's calendar feed: the secret address their phone's calendar subscribes to.

The address holds a random secret (`Therapist.feed_token`): whoever has
it reads the therapist's appointments, without a login (calendar apps
cannot log in). So the therapist and reception turn it off, or make a
new one, which makes the old address stop working at once.
"""

from __future__ import annotations

import logging
import secrets

from django.contrib.auth.models import PermissionsMixin
from django.db import transaction

from booking import errors
from booking.models import Therapist
from booking.services.actors import Actor

logger = logging.getLogger(__name__)


def may_change_feed(*, therapist: Therapist, by: Actor) -> bool:
    """The therapist themself, or reception (who run the front desk), and nobody else."""
    user = by.user
    if user is None or not user.is_authenticated:
        return False
    return therapist.user_id == user.pk or (
        isinstance(user, PermissionsMixin) and user.has_perm("booking.run_front_desk")
    )


@transaction.atomic(durable=True)
def renew_feed(*, therapist: Therapist, by: Actor) -> str:
    """Give the therapist's feed a new secret address, and return its secret.

    Turns the feed on; any address made before stops working. Raises
    NotTheirFeed for anyone but the therapist and reception.
    """
    if not may_change_feed(therapist=therapist, by=by):
        raise errors.NotTheirFeed()
    token = secrets.token_urlsafe(32)
    Therapist.objects.filter(pk=therapist.pk).update(feed_token=token)
    # Never the secret: whoever reads the log would read the calendar.
    logger.info("Calendar feed of therapist %s renewed by %s", therapist.pk, by.label)
    return token


@transaction.atomic(durable=True)
def revoke_feed(*, therapist: Therapist, by: Actor) -> None:
    """Turn the therapist's feed off: its address stops working. Raises NotTheirFeed as `renew_feed`."""
    if not may_change_feed(therapist=therapist, by=by):
        raise errors.NotTheirFeed()
    Therapist.objects.filter(pk=therapist.pk).update(feed_token="")
    logger.info("Calendar feed of therapist %s turned off by %s", therapist.pk, by.label)
