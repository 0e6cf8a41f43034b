"""The waitlist: clients waiting for a time to free up, and the offers of freed times.

A client joins for an offering (and optionally a therapist), a date
range and a window of start times (`join_waitlist`). When booking frees
a time (a cancellation, a move, a released hold) it writes a
"waitlist_check" row into the outbox in its own transaction
(`BookingOutbox.time_freed`), so a crash loses no freed time; the
dispatcher hands the row to `check_freed_time`. That finds the first
entry in line that matches and for which the start is really bookable
now, and offers it (`offer_time`): the time is held for the client by a
held visit (`Visit.HoldReason.OFFER`, for STUDIO_WAITLIST_OFFER_MINUTES)
and the offer goes out by e-mail and SMS with a "Take it" link.
`take_offer` confirms the held visit through booking's own service. An
offer left untaken lapses with its hold: `release_expired_holds` frees
the time, which writes another check row, and the check passes the
offer on to the next in line.

The two points where webhooks plug in: `offer_made` and `offer_taken`.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, Value
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy
from rest_framework.fields import DateTimeField

from booking import errors
from booking.errors import BookingError
from booking.models import Appointment, Therapist, Visit
from booking.services import clients
from booking.services.actors import Actor
from booking.services.appointments import confirm_held_visit
from booking.services.clients import ClientDetails
from booking.services.privacy import ERASED_NAME, erased_email
from booking.services.visits import WantedAppointment, book_visit, cancel_visit
from booking.visits import Part, visit_slots
from catalog.models import Offering
from notifications.models import Message, WaitlistEntry, WaitlistOffer

logger = logging.getLogger(__name__)

# Who offers a time, in a visit's history.
WAITLIST_ACTOR = Actor(label="studio (waitlist)")
# How many entries in line one freed time is tried on at most; each
# refusal is remembered per (therapist, people), so the work is bounded
# by the therapists, not by the length of the line.
CANDIDATES = 20
_OFFER_SALT = "notifications.waitlist.offer"
# Ended entries deleted per transaction by `expire_waitlist_entries`.
_DELETE_BATCH = 500


class WaitlistError(BookingError):
    code = "waitlist_invalid"
    status_code = 400
    default_message = gettext_lazy("The waitlist entry is not valid.")


class OfferGone(BookingError):
    code = "offer_gone"
    status_code = 409
    default_message = gettext_lazy("This time has gone.")


def _zone() -> ZoneInfo:
    return ZoneInfo(settings.STUDIO_TIME_ZONE)


@transaction.atomic(durable=True)
def join_waitlist(
    *,
    details: ClientDetails,
    offering: Offering,
    therapist: Therapist | None,
    people: int,
    date_from: date,
    date_to: date,
    time_from: time,
    time_to: time,
    language: str,
    actor: Actor,
    now: datetime | None = None,
) -> WaitlistEntry:
    """Put a client in line for a freed time; raises WaitlistError naming the bad field.

    The entry keeps the contact details as given and links to the client
    record with that e-mail, never changing it (`clients.client_for_booking`).
    An e-mail with the link to withdraw goes out.
    """
    now = now or timezone.now()
    today = now.astimezone(_zone()).date()
    horizon = today + timedelta(days=settings.STUDIO_HORIZON_DAYS)
    if date_to < date_from:
        raise WaitlistError(
            gettext("The end of the range comes before its start."),
            fields={"date_to": [gettext("The end of the range comes before its start.")]},
        )
    if date_to < today:
        raise WaitlistError(
            gettext("The dates are in the past."),
            fields={"date_to": [gettext("The dates are in the past.")]},
        )
    if date_from > horizon:
        raise WaitlistError(
            gettext("The dates are too far ahead to book yet."),
            fields={"date_from": [gettext("The dates are too far ahead to book yet.")]},
        )
    if time_to <= time_from:
        raise WaitlistError(
            gettext("The times of day are empty: the end must come after the start."),
            fields={
                "time_to": [
                    gettext("The times of day are empty: the end must come after the start.")
                ]
            },
        )
    if people not in (1, 2):
        raise WaitlistError(
            gettext("One or two people."), fields={"people": [gettext("One or two people.")]}
        )
    if therapist is not None and (
        not therapist.is_active
        or not therapist.massage_types.filter(pk=offering.massage_type_id).exists()
    ):
        raise errors.NotQualified()
    client = clients.client_for_booking(details=details, actor=actor, now=now, language=language)
    entry = WaitlistEntry.objects.create(
        client=client,
        contact_name=details.name,
        contact_email=details.email,
        contact_phone=details.phone,
        language=language,
        offering=offering,
        therapist=therapist,
        people=people,
        date_from=max(date_from, today),
        date_to=min(date_to, horizon),
        time_from=time_from,
        time_to=time_to,
        manage_token=secrets.token_urlsafe(32),
        created_at=now,
    )
    _write(
        [
            Message(
                kind=Message.Kind.WAITLIST_JOINED,
                channel=Message.Channel.EMAIL,
                client=client,
                recipient=entry.contact_email,
                language=language,
                payload={"entry_id": entry.pk},
                due_at=now,
            )
        ],
        now=now,
    )
    return entry


@transaction.atomic(durable=True)
def withdraw_entry(*, entry: WaitlistEntry) -> WaitlistEntry:
    """The client leaves the line; an open offer of theirs is given back."""
    entry = WaitlistEntry.objects.select_for_update().get(pk=entry.pk)
    if entry.status in (WaitlistEntry.Status.WAITING, WaitlistEntry.Status.OFFERED):
        entry.status = WaitlistEntry.Status.WITHDRAWN
        entry.save(update_fields=["status"])
    return entry


def expire_waitlist_entries(*, now: datetime | None = None) -> int:
    """End the waiting entries whose dates have passed, and delete old ended entries.

    An entry still waiting whose last day (`date_to`) is before today in
    the studio's time zone becomes expired; returns how many. An entry
    with an open offer keeps it until it is taken or lapses: it goes back
    in line then, where no freed time matches its past dates, and the
    next run ends it. Entries expired, withdrawn or booked whose last day
    is more than STUDIO_WAITLIST_KEEP_DAYS ago are deleted with their
    offers (the visits stay). Run hourly by beat; raises nothing.
    """
    today = (now or timezone.now()).astimezone(_zone()).date()
    # One UPDATE, served by the index on (date_to, date_from); a row an
    # offer is being linked to (locked by `_link_offer`) is waited for,
    # then skipped once it reads "offered".
    expired = WaitlistEntry.objects.filter(
        status=WaitlistEntry.Status.WAITING, date_to__lt=today
    ).update(status=WaitlistEntry.Status.EXPIRED)
    if expired:
        logger.info("Expired %d waitlist entries whose dates have passed.", expired)
    _delete_old_entries(before=today - timedelta(days=settings.STUDIO_WAITLIST_KEEP_DAYS))
    return expired


def _delete_old_entries(*, before: date) -> None:
    """Delete the ended entries whose last day is before `before`, a batch at a time.

    Each batch is its own short transaction (the entry and its offers
    together), so a first run on a long history holds no lock for long.
    """
    ended = WaitlistEntry.objects.filter(
        status__in=[
            WaitlistEntry.Status.EXPIRED,
            WaitlistEntry.Status.WITHDRAWN,
            WaitlistEntry.Status.BOOKED,
        ],
        date_to__lt=before,
    )
    deleted = 0
    while True:
        batch = list(ended.order_by("date_to", "id").values_list("pk", flat=True)[:_DELETE_BATCH])
        if batch:
            with transaction.atomic():
                WaitlistEntry.objects.filter(pk__in=batch).delete()
            deleted += len(batch)
        if len(batch) < _DELETE_BATCH:
            break
    if deleted:
        logger.info("Deleted %d ended waitlist entries past the keeping period.", deleted)


def forget_entries(*, client_id: int, emails: Sequence[str]) -> list[WaitlistEntry]:
    """Erase a client's entries, in the erasure's transaction; returns them as they were.

    For booking's `erase_client` (through the outbox's `forget`): the
    entries linked to the record or made with one of `emails` (in any
    letter case) get the placeholders the erasure gives the record
    (ERASED_NAME, `erased_email`, no phone) and a new manage token, so
    a link to leave the line sent earlier stops working. One still in
    line (waiting, or offered a time) is withdrawn: with a placeholder
    address it could only be offered times that nobody takes. The
    entries come back with the details they had, for the messages sent
    to those.
    """
    theirs = Q(client_id=client_id)
    for email in emails:
        # lower(contact_email) = lower(%s): the index notifications_wl_email.
        theirs |= Q(contact_email_lower=Lower(Value(email)))
    entries: list[WaitlistEntry] = list(
        WaitlistEntry.objects.alias(contact_email_lower=Lower("contact_email"))
        .filter(theirs)
        .select_for_update()
        .order_by("id")
    )
    in_line = {WaitlistEntry.Status.WAITING, WaitlistEntry.Status.OFFERED}
    for entry in entries:
        # One UPDATE each: every entry gets a token of its own.
        WaitlistEntry.objects.filter(pk=entry.pk).update(
            contact_name=ERASED_NAME,
            contact_email=erased_email(client_id),
            contact_phone="",
            manage_token=secrets.token_urlsafe(32),
            status=WaitlistEntry.Status.WITHDRAWN if entry.status in in_line else entry.status,
        )
    return entries


def entry_for_token(token: str) -> WaitlistEntry | None:
    if not token:
        return None
    return (
        WaitlistEntry.objects.select_related("offering", "therapist")
        .filter(manage_token=token)
        .first()
    )


def freed_time_message(
    *, appointment: Appointment, start_at: datetime, therapist_id: int, now: datetime
) -> Message:
    """The outbox row that asks the waitlist to look at a freed time (not saved)."""
    assert appointment.visit_id is not None  # every appointment is a visit's  # noqa: S101
    return Message(
        kind=Message.Kind.WAITLIST_CHECK,
        channel=Message.Channel.INTERNAL,
        # Not tied to the appointment: cancelling its pending messages
        # (which a cancellation does) must leave this one be.
        payload={
            "offering_id": appointment.offering_id,
            "therapist_id": therapist_id,
            "start": start_at.isoformat(),
            "visit_id": str(appointment.visit_id),
        },
        due_at=now,
    )


def _write(messages: list[Message], *, now: datetime) -> None:
    from notifications.services import queue_due  # noqa: PLC0415 (services imports this module)

    Message.objects.bulk_create(messages)
    queue_due(messages, now=now)


def check_freed_time(message: Message, *, now: datetime | None = None) -> WaitlistOffer | None:
    """Offer the time a check row names to the first matching entry in line that can book it.

    First a lapsed offer of that very visit is passed on: its entry goes
    back in line, never offered this start again. Then the waiting
    entries for that offering whose dates and window hold the start,
    with no therapist or this one, are tried in their order in line.
    """
    now = now or timezone.now()
    payload = message.payload
    start_at = datetime.fromisoformat(payload["start"])
    _pass_on_lapsed(visit_id=payload["visit_id"])
    if start_at <= now:
        return None
    refused: set[tuple[int | None, int]] = set()
    for entry in _candidates(
        offering_id=payload["offering_id"], therapist_id=payload["therapist_id"], start_at=start_at
    ):
        key = (entry.therapist_id, entry.people)
        if key in refused:
            continue
        try:
            offer = offer_time(entry=entry, start_at=start_at, now=now)
        except (BookingError, ValueError):
            refused.add(key)
            continue
        if offer is not None:
            return offer
    return None


def _candidates(*, offering_id: int, therapist_id: int, start_at: datetime) -> list[WaitlistEntry]:
    local = start_at.astimezone(_zone())
    offered_this_start = WaitlistOffer.objects.filter(entry=OuterRef("pk"), start_at=start_at)
    return list(
        WaitlistEntry.objects.filter(
            status=WaitlistEntry.Status.WAITING,
            offering_id=offering_id,
            date_from__lte=local.date(),
            date_to__gte=local.date(),
            # "Start no later than": the window's end is a start it takes.
            time_from__lte=local.time(),
            time_to__gte=local.time(),
        )
        .filter(Q(therapist__isnull=True) | Q(therapist_id=therapist_id))
        .exclude(Exists(offered_this_start))
        .select_related("offering", "therapist")
        .order_by("created_at", "id")[:CANDIDATES]
    )


@transaction.atomic(durable=True)
def _pass_on_lapsed(*, visit_id: str) -> None:
    lapsed = list(
        WaitlistOffer.objects.select_for_update()
        .filter(visit_id=visit_id, status=WaitlistOffer.Status.OPEN)
        .select_related("entry")
    )
    for offer in lapsed:
        offer.status = WaitlistOffer.Status.PASSED
        offer.save(update_fields=["status"])
        WaitlistEntry.objects.filter(pk=offer.entry_id, status=WaitlistEntry.Status.OFFERED).update(
            status=WaitlistEntry.Status.WAITING
        )


def offer_time(
    *, entry: WaitlistEntry, start_at: datetime, now: datetime | None = None
) -> WaitlistOffer | None:
    """Hold `start_at` for `entry` and send the offer; None if the entry left the line meanwhile.

    The time is booked as a held visit through booking's own service, by
    the same rules as any booking: raises its errors (SlotUnavailable,
    TooSoon, OutsideHours, …) when the time cannot be booked.
    """
    now = now or timezone.now()
    expires_at = now + timedelta(minutes=settings.STUDIO_WAITLIST_OFFER_MINUTES)
    wanted = [
        WantedAppointment(offering=entry.offering, start_at=start_at, therapist=entry.therapist)
        for _ in range(entry.people)
    ]
    visit = book_visit(
        appointments=wanted,
        client=ClientDetails(
            name=entry.contact_name, email=entry.contact_email, phone=entry.contact_phone
        ),
        source=Appointment.Source.WEB,
        actor=WAITLIST_ACTOR,
        language=entry.language,
        now=now,
        hold_for_offer_until=expires_at,
    )
    offer = _link_offer(entry=entry, visit=visit, start_at=start_at, now=now, expires_at=expires_at)
    if offer is None:
        # The entry was withdrawn or offered another time meanwhile.
        cancel_visit(visit=visit, actor=WAITLIST_ACTOR, reason="waitlist", now=now, notify=False)
        return None
    return offer


@transaction.atomic(durable=True)
def _link_offer(
    *, entry: WaitlistEntry, visit: Visit, start_at: datetime, now: datetime, expires_at: datetime
) -> WaitlistOffer | None:
    entry = WaitlistEntry.objects.select_for_update().get(pk=entry.pk)
    if entry.status != WaitlistEntry.Status.WAITING:
        return None
    entry.status = WaitlistEntry.Status.OFFERED
    entry.save(update_fields=["status"])
    offer = WaitlistOffer.objects.create(
        entry=entry, visit=visit, start_at=start_at, expires_at=expires_at, created_at=now
    )
    messages = [
        Message(
            kind=Message.Kind.WAITLIST_OFFER,
            channel=Message.Channel.EMAIL,
            visit=visit,
            client_id=entry.client_id,
            recipient=entry.contact_email,
            language=entry.language,
            payload={"offer_id": offer.pk},
            due_at=now,
        )
    ]
    if entry.contact_phone:
        messages.append(
            Message(
                kind=Message.Kind.WAITLIST_OFFER,
                channel=Message.Channel.SMS,
                visit=visit,
                client_id=entry.client_id,
                recipient=entry.contact_phone,
                language=entry.language,
                payload={"offer_id": offer.pk},
                due_at=now,
            )
        )
    _write(messages, now=now)
    offer_made(offer)
    return offer


def offer_made(offer: WaitlistOffer) -> None:
    """A freed time was offered: the webhooks' "waitlist offer made" event, in this transaction."""
    logger.info("Waitlist offer %s made to entry %s", offer.pk, offer.entry_id)
    # By its module at call time: the webhooks' module registers senders
    # that import this one.
    from notifications import webhooks  # noqa: PLC0415

    webhooks.record_event(
        type=webhooks.WAITLIST_OFFER_MADE, data=_offer_data(offer), visit=offer.visit
    )


