"""Packages: prepaid sessions of one offering, sold, redeemed visit by visit, given back.

A package is sold at the desk (paid at once, cash or card terminal) or
online (a `ClientPackage` not yet paid and a `Payment` with purpose
package; the gateway's success completes it). Each session used is a
ledger row (`package_redemption`, sessions +1, the package's price per
session, method package); a visit cancelled in time gives its session
back with a row of -1. What is left is always `selectors.sessions_left`,
a sum over the ledger.

The gateway's webhook handler completes an online sale by calling
`complete_package_purchase` for a payment whose purpose is
`Payment.Purpose.PACKAGE` (`ON_PAYMENT_SUCCEEDED` maps the purpose to it).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from booking.models import Appointment, AppointmentEvent, Client, Course, Visit
from booking.services import Actor, cancel_course, confirm_held_appointment
from booking.services.clients import ClientDetails, client_for_booking
from catalog.models import Offering
from payments import errors, notifications
from payments.backends import get_backend
from payments.backends.base import PaymentError
from payments.models import ClientPackage, Entry, Package, Payment
from payments.policies import policy_for
from payments.services.ledger import Movement, record_entry

# The package errors (payments/errors.py), read by callers as packages.<Name> too.
AlreadyRedeemed = errors.AlreadyRedeemed
InvalidMethod = errors.InvalidMethod
NoSessionsLeft = errors.NoSessionsLeft
NotForSale = errors.NotForSale
OtherClient = errors.OtherClient
OtherOffering = errors.OtherOffering
PackageError = errors.PackageError
PackageExpired = errors.PackageExpired
PackageNotPaid = errors.PackageNotPaid
TooFewSessions = errors.TooFewSessions

logger = logging.getLogger(__name__)

CENT = Decimal("0.01")
GATEWAY = Actor(label="gateway")
# Who puts back a course a package could not pay for: the studio, as a
# guest's cut-off may have passed for a session booked this soon.
STUDIO = Actor(label="studio", is_staff=True)
# The private link to a client's package page carries this signed value.
_TOKEN_SALT = "payments.package_page"  # noqa: S105 (a signing salt, not a secret)


def price_per_session(client_package: ClientPackage | Package) -> Decimal:
    """The value of one session: the price shared out, rounded to the cent."""
    share: Decimal = client_package.price / client_package.sessions
    return share.quantize(CENT, rounding=ROUND_HALF_UP)


def _session_value(client_package: ClientPackage, nth: int) -> Decimal:
    """What the nth session used of a package is worth in the ledger.

    Each session is the price shared out to the cent, with the odd cents
    spread over the sessions, so the values of all of them add up to the
    package's price exactly (100.00 for 3 is 33.33, 33.34, 33.33), and
    a package used up has redeemed exactly what was paid for it.
    """
    price: Decimal = client_package.price
    sessions: int = client_package.sessions

    def _up_to(count: int) -> Decimal:
        return (price * count / sessions).quantize(CENT, rounding=ROUND_HALF_UP)

    return _up_to(nth) - _up_to(nth - 1)


def _new_client_package(package: Package, client: Client, *, now: datetime) -> ClientPackage:
    return ClientPackage.objects.create(
        client=client,
        package=package,
        offering_id=package.offering_id,
        sessions=package.sessions,
        price=package.price,
        currency=package.currency,
        bought_at=now,
        expires_at=now + timedelta(days=package.valid_days),
    )


@transaction.atomic(durable=True)
def sell_package_at_desk(
    *, package: Package, client: Client, method: str, actor: Actor, now: datetime | None = None
) -> ClientPackage:
    """Sell a package at the desk, paid at once in cash or on the card terminal.

    The client's package is usable from now until `valid_days` later,
    and the money is a `package_sale` ledger row. Raises InvalidMethod for
    any other method and NotForSale for a package no longer sold.
    """
    now = now or timezone.now()
    if method not in Entry.DESK_METHODS:
        raise InvalidMethod()
    if not package.is_active:
        raise NotForSale()
    client_package = _new_client_package(package, client, now=now)
    client_package.is_paid = True
    client_package.save(update_fields=["is_paid"])
    record_entry(
        movement=Movement(
            kind=Entry.Kind.PACKAGE_SALE,
            method=method,
            amount=client_package.price,
            currency=client_package.currency,
        ),
        actor=actor,
        client=client,
        client_package=client_package,
        now=now,
    )
    return client_package


def start_package_purchase(
    *,
    package: Package,
    client_details: ClientDetails,
    language: str = settings.LANGUAGE_CODE,
    now: datetime | None = None,
) -> Payment:
    """Start buying a package online: the client's package (not paid yet) and its payment.

    The rows are written first, then the gateway is asked for the
    payment (network, outside the transaction), and its reference and
    client secret kept on the payment. Raises NotForSale, and
    PaymentError when the backend takes nothing online or the gateway
    refuses (the payment is then failed with the reason).
    """
    now = now or timezone.now()
    backend = get_backend()
    if not backend.takes_online:
        raise PaymentError(str(_("Packages are sold at the studio.")), code="not_online")
    payment = _write_purchase(
        package=package, client_details=client_details, language=language, now=now
    )
    try:
        gateway = backend.create_payment(
            amount=payment.amount,
            currency=payment.currency,
            description=str(package.name),
            email=client_details.email,
            metadata={"payment": str(payment.pk), "purpose": payment.purpose},
            save_card=False,
            idempotency_key=f"payment-{payment.pk}",
        )
    except PaymentError as error:
        Payment.objects.filter(pk=payment.pk).update(
            status=Payment.Status.FAILED, failure_message=error.message, updated_at=now
        )
        raise
    Payment.objects.filter(pk=payment.pk).update(
        gateway_reference=gateway.reference, client_secret=gateway.client_secret, updated_at=now
    )
    payment.refresh_from_db()
    return payment


@transaction.atomic(durable=True)
def _write_purchase(
    *, package: Package, client_details: ClientDetails, language: str, now: datetime
) -> Payment:
    if not package.is_active:
        raise NotForSale()
    client = client_for_booking(
        details=client_details, actor=Actor.guest(), now=now, language=language
    )
    client_package = _new_client_package(package, client, now=now)
    return Payment.objects.create(
        purpose=Payment.Purpose.PACKAGE,
        client=client,
        client_package=client_package,
        amount=package.price,
        currency=package.currency,
        backend=get_backend().name,
        created_at=now,
        updated_at=now,
    )


@transaction.atomic
def complete_package_purchase(*, payment: Payment, now: datetime | None = None) -> ClientPackage:
    """The gateway has the money for a package: make the package usable, once.

    Runs inside the webhook handler's transaction (or its own): the
    payment is marked succeeded, the client's package paid (valid from
    now for the package's `valid_days`) and the `package_sale` row
    written with the gateway's reference. Called again for the same
    payment (a second event, the return page and the webhook), it
    changes nothing. The client gets the e-mail with the private link
    to their package page once the transaction commits.
    """
    now = now or timezone.now()
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    if payment.purpose != Payment.Purpose.PACKAGE or payment.client_package_id is None:
        raise ValueError("complete_package_purchase takes a package's payment")
    client_package = ClientPackage.objects.select_for_update().get(pk=payment.client_package_id)
    if payment.status != Payment.Status.SUCCEEDED:
        payment.status = Payment.Status.SUCCEEDED
        payment.failure_message = ""
        payment.updated_at = now
        payment.save(update_fields=["status", "failure_message", "updated_at"])
    if client_package.is_paid:
        return client_package
    client_package.is_paid = True
    client_package.bought_at = now
    client_package.expires_at = now + timedelta(days=client_package.package.valid_days)
    client_package.save(update_fields=["is_paid", "bought_at", "expires_at"])
    record_entry(
        movement=Movement(
            kind=Entry.Kind.PACKAGE_SALE,
            method=Entry.Method.ONLINE,
            amount=payment.amount,
            currency=payment.currency,
        ),
        actor=GATEWAY,
        client=payment.client,
        payment=payment,
        client_package=client_package,
        gateway_reference=payment.gateway_reference,
        now=now,
    )
    notifications.write_package_mail(client_package)
    return client_package


def confirm_package_payment(*, payment: Payment, now: datetime | None = None) -> bool:
    """Ask the gateway whether the package's payment went through; complete it if so.

    For the page the browser comes back to after paying, so that the
    client sees their package at once, webhook or not. Returns whether
    the package is paid. The gateway is asked outside any transaction.
    """
    if payment.status == Payment.Status.SUCCEEDED:
        return True
    if not payment.gateway_reference:
        return False
    try:
        reported = get_backend().retrieve(payment_reference=payment.gateway_reference)
    except PaymentError:
        logger.warning("payments: payment %s could not be read", payment.pk)
        return False
    if reported.status != "succeeded":
        return False
    complete_package_purchase(payment=payment, now=now)
    return True


def package_token(client_package: ClientPackage) -> str:
    """The private link's token: the package's id, signed with the site's key."""
    return signing.dumps(str(client_package.pk), salt=_TOKEN_SALT)


