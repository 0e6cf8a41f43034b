"""The client record: which one a booking links to, and who may change it.

A booking made with an e-mail alone never changes a stored client: the
appointment keeps the details it was booked with (`contact_*`), its
messages go there, and it links to the client with that e-mail only as
unverified (DESIGN.md, "Public safety"). The record changes through
staff (the admin, a phone booking that asks to, a merge), or through a
link sent to the record's own e-mail that the person opens.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext

from booking import errors, selectors
from booking.models import Appointment, AppointmentEvent, Client, Course, Therapist, Visit

if TYPE_CHECKING:
    from booking.services.actors import Actor

logger = logging.getLogger(__name__)

# What the signature of a "use these details" link is for, so that no
# other signed value of the site passes for one.
DETAILS_LINK_SALT = "booking.client-details"
DETAILS_LINK_MAX_AGE = timedelta(days=7)


@dataclass(frozen=True)
class ClientDetails:
    name: str
    email: str
    phone: str


def client_for_booking(
    *,
    details: ClientDetails,
    actor: Actor,
    now: datetime,
    update_record: bool = False,
    language: str = settings.LANGUAGE_CODE,
) -> Client:
    """The client record a booking links to: the one with this e-mail, in any letter case.

    Staff may book with a phone alone (`_client_by_phone`). With none,
    a new record is made from the details, in the booking's
    `language`. An existing record
    is left as it is, whoever books: only staff who ask to
    (`update_record`, e.g. on a phone call with the client) write the
    name and phone they took down onto it. Raises BookingError when a
    caller who is not staff asks to update the record.
    """
    if update_record and not actor.is_staff:
        raise errors.BookingError(gettext("Only staff change a client's record while booking."))
    if not details.email:
        return _client_by_phone(details, actor=actor, language=language, now=now)
    if connection.vendor == "postgresql":
        client = _made_or_found(details, language=language, now=now)
    else:
        client = selectors.clients_with_email(email=details.email).first()
    if client is None:
        try:
            with transaction.atomic():
                return Client.objects.create(
                    name=details.name,
                    email=details.email,
                    phone=details.phone,
                    language=language,
                    created_at=now,
                )
        except IntegrityError:
            # A concurrent first booking with the same e-mail made the row.
            client = selectors.clients_with_email(email=details.email).get()
    if update_record and (client.name, client.phone) != (details.name, details.phone):
        client.name, client.phone = details.name, details.phone
        client.save(update_fields=["name", "phone"])
    return client


def _client_by_phone(
    details: ClientDetails, *, actor: Actor, language: str, now: datetime
) -> Client:
    """The record with this phone, or a new one: a booking staff take without an e-mail.

    Only staff book without an e-mail (a client at the desk or on the
    phone gives their number in person); everyone else is refused with
    BookingError, since a phone alone proves nothing online. Of several
    records with the number, the oldest. The phone is the one
    `booking.phones` normalised, so one number is spelled one way.

    Two desks booking the same new number at once make one record: on
    PostgreSQL the lookup waits for a transaction lock on the number
    (`_lock_phone`), so the second desk reads the first's record once
    that booking commits; on SQLite the booking's immediate transaction
    already runs one writer at a time. The phone is not unique in the
    table: a household shares a landline, and a client with an e-mail
    may give the number of someone else's record.
    """
    if not actor.is_staff or not details.phone:
        raise errors.BookingError(gettext("A booking needs the client's e-mail address."))
    _lock_phone(details.phone)
    client = Client.objects.filter(phone=details.phone).order_by("pk").first()
    if client is not None:
        return client
    return Client.objects.create(
        name=details.name, email="", phone=details.phone, language=language, created_at=now
    )


# The advisory lock's key: one bigint per phone number, within the
# booking's own key space (the first 8 bytes of a hash of the number).
_PHONE_LOCK_SPACE = b"booking.client-phone:"


def _lock_phone(phone: str) -> None:
    """Hold a PostgreSQL lock on this phone number until the transaction ends.

    Must run inside the booking's transaction (it is released at COMMIT
    or ROLLBACK). Without it, two desks could each find no record with
    a new number and each insert one. SQLite needs none: its booking
    transaction is immediate, one writer at a time.
    """
    if connection.vendor != "postgresql":
        return
    digest = hashlib.sha256(_PHONE_LOCK_SPACE + phone.encode()).digest()
    key = int.from_bytes(digest[:8], "big", signed=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


# One round trip for a new client and for a known one: the INSERT leaves
# the row out when the e-mail (in any letter case) has one, and the
# SELECT finds that one. A record a concurrent booking is making is
# seen by neither (the SELECT's snapshot is older): then no row comes.
_MADE_OR_FOUND = """
    WITH made AS (
        INSERT INTO booking_client (name, email, phone, language, created_at)
        VALUES (%(name)s, %(email)s, %(phone)s, %(language)s, %(now)s)
        ON CONFLICT DO NOTHING
        RETURNING *
    )
    SELECT * FROM made
    UNION ALL
    SELECT * FROM booking_client WHERE lower(email) = lower(%(email)s)
    LIMIT 1
