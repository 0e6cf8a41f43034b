"""Limits the studio sets on what one source may book and change online.

One anonymous client must not empty the calendar, nor send a hundred
e-mails by moving one booking back and forth (DESIGN.md, invariant 7).
The API and the website call these services around the booking
services; staff and integrations (users with the booking permissions)
are not limited here, only by the API's per-user throttle.

- Bookings per hour, per IP address (as `studio.clientip.client_ip`
  sees it through `TRUSTED_PROXIES`; an IPv6 client by its /64, which
  one home gets whole), per e-mail and per phone. Counted on the shared
  cache with atomic increments, in fixed hourly windows, so every web
  process counts the same.
- Future bookings held at once, per e-mail and per phone: counted in the
  database (confirmed or held appointments that start after now with that
  contact e-mail, or that phone in the E.164 form every booking stores
  it in), so a cancellation or a visit that has taken
  place frees its place.
- Future bookings held at once, per address: counted the same way by
  `Appointment.booked_from`, a keyed hash of the address (as the hourly
  limit counts it), never the address itself, kept only while the
  booking is to come. Many clients share one address (an office, a
  hotel), so its allowance is higher than an e-mail's; without it, one
  address could hold 10 bookings an hour, 240 a day, under made-up
  e-mails and phones.
- Moves per booking by a guest. A cancellation is never refused: it
  frees the time and ends the booking, so it can send one e-mail only.

Each limit is a setting; 0 turns it off. A refusal is `RateLimited`,
which carries `retry_after` in seconds.
"""

from __future__ import annotations

import hashlib
import math
import operator
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import reduce
from ipaddress import IPv6Address, ip_address, ip_network

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, PermissionsMixin
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import Count, Min, Q
from django.db.models.functions import Coalesce, Lower
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import get_language, gettext, ngettext

from booking import errors, phones
from booking.models import Appointment
from booking.services.actors import Actor
from studio.identity import studio_identity
from studio.throttling import Window, count_hit, give_back

HOUR = 3600
# Derives the key of `booked_from_key` from SECRET_KEY for that use alone.
_BOOKED_FROM_SALT = "booking.services.limits.booked_from"


def normalise_email(email: str) -> str:
    """The e-mail as the limits count it: trimmed and in lower case."""
    return email.strip().lower()


def _phone_as_stored(phone: str) -> str:
    """The phone number as the limits count it: in E.164, as bookings store it.

    `030 1234567`, `0049-30-123 45 67` and `+49 (30) 1234567` are one
    number, by the project's one phone check (`booking.phones`). The API,
    the website and the admin have read every number through it already,
    so this changes nothing they pass; text that is no number (which none
    of them lets through) is counted as it is, trimmed.
    """
    text = phone.strip()
    if not text:
        return ""
    try:
        return phones.normalise_phone(text)
    except ValidationError:
        return text


def is_exempt(user: AbstractBaseUser | AnonymousUser | None) -> bool:
    """Staff and integrations who may book for anyone are not limited here."""
    return isinstance(user, PermissionsMixin) and user.has_perm("booking.add_appointment")


@dataclass(frozen=True)
class _Limit:
    """One hourly counter: what it counts, its cache key and its allowance."""

    name: str
    key: str
    allowance: int