def package_for_token(token: str) -> ClientPackage | None:
    """The package a token was made for, or None for a token not made here."""
    try:
        package_id = signing.loads(token, salt=_TOKEN_SALT)
    except signing.BadSignature:
        return None
    return ClientPackage.objects.filter(pk=package_id).first()


def _used_for_visit(client_package: ClientPackage, visit: Visit) -> int:
    used: int = Entry.objects.filter(
        client_package=client_package, visit=visit, kind=Entry.Kind.PACKAGE_REDEMPTION
    ).aggregate(total=Coalesce(Sum("sessions"), 0))["total"]
    return used


def _sessions_used(client_package: ClientPackage) -> int:
    used: int = Entry.objects.filter(
        client_package=client_package, kind=Entry.Kind.PACKAGE_REDEMPTION
    ).aggregate(total=Coalesce(Sum("sessions"), 0))["total"]
    return used


def check_usable(client_package: ClientPackage, visit: Visit, *, now: datetime) -> None:
    """Raise the reason the package cannot pay for the visit, if there is one.

    The package must be the visit's client's, paid, not expired, for the
    visit's massage (every active appointment of it), with a session
    left, and not already paying for this visit.
    """
    if client_package.client_id != visit.client_id:
        raise OtherClient()
    if not client_package.is_paid:
        raise PackageNotPaid()
    if client_package.expires_at <= now:
        raise PackageExpired()
    offerings = {
        appointment.offering_id
        for appointment in visit.appointments.all()
        if appointment.status != Appointment.Status.CANCELLED
    }
    if not offerings or offerings != {client_package.offering_id}:
        raise OtherOffering()
    if _used_for_visit(client_package, visit) > 0:
        raise AlreadyRedeemed()
    if _sessions_used(client_package) >= client_package.sessions:
        raise NoSessionsLeft()