"""


def _made_or_found(details: ClientDetails, *, language: str, now: datetime) -> Client | None:
    """The record with this e-mail, made now when there was none; None if another is making it."""
    params = {
        "name": details.name,
        "email": details.email,
        "phone": details.phone,
        "language": language,
        "now": now,
    }
    return next(iter(Client.objects.raw(_MADE_OR_FOUND, params)), None)


def offers_record_update(appointment: Appointment) -> bool:
    """Whether the confirmation should offer to put the booked details on the record.

    Only when the booking went to the record's own e-mail (so the link
    reaches the person the record is about), is not verified yet, and
    its name or phone differ from the record's.
    """
    client = appointment.client
    return (
        not appointment.is_client_verified
        and appointment.contact_email.lower() == client.email.lower()
        and (appointment.contact_name, appointment.contact_phone) != (client.name, client.phone)
    )


def details_link_token(appointment: Appointment) -> str:
    """The signed token of the link "Use these details for your client record".

    It holds the ids and a digest of what it would write (the booked
    name and phone, and the record's e-mail it was sent to), not the
    details themselves, so no name or phone travels in a URL; the link
    stops working once any of them changes, or after
    DETAILS_LINK_MAX_AGE.
    """
    return signing.dumps(
        {
            "client": appointment.client_id,
            "appointment": str(appointment.pk),
            "digest": _details_digest(appointment, appointment.client),
        },
        salt=DETAILS_LINK_SALT,
        compress=True,
    )


def appointment_for_details_link(token: str) -> Appointment | None:
    """The appointment whose details the link would write, or None if it is not valid (any more)."""
    try:
        payload = signing.loads(token, salt=DETAILS_LINK_SALT, max_age=DETAILS_LINK_MAX_AGE)
    except signing.BadSignature:  # expired links too (SignatureExpired)
        return None
    if not isinstance(payload, dict):
        return None
    appointment_id, client_id = payload.get("appointment"), payload.get("client")
    if not isinstance(appointment_id, str) or not isinstance(client_id, int):
        return None
    appointment = (
        Appointment.objects.select_related("client", "offering", "therapist")
        .filter(pk=appointment_id, client_id=client_id)
        .first()
    )
    if appointment is None or payload.get("digest") != _details_digest(
        appointment, appointment.client
    ):
        return None
    return appointment


def _details_digest(appointment: Appointment, client: Client) -> str:
    parts = (client.email.lower(), appointment.contact_name, appointment.contact_phone)
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:32]


@transaction.atomic(durable=True)
def update_client_from_booking(*, appointment: Appointment, now: datetime | None = None) -> Client:
    """Put an appointment's booked name and phone on its client record, by the e-mailed link.

    Opening the link proves the person reads the record's e-mail, so the
    record takes the details, notes when the e-mail was proven
    (`email_verified_at`), and the appointment counts as the client's
    own (`is_client_verified`). Raises BookingError when the booking
    was not made with the record's e-mail (the link must never have
    been sent then).
    """
    now = now or timezone.now()
    client = Client.objects.select_for_update().get(pk=appointment.client_id)
    appointment = Appointment.objects.select_for_update(of=("self",)).get(pk=appointment.pk)
    if appointment.contact_email.lower() != client.email.lower():
        raise errors.BookingError(
            gettext("This booking was not made with the e-mail of this record.")
        )
    client.name, client.phone = appointment.contact_name, appointment.contact_phone
    client.email_verified_at = now
    client.save(update_fields=["name", "phone", "email_verified_at"])
    appointment.is_client_verified = True
    appointment.updated_at = now
    appointment.save(update_fields=["is_client_verified", "updated_at"])
    Visit.objects.filter(pk=appointment.visit_id).update(is_client_verified=True, updated_at=now)
    Appointment.objects.filter(visit_id=appointment.visit_id).update(is_client_verified=True)
    AppointmentEvent.objects.create(
        appointment=appointment,
        action=AppointmentEvent.Action.CLIENT_VERIFIED,
        actor="client (e-mail link)",
        details={"client": client.pk},
        created_at=now,
    )
    return client


# Not durable: the admin saves a client inside its own transaction,
# together with the page's inlines.
@transaction.atomic
def change_client(
    *,
    client: Client,
    name: str,
    email: str,
    phone: str,
    by: Actor,
    language: str | None = None,
) -> Client:
    """Staff change a client's record; `language` None keeps the record's.

    A new e-mail address is not proven yet, so `email_verified_at` is
    cleared with it. Raises BookingError for anyone who is not staff,
    and ValueError for a language not in settings.LANGUAGES.
    """
    if not by.is_staff:
        raise errors.BookingError(gettext("Only staff change a client's record."))
    if language is not None and language not in dict(settings.LANGUAGES):
        raise ValueError(f"language {language!r} is not one of settings.LANGUAGES")
    locked = Client.objects.select_for_update().get(pk=client.pk)
    if email.lower() != locked.email.lower():
        locked.email_verified_at = None
    locked.name, locked.email, locked.phone = name, email, phone
    locked.language = language or locked.language
    locked.save(update_fields=["name", "email", "phone", "language", "email_verified_at"])
    logger.info("Client %s changed by %s", locked.pk, by.label)
    return locked


@transaction.atomic(durable=True)
def merge_clients(
    *, keep: Client, duplicates: Iterable[Client], by: Actor, now: datetime | None = None
) -> Client:
    """Merge duplicate client records into `keep`: their appointments move, they go.

    All in one transaction, the records locked in id order. Each moved
    appointment records the merge in its history; `keep`'s name, e-mail
    and phone stay as they are. Raises CannotMerge without a duplicate
    other than `keep`, or when a record is gone meanwhile, and
    BookingError for anyone who is not staff.
    """
    now = now or timezone.now()
    if not by.is_staff:
        raise errors.BookingError(gettext("Only staff merge client records."))
    duplicate_ids = sorted({client.pk for client in duplicates} - {keep.pk})
    if not duplicate_ids:
        raise errors.CannotMerge()
    locked = list(
        Client.objects.select_for_update()
        .filter(pk__in=[keep.pk, *duplicate_ids])
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if len(locked) != len(duplicate_ids) + 1:
        raise errors.CannotMerge(
            gettext("A client to merge no longer exists. Please choose again.")
        )
    moved = list(
        Appointment.objects.filter(client_id__in=duplicate_ids).values_list("pk", "client_id")
    )
    Appointment.objects.filter(client_id__in=duplicate_ids).update(client=keep, updated_at=now)
    Visit.objects.filter(client_id__in=duplicate_ids).update(client=keep, updated_at=now)
    Course.objects.filter(client_id__in=duplicate_ids).update(client=keep)
    AppointmentEvent.objects.bulk_create(
        AppointmentEvent(
            appointment_id=appointment_id,
            action=AppointmentEvent.Action.CLIENT_MERGED,
            actor=by.label,
            user_id=by.user_id,
            details={"from_client": from_client, "into_client": keep.pk},
            created_at=now,
        )
        for appointment_id, from_client in moved
    )
    Client.objects.filter(pk__in=duplicate_ids).delete()
    logger.info(
        "Clients %s merged into %s by %s (%d appointments moved)",
        duplicate_ids,
        keep.pk,
        by.label,
        len(moved),
    )
    return Client.objects.get(pk=keep.pk)


@transaction.atomic(durable=True)
def change_preferences(
    *,
    client: Client,
    pressure: str,
    preferred_therapist: Therapist | None,
    therapist_gender: str,
    allergies: str,
    staff_notes: str,
    by: Actor,
) -> Client:
    """Staff write down how a client likes their massage, and their own notes about them.

    The client never sees these. Raises BookingError for anyone who is
    not staff, and ValueError for a pressure or gender that is not one
    of the model's choices (a form offers only those).
    """
    if not by.is_staff:
        raise errors.BookingError(gettext("Only staff change a client's preferences."))
    if pressure not in {"", *Client.Pressure.values}:
        raise ValueError(f"pressure {pressure!r} is not one of Client.Pressure")
    if therapist_gender not in {"", *Client.TherapistGender.values}:
        raise ValueError(
            f"therapist_gender {therapist_gender!r} is not one of Client.TherapistGender"
        )
    locked = Client.objects.select_for_update().get(pk=client.pk)
    locked.pressure = pressure
    locked.preferred_therapist = preferred_therapist
    locked.therapist_gender = therapist_gender
    locked.allergies = allergies
    locked.staff_notes = staff_notes
    locked.save(
        update_fields=[
            "pressure",
            "preferred_therapist",
            "therapist_gender",
            "allergies",
            "staff_notes",
        ]
    )
    # Never the notes themselves: they may name a condition (health data).
    logger.info("Preferences of client %s changed by %s", locked.pk, by.label)
    return locked