@contextmanager
def limit_booking(
    *,
    ip: str,
    email: str,
    phone: str,
    user: AbstractBaseUser | AnonymousUser | None = None,
    now: datetime | None = None,
) -> Iterator[str]:
    """Count a booking against the studio's limits; the block makes it.

    Refuses with RateLimited when the e-mail or the phone already holds
    STUDIO_LIMIT_ACTIVE_BOOKINGS future bookings, the address
    STUDIO_LIMIT_ACTIVE_BOOKINGS_PER_IP, or when the address,
    the e-mail or the phone has made its STUDIO_LIMIT_BOOKINGS_PER_HOUR_*
    this hour. The hourly counts are taken before the block runs, each
    by one atomic increment, so concurrent requests in any process can
    never pass more than the limit between them; if the block raises (the
    booking was refused or failed), the counts are given back.

    The block receives what the booking stores as `booked_from` (pass it
    to `book_appointment`): the address's keyed hash, or "" for staff and
    integrations, who are not limited and so not counted.
    """
    if is_exempt(user):
        yield ""
        return
    now = now or timezone.now()
    email, phone = normalise_email(email), _phone_as_stored(phone)
    booked_from = booked_from_key(ip)
    _check_held(email=email, phone=phone, booked_from=booked_from, now=now)
    window = Window.around(now.timestamp(), HOUR)
    limits = [
        _Limit("ip", _ip_key(ip), settings.STUDIO_LIMIT_BOOKINGS_PER_HOUR_PER_IP),
        _Limit("email", _hashed(email), settings.STUDIO_LIMIT_BOOKINGS_PER_HOUR_PER_EMAIL),
        _Limit("phone", _hashed(phone), settings.STUDIO_LIMIT_BOOKINGS_PER_HOUR_PER_PHONE),
    ]
    taken: list[str] = []
    for limit in limits:
        if limit.allowance <= 0 or not limit.key:
            continue
        key = window.key(f"limits:book:{limit.name}:{limit.key}")
        count = count_hit(key, timeout=2 * HOUR)
        taken.append(key)
        if count > limit.allowance:
            _give_back_all(taken)
            seconds = window.seconds_left(now.timestamp())
            raise errors.RateLimited(_too_many_per_hour(limit.name, seconds), retry_after=seconds)
    try:
        yield booked_from
    except BaseException:
        _give_back_all(taken)
        raise


@contextmanager
def limit_guest_change(
    *, appointment: Appointment, actor: Actor, now: datetime | None = None
) -> Iterator[None]:
    """Count a guest's move of `appointment`; the block moves it.

    A guest may move one booking STUDIO_LIMIT_CHANGES_PER_BOOKING times;
    after that RateLimited says to call the studio. Staff and
    integrations are not counted. The count is one atomic increment on
    the shared cache, given back if the block raises (the time was
    taken, say). It lives until the horizon has passed since the last
    move, by when the appointment is over.
    """
    allowance: int = settings.STUDIO_LIMIT_CHANGES_PER_BOOKING
    if actor.is_staff or allowance <= 0:
        yield
        return
    now = now or timezone.now()
    key = f"limits:changes:{appointment.pk}"
    lifetime = int(timedelta(days=settings.STUDIO_HORIZON_DAYS + 1).total_seconds())
    count = count_hit(key, timeout=lifetime)
    # Keep the count as long as the booking can still be moved.
    cache.touch(key, lifetime)
    if count > allowance:
        give_back(key)
        seconds = int((appointment.start_at - now).total_seconds())
        raise errors.RateLimited(_too_many_changes(allowance), retry_after=seconds)
    try:
        yield
    except BaseException:
        give_back(key)
        raise


def _check_held(*, email: str, phone: str, booked_from: str, now: datetime) -> None:
    """Refuse a booking when its person or its address already holds the most future bookings.

    The person is the e-mail or the phone (STUDIO_LIMIT_ACTIVE_BOOKINGS),
    the address its keyed hash (STUDIO_LIMIT_ACTIVE_BOOKINGS_PER_IP).
    Bookings, not appointments: a visit of several massages or people, or
    a whole course, counts once. One query over the active appointments
    (confirmed or held) that start after now and match any of them, served by the index on
    `start_at` and the partial index `booking_appt_booked_from`: its cost
    follows the bookings ahead, not the studio's history. Two bookings at
    the same moment may both find one place left; the hourly counts,
    which are atomic, bound how far past the limit that can go.
    """
    per_person: int = settings.STUDIO_LIMIT_ACTIVE_BOOKINGS
    per_address: int = settings.STUDIO_LIMIT_ACTIVE_BOOKINGS_PER_IP
    whose: dict[str, Q] = {}
    if per_person > 0 and (email or phone):
        conditions = []
        if email:
            conditions.append(Q(email_lower=email))
        if phone:
            # Stored in E.164 by every entry point, so compared as it is.
            conditions.append(Q(contact_phone=phone))
        whose["person"] = reduce(operator.or_, conditions)
    if per_address > 0 and booked_from:
        whose["address"] = Q(booked_from=booked_from)
    if not whose:
        return
    # A booking is a visit, or a whole course however many sessions it
    # has: a couple's visit or a course of eight is one booking, as the
    # client made it, not two or eight appointments.
    booking = Coalesce("visit__course_id", "visit_id")
    aggregates: dict[str, Count | Min] = {}
    for name, held in whose.items():
        aggregates[f"{name}_count"] = Count(booking, filter=held, distinct=True)
        aggregates[f"{name}_first"] = Min("start_at", filter=held)
    found = (
        Appointment.objects.filter(status__in=Appointment.ACTIVE_STATUSES, start_at__gt=now)
        .alias(email_lower=Lower("contact_email"))
        .filter(reduce(operator.or_, whose.values()))
        .aggregate(**aggregates)
    )
    # A place frees itself when the soonest of them has started.
    if "person" in whose and found["person_count"] >= per_person:
        seconds = int((found["person_first"] - now).total_seconds())
        raise errors.RateLimited(_too_many_held(found["person_count"]), retry_after=seconds)
    if "address" in whose and found["address_count"] >= per_address:
        seconds = int((found["address_first"] - now).total_seconds())
        raise errors.RateLimited(_too_many_held_from(found["address_count"]), retry_after=seconds)