def _redeem(client_package: ClientPackage, visit: Visit, *, actor: Actor, now: datetime) -> Entry:
    # The package's row lock: two desks redeeming its last session take
    # turns, and the second finds none left.
    locked = ClientPackage.objects.select_for_update().get(pk=client_package.pk)
    check_usable(locked, visit, now=now)
    return record_entry(
        movement=Movement(
            kind=Entry.Kind.PACKAGE_REDEMPTION,
            method=Entry.Method.PACKAGE,
            amount=_session_value(locked, _sessions_used(locked) + 1),
            currency=locked.currency,
            sessions=1,
        ),
        actor=actor,
        client=visit.client,
        visit=visit,
        client_package=locked,
        now=now,
    )


@transaction.atomic(durable=True)
def redeem_session(
    *, client_package: ClientPackage, visit: Visit, actor: Actor, now: datetime | None = None
) -> Entry:
    """Use one session of the package to pay for the visit.

    A `package_redemption` row: one session, the package's price per
    session applied to the visit. Raises OtherClient, PackageNotPaid,
    PackageExpired, OtherOffering, AlreadyRedeemed or NoSessionsLeft
    (`check_usable`); the package's row is locked first, so of two
    desks redeeming its last session one wins.
    """
    now = now or timezone.now()
    return _redeem(client_package, visit, actor=actor, now=now)


@transaction.atomic(durable=True)
def redeem_sessions(
    *,
    client_package: ClientPackage,
    visits: Iterable[Visit],
    actor: Actor,
    now: datetime | None = None,
) -> list[Entry]:
    """Use one session per visit (a course's), all of them or none; raises as `redeem_session`."""
    now = now or timezone.now()
    return [_redeem(client_package, visit, actor=actor, now=now) for visit in visits]


def check_usable_for_course(
    client_package: ClientPackage, *, offering: Offering, email: str, now: datetime
) -> None:
    """Raise the reason the package cannot pay for a whole course of `offering`, if any.

    Checked before the course is booked, so a package that cannot pay
    books nothing: the package must be for that massage, paid, not
    expired, with a session left for every session of the course, and
    the booking's e-mail must be its client's (the package's private
    link proved that mailbox, not another).
    """
    if client_package.client.email.casefold() != email.strip().casefold():
        raise OtherClient()
    if not client_package.is_paid:
        raise PackageNotPaid()
    if client_package.expires_at <= now:
        raise PackageExpired()
    if client_package.offering_id != offering.pk:
        raise OtherOffering()
    if client_package.sessions - _sessions_used(client_package) < (offering.course_sessions or 0):
        raise TooFewSessions()


