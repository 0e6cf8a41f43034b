"""What the waitlist's messages say: the confirmation of a place in line, and an offer.

Written in the client's language (the entry's), short and plain: an
e-mail with the link to withdraw or to take the offer, as text and as
HTML in the studio's e-mail layout (as the reminders and receipts are),
and an SMS with the link to take it.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext

from booking.sms import send_sms
from notifications import waitlist
from notifications.models import Message, WaitlistEntry, WaitlistOffer
from studio.identity import studio_identity

TOKEN_PARAMETER = "t"  # noqa: S105 (the query parameter the log redaction scrubs)


def _zone() -> ZoneInfo:
    return ZoneInfo(settings.STUDIO_TIME_ZONE)


def _when(offer: WaitlistOffer) -> str:
    return formats.date_format(offer.start_at.astimezone(_zone()), "DATETIME_FORMAT")


def take_url(offer: WaitlistOffer) -> str:
    path = reverse("waitlist:offer_link")
    return f"{settings.STUDIO_BASE_URL}{path}?{TOKEN_PARAMETER}={waitlist.take_link_token(offer)}"


def entry_url(entry: WaitlistEntry) -> str:
    path = reverse("waitlist:entry_link")
    return f"{settings.STUDIO_BASE_URL}{path}?{TOKEN_PARAMETER}={entry.manage_token}"


def _email(
    *,
    subject: str,
    body: str,
    template: str,
    context: dict[str, Any],
    to: str,
    connection: BaseEmailBackend | None,
) -> EmailMultiAlternatives:
    """The e-mail as text and HTML, both signed by the studio; in the active language."""
    studio = studio_identity(translation.get_language())
    email = EmailMultiAlternatives(
        subject,
        body + render_to_string("booking/email/_studio.txt", studio),
        to=[to],
        connection=connection,
    )
    email.attach_alternative(render_to_string(template, {**studio, **context}), "text/html")
    return email


def build_joined_email(
    message: Message, connection: BaseEmailBackend | None = None
) -> EmailMultiAlternatives:
    """The confirmation of a place in line, with the link to leave it, in the entry's language."""
    entry = WaitlistEntry.objects.select_related("offering", "therapist").get(
        pk=message.payload["entry_id"]
    )
    with translation.override(entry.language), timezone.override(_zone()):
        link = entry_url(entry)  # under the entry's language's prefix
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
            "link": link,
        }
        return _email(
            subject=subject,
            body=body,
            template="notifications/email/waitlist_joined.html",
            context={"contact_name": entry.contact_name, "entry": entry, "entry_url": link},
            to=message.recipient,
            connection=connection,
        )


def send_joined(message: Message, connection: BaseEmailBackend | None) -> None:
    build_joined_email(message, connection).send(fail_silently=False)


def send_offer(message: Message, connection: BaseEmailBackend | None) -> None:
    offer = WaitlistOffer.objects.select_related("entry__offering").get(
        pk=message.payload["offer_id"]
    )
    if offer.status != WaitlistOffer.Status.OPEN:
        # Taken or gone before the message left: nothing to offer.
        return
    if message.channel == Message.Channel.SMS:
        with translation.override(offer.entry.language):
            send_sms(to=message.recipient, text=_offer_sms(offer))
        return
    build_offer_email(offer, to=message.recipient, connection=connection).send(fail_silently=False)


def _offer_values(offer: WaitlistOffer) -> dict[str, Any]:
    return {
        "name": offer.entry.contact_name,
        "offering": offer.entry.offering.name,
        "when": _when(offer),
        "minutes": settings.STUDIO_WAITLIST_OFFER_MINUTES,
        "link": take_url(offer),
    }


def _offer_sms(offer: WaitlistOffer) -> str:
    return gettext(
        "A time has freed up: %(offering)s on %(when)s. Held for you %(minutes)s min: %(link)s"
    ) % _offer_values(offer)


def build_offer_email(
    offer: WaitlistOffer, *, to: str, connection: BaseEmailBackend | None = None
) -> EmailMultiAlternatives:
    """The offer of a freed time with its "Take it" link, in the entry's language."""
    with translation.override(offer.entry.language), timezone.override(_zone()):
        values = _offer_values(offer)
        body = (
            gettext(
                "Hello %(name)s,\n\nA time you waited for has freed up: %(offering)s on %(when)s.\n"
                "We hold it for you for %(minutes)s minutes. To book it, open this link "
                "and press “Take it”:\n%(link)s\n\n"
                "If you do not take it, it passes to the next person in line.\n"
            )
            % values
        )
        return _email(
            subject=gettext("A time has freed up: %(when)s") % values,
            body=body,
            template="notifications/email/waitlist_offer.html",
            context={
                "contact_name": offer.entry.contact_name,
                "offer": offer,
                "minutes": values["minutes"],
                "take_url": values["link"],
            },
            to=to,
            connection=connection,
        )


def check(message: Message, connection: BaseEmailBackend | None) -> None:
    waitlist.check_freed_time(message)