def booked_from_key(ip: str) -> str:
    """What a booking from `ip` stores as `booked_from`: a keyed hash, never the address.

    The address as the limits count it (`_ip_key`: an IPv6 client by its
    /64), through HMAC-SHA256 with a key derived from SECRET_KEY for this
    use alone: the same address gives the same value, so its bookings
    can be counted, but the value cannot be turned back into the
    address without the key, nor matched against a list of addresses.
    Empty when there is no address to count.
    """
    address = _ip_key(ip)
    if not address:
        return ""
    return salted_hmac(_BOOKED_FROM_SALT, address, algorithm="sha256").hexdigest()


def _ip_key(ip: str) -> str:
    """The address as the limits count it; IPv6 by its /64, which one client gets whole."""
    try:
        address = ip_address(ip)
    except ValueError:
        return ip
    if isinstance(address, IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ip_network(f"{address}/64", strict=False))
    return str(address)


def _hashed(value: str) -> str:
    """A cache key part for an e-mail or phone: fixed length, and not the value itself."""
    if not value:
        return ""
    return hashlib.sha256(value.encode()).hexdigest()[:32]


def _give_back_all(keys: list[str]) -> None:
    for key in keys:
        give_back(key)


def _call_the_studio() -> str:
    phone = studio_identity(get_language())["studio_phone"]
    if phone:
        return gettext("call the studio on %(phone)s") % {"phone": phone}
    return gettext("call the studio")


def _too_many_per_hour(counted: str, seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    reasons = {
        "ip": gettext("Too many bookings have been made from your network in the last hour."),
        "email": gettext("Too many bookings have been made with this e-mail in the last hour."),
        "phone": gettext("Too many bookings have been made with this phone in the last hour."),
    }
    what_to_do = ngettext(
        "Please try again in %(minutes)d minute, or %(call)s.",
        "Please try again in %(minutes)d minutes, or %(call)s.",
        minutes,
    ) % {"minutes": minutes, "call": _call_the_studio()}
    return f"{reasons[counted]} {what_to_do}"


def _too_many_held(count: int) -> str:
    reason = ngettext(
        "You already have %(count)d upcoming booking, the most the studio takes online.",
        "You already have %(count)d upcoming bookings, the most the studio takes online.",
        count,
    ) % {"count": count}
    what_to_do = gettext("To book more, please %(call)s.") % {"call": _call_the_studio()}
    return f"{reason} {what_to_do}"


def _too_many_held_from(count: int) -> str:
    reason = ngettext(
        "%(count)d upcoming booking has been made online from your network, "
        "the most the studio takes from one network.",
        "%(count)d upcoming bookings have been made online from your network, "
        "the most the studio takes from one network.",
        count,
    ) % {"count": count}
    what_to_do = gettext("To book more, please %(call)s.") % {"call": _call_the_studio()}
    return f"{reason} {what_to_do}"


def _too_many_changes(allowance: int) -> str:
    reason = ngettext(
        "This booking has been moved %(count)d time online, the most the studio allows.",
        "This booking has been moved %(count)d times online, the most the studio allows.",
        allowance,
    ) % {"count": allowance}
    what_to_do = gettext("To change it again, please %(call)s.") % {"call": _call_the_studio()}
    return f"{reason} {what_to_do}"