def book_course_with_package(
    *,
    client_package: ClientPackage,
    offering: Offering,
    email: str,
    book: Callable[[], Course],
    actor: Actor,
    now: datetime | None = None,
) -> Course:
    """Book a course and pay every session with one session of the package, or book nothing.

    `book` books the course (`booking.services.book_course`, without a
    payment hold: the package pays). The package is checked first
    (`check_usable_for_course`). A course held until its e-mailed link is
    opened is confirmed at once: the package's private link proved the
    mailbox. Then one session is redeemed per visit of the course, all or
    none (`redeem_sessions`); if that fails (the package used meanwhile)
    the course is cancelled again, as the studio, and the PackageError
    raised.
    """
    now = now or timezone.now()
    check_usable_for_course(client_package, offering=offering, email=email, now=now)
    course = book()
    sessions = list(Visit.objects.filter(course=course).order_by("start_at", "id"))
    lead = Appointment.objects.filter(visit=sessions[0]).order_by("start_at", "id").first()
    if lead is not None and sessions[0].status == Visit.Status.HELD:
        confirm_held_appointment(appointment=lead, actor=actor)
    try:
        redeem_sessions(client_package=client_package, visits=sessions, actor=actor)
    except PackageError as error:
        cancel_course(course=course, actor=STUDIO, reason=error.message)
        raise
    return course


def _cancelled_at(visit: Visit) -> datetime | None:
    event = (
        AppointmentEvent.objects.filter(
            appointment__visit=visit, action=AppointmentEvent.Action.CANCELLED
        )
        .order_by("-created_at")
        .first()
    )
    return event.created_at if event is not None else None


def is_cancelled_in_time(visit: Visit, *, cancelled_at: datetime) -> bool:
    """Before the policy's cut-off: more than `fee_cutoff_hours` ahead of the start."""
    lead = visit.appointments.order_by("start_at", "id").first()
    if lead is None:
        return False
    hours = policy_for(lead.offering_id).fee_cutoff_hours
    return visit.start_at - cancelled_at > timedelta(hours=hours)


@transaction.atomic(durable=True)
def give_back_session(*, visit: Visit, actor: Actor, now: datetime | None = None) -> list[Entry]:
    """Give back the sessions a cancelled visit used, when it was cancelled in time.

    In time is before the payment policy's cut-off (`fee_cutoff_hours`
    before the start, `payments.policies`); a late cancellation or a
    no-show keeps its session used, and so does a visit still active.
    Each session given back is a row of -1 session and minus its value.
    Called again (the task delivered twice), it gives nothing more: the
    package's row is locked and what the visit still holds counted
    first.
    """
    now = now or timezone.now()
    visit = Visit.objects.get(pk=visit.pk)
    if visit.status != Visit.Status.CANCELLED:
        return []
    cancelled_at = _cancelled_at(visit) or now
    if not is_cancelled_in_time(visit, cancelled_at=cancelled_at):
        return []
    package_ids = sorted(
        set(
            Entry.objects.filter(visit=visit, kind=Entry.Kind.PACKAGE_REDEMPTION).values_list(
                "client_package_id", flat=True
            )
        ),
        key=str,
    )
    given: list[Entry] = []
    for package_id in package_ids:
        locked = ClientPackage.objects.select_for_update().get(pk=package_id)
        given += [
            _give_back_one(locked, visit, actor=actor, now=now)
            for _session in range(_used_for_visit(locked, visit))
        ]
    return given


def _give_back_one(
    client_package: ClientPackage, visit: Visit, *, actor: Actor, now: datetime
) -> Entry:
    return record_entry(
        movement=Movement(
            kind=Entry.Kind.PACKAGE_REDEMPTION,
            method=Entry.Method.PACKAGE,
            amount=-_session_value(client_package, _sessions_used(client_package)),
            currency=client_package.currency,
            sessions=-1,
        ),
        actor=actor,
        client=visit.client,
        visit=visit,
        client_package=client_package,
        note=str(_("Cancelled in time: the session is given back.")),
        now=now,
    )
