"""What the waitlist's messages say: the confirmation of a place in line, and an offer.

Written in the client's language (the entry's), short and plain: an
e-mail with the link to withdraw or to take the offer, and an SMS with
the link to take it.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend
from django.urls import reverse
from django.utils import formats, translation
from django.utils.translation import gettext

from booking.sms import send_sms
from notifications import waitlist
from notifications.models import Message, WaitlistEntry, WaitlistOffer

TOKEN_PARAMETER = "t"  # noqa: S105 (the query parameter the log redaction scrubs)


def _when(offer: WaitlistOffer) -> str:
    local = offer.start_at.astimezone(ZoneInfo(settings.STUDIO_TIME_ZONE))
    return formats.date_format(local, "DATETIME_FORMAT")


def take_url(offer: WaitlistOffer) -> str:
    path = reverse("waitlist:offer_link")
    return f"{settings.STUDIO_BASE_URL}{path}?{TOKEN_PARAMETER}={waitlist.take_link_token(offer)}"


def entry_url(entry: WaitlistEntry) -> str:
    path = reverse("waitlist:entry_link")
    return f"{settings.STUDIO_BASE_URL}{path}?{TOKEN_PARAMETER}={entry.manage_token}"


def send_joined(message: Message, connection: BaseEmailBackend | None) -> None:
    entry = WaitlistEntry.objects.select_related("offering").get(pk=message.payload["entry_id"])
    with translation.override(entry.language):
        subject = gettext("You are on the waitlist for %(offering)s") % {
            "offering": entry.offering.name
        }
        body = gettext(
            "Hello %(name)s,\n\nWe will write to you when a time frees up for %(offering)s "
            "between %(date_from)s and %(date_to)s, starting from %(time_from)s to %(time_to)s.\n\n"
            "To leave the waitlist, open this link:\n%(link)s\n"
        ) % {
            "name": entry.contact_name,
            "offering": entry.offering.name,
            "date_from": formats.date_format(entry.date_from, "DATE_FORMAT"),
            "date_to": formats.date_format(entry.date_to, "DATE_FORMAT"),
            "time_from": entry.time_from.strftime("%H:%M"),
            "time_to": entry.time_to.strftime("%H:%M"),
            "link": entry_url(entry),
        }
    EmailMessage(subject, body, to=[message.recipient], connection=connection).send(
        fail_silently=False
    )


def send_offer(message: Message, connection: BaseEmailBackend | None) -> None:
    offer = WaitlistOffer.objects.select_related("entry__offering").get(
        pk=message.payload["offer_id"]
    )
    if offer.status != WaitlistOffer.Status.OPEN:
        # Taken or gone before the message left: nothing to offer.
        return
    entry = offer.entry
    with translation.override(entry.language):
        minutes = settings.STUDIO_WAITLIST_OFFER_MINUTES
        values = {
            "name": entry.contact_name,
            "offering": entry.offering.name,
            "when": _when(offer),
            "minutes": minutes,
            "link": take_url(offer),
        }
        if message.channel == Message.Channel.SMS:
            send_sms(
                to=message.recipient,
                text=gettext(
                    "A time has freed up: %(offering)s on %(when)s. "
                    "Held for you %(minutes)s min: %(link)s"
                )
                % values,
            )
            return
        subject = gettext("A time has freed up: %(when)s") % values
        body = (
            gettext(
                "Hello %(name)s,\n\nA time you waited for has freed up: %(offering)s on %(when)s.\n"
                "We hold it for you for %(minutes)s minutes. To book it, open this link "
                "and press “Take it”:\n%(link)s\n\n"
                "If you do not take it, it passes to the next person in line.\n"
            )
            % values
        )
    EmailMessage(subject, body, to=[message.recipient], connection=connection).send(
        fail_silently=False
    )


def check(message: Message, connection: BaseEmailBackend | None) -> None:
    waitlist.check_freed_time(message)