def offer_taken(offer: WaitlistOffer) -> None:
    """An offer was taken: the webhooks' "waitlist offer taken" event, in this transaction."""
    logger.info("Waitlist offer %s taken by entry %s", offer.pk, offer.entry_id)
    from notifications import webhooks  # noqa: PLC0415

    webhooks.record_event(
        type=webhooks.WAITLIST_OFFER_TAKEN, data=_offer_data(offer), visit=offer.visit
    )


def _offer_data(offer: WaitlistOffer) -> dict[str, Any]:
    """The offer as webhooks carry it: the offer itself and its entry as the API shows it."""
    from notifications.api.serializers import WaitlistEntrySerializer  # noqa: PLC0415

    # Times as the API writes them: in the studio's zone, like the visit's.
    moment = DateTimeField()
    return {
        "id": offer.pk,
        "status": offer.status,
        "start": moment.to_representation(offer.start_at),
        "expires_at": moment.to_representation(offer.expires_at),
        "visit": str(offer.visit_id),
        "entry": WaitlistEntrySerializer(offer.entry).data,
    }


def offer_by_hand(
    *, entry: WaitlistEntry, start_at: datetime, now: datetime | None = None
) -> WaitlistOffer:
    """Staff offer a free time to a waiting entry, by the same rules; raises BookingError."""
    if entry.status != WaitlistEntry.Status.WAITING:
        raise WaitlistError(gettext("This client is not waiting any more."))
    offer = offer_time(entry=entry, start_at=start_at, now=now)
    if offer is None:
        raise WaitlistError(gettext("This client is not waiting any more."))
    return offer


