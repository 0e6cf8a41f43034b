"""Clients who join the waitlist in the waitlist's tests, through its service."""

from datetime import time, timedelta

from booking.services.clients import ClientDetails
from notifications import waitlist
from notifications.models import WaitlistEntry
from tests.booking.conftest import NOW, TUESDAY

NINA = ClientDetails(name="Nina First", email="nina@example.com", phone="+49 30 1111111")
OTTO = ClientDetails(name="Otto Second", email="otto@example.com", phone="+49 30 2222222")
PIA = ClientDetails(name="Pia Third", email="pia@example.com", phone="+49 30 3333333")


def join(
    details: ClientDetails, offering, *, window=(time(9), time(12)), therapist=None, **more
) -> WaitlistEntry:
    """`details` in line for `offering` from Tuesday to Thursday, 09:00 to 12:00, unless told."""
    values = {
        "date_from": TUESDAY,
        "date_to": TUESDAY + timedelta(days=2),
        "time_from": window[0],
        "time_to": window[1],
        "people": 1,
        "language": "en",
        **more,
    }
    return waitlist.join_waitlist(
        details=details,
        offering=offering,
        therapist=therapist,
        actor=waitlist.WAITLIST_ACTOR,
        now=NOW,
        **values,
    )