def take_link_token(offer: WaitlistOffer) -> str:
    """The signed token of an offer's "Take it" link."""
    return signing.dumps(offer.pk, salt=_OFFER_SALT)


def offer_for_token(token: str) -> WaitlistOffer | None:
    """The offer a "Take it" token names, if the token is genuine and not older than a day."""
    try:
        offer_id = signing.loads(token, salt=_OFFER_SALT, max_age=timedelta(days=1))
    except signing.BadSignature:
        return None
    return (
        WaitlistOffer.objects.select_related("entry__offering", "visit").filter(pk=offer_id).first()
    )


@dataclass(frozen=True)
class Taken:
    offer: WaitlistOffer
    appointment: Appointment


def take_offer(*, offer: WaitlistOffer, now: datetime | None = None) -> Taken:
    """Book the offered time: confirm its held visit. Raises OfferGone once it has gone.

    The offer's row is locked first, so two takes of one offer make one
    booking; the hold is confirmed by booking's `confirm_held_visit`,
    which refuses an expired hold.
    """
    now = now or timezone.now()
    taken = _take(offer_id=offer.pk, now=now)
    if taken is None:
        raise OfferGone()
    return taken


@transaction.atomic(durable=True)
def _take(*, offer_id: int, now: datetime) -> Taken | None:
    """The offer taken, by this call or an earlier one; None once it has gone."""
    offer = WaitlistOffer.objects.select_for_update().select_related("entry").get(pk=offer_id)
    lead = Appointment.objects.filter(visit_id=offer.visit_id).order_by("start_at", "id").first()
    if offer.status == WaitlistOffer.Status.TAKEN and lead is not None:
        # Taken already (a second click, a second tab): the same booking.
        return Taken(offer=offer, appointment=lead)
    if offer.status != WaitlistOffer.Status.OPEN or lead is None or offer.expires_at <= now:
        _gone(offer)
        return None
    try:
        lead = confirm_held_visit(appointment=lead, actor=WAITLIST_ACTOR, now=now)
    except (errors.HoldExpired, errors.NotActive):
        _gone(offer)
        return None
    offer.status = WaitlistOffer.Status.TAKEN
    offer.save(update_fields=["status"])
    WaitlistEntry.objects.filter(pk=offer.entry_id).update(status=WaitlistEntry.Status.BOOKED)
    offer_taken(offer)
    return Taken(offer=offer, appointment=lead)


def _gone(offer: WaitlistOffer) -> None:
    """An offer that can no longer be taken: its entry goes back in line."""
    if offer.status == WaitlistOffer.Status.OPEN:
        offer.status = WaitlistOffer.Status.GONE
        offer.save(update_fields=["status"])
        WaitlistEntry.objects.filter(pk=offer.entry_id, status=WaitlistEntry.Status.OFFERED).update(
            status=WaitlistEntry.Status.WAITING
        )


def free_starts(
    entries: Sequence[WaitlistEntry], day: date, *, now: datetime | None = None
) -> dict[int, list[datetime]]:
    """For each entry, the starts on `day` in its window that an offer could hold now, in order.

    What reception may offer by hand: listed by the availability engine
    as the offer books (`offer_time`: the entry's massage for its people,
    with its therapist or anyone, and the notice a client's booking
    keeps), so each one listed can be offered. Entries that want the
    same visit (massage, therapist, people) share one listing, so a long
    line for one massage reads the schedules once.
    """
    listed: dict[tuple[int, int | None, int], list[datetime]] = {}
    zone = _zone()
    starts: dict[int, list[datetime]] = {}
    for entry in entries:
        wanted = (entry.offering_id, entry.therapist_id, entry.people)
        if wanted not in listed:
            parts = [Part(offering=entry.offering, therapist_id=entry.therapist_id)] * entry.people
            slots = visit_slots(
                parts=parts, together=entry.people > 1, start_on=day, end_on=day, now=now
            )
            listed[wanted] = [slot.start_at for slot in slots]
        starts[entry.pk] = [
            start
            for start in listed[wanted]
            if entry.time_from <= start.astimezone(zone).time() <= entry.time_to
        ]
    return starts


def waiting_on(day: date) -> list[WaitlistEntry]:
    """Who waits for a time on `day`, in their order in line (the staff's list)."""
    return list(
        WaitlistEntry.objects.filter(
            date_from__lte=day,
            date_to__gte=day,
            status__in=[WaitlistEntry.Status.WAITING, WaitlistEntry.Status.OFFERED],
        )
        .select_related("offering__massage_type", "therapist")
        .order_by("created_at", "id")
    )
