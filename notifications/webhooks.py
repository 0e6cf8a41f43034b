"""Webhooks: signed events out to the URLs that integrations subscribe.

An event is written in the transaction of the change it describes
(`record_event`; booking's through `booking.outbox`, payments' directly),
with the resource as the API showed it then, and one outbox message per
subscription to its type: the dispatcher of `notifications.services`
claims, leases and retries those like every other message, and
`send_delivery` below posts them.

Deliveries of one visit to one subscription leave in the order their
events happened: a delivery waits while an earlier one of the same visit
and subscription is still to send (`Deferred`), across retries too. A
subscription whose deliveries keep failing is paused, its deliveries
kept; staff are told, and resuming sends what was kept.

Receivers are checked at subscription and again at each delivery, with
the host resolved each time (`check_url`): https only, no private,
loopback, link-local, multicast or reserved address unless
STUDIO_WEBHOOKS_ALLOW_PRIVATE; in development (DEBUG or
STUDIO_WEBHOOKS_ALLOW_HTTP_LOOPBACK) a receiver on this machine's
loopback is allowed, by http too. A delivery connects to the very
address that was checked (`_post_pinned`), with the host name kept for
the Host header and the TLS certificate, so a name that resolves to a
public address for the check and to a private one a moment later (DNS
rebinding) cannot lead it inside. Redirects are never followed: a 3xx
is a failure like any other answer outside 2xx.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import ipaddress
import json
import logging
import secrets
import socket
import time
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.contrib.auth.models import User
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework.renderers import JSONRenderer

from booking import selectors
from booking.models import Visit
from booking.services.privacy import ERASED_NAME, erased_email
from notifications import senders, services
from notifications.models import Message, WaitlistOffer, WebhookEvent, WebhookSubscription

logger = logging.getLogger(__name__)

VISIT_BOOKED = "visit.booked"
VISIT_MOVED = "visit.moved"
VISIT_CANCELLED = "visit.cancelled"
VISIT_COMPLETED = "visit.completed"
VISIT_NO_SHOW = "visit.no_show"
PAYMENT_RECEIVED = "payment.received"
PAYMENT_REFUNDED = "payment.refunded"
WAITLIST_OFFER_MADE = "waitlist.offer_made"
WAITLIST_OFFER_TAKEN = "waitlist.offer_taken"

EVENT_TYPES = {
    VISIT_BOOKED: _("A visit was booked: confirmed at once, or when its hold was confirmed."),
    VISIT_MOVED: _("A visit was moved to another time."),
    VISIT_CANCELLED: _("A visit was cancelled."),
    VISIT_COMPLETED: _("A visit was marked completed."),
    VISIT_NO_SHOW: _("A visit was marked a no-show."),
    PAYMENT_RECEIVED: _("Money was received for a visit, a package or a gift card."),
    PAYMENT_REFUNDED: _("Money was given back."),
    WAITLIST_OFFER_MADE: _("A freed time was offered to a waitlist entry."),
    WAITLIST_OFFER_TAKEN: _("A waitlist offer was taken and booked."),
}

SIGNATURE_HEADER = "X-Studio-Signature"
EVENT_HEADER = "X-Studio-Event"
DELIVERY_HEADER = "X-Studio-Delivery"

# How long a delivery waits behind an earlier one of its visit that is
# being sent right now, before it looks again.
_WAIT_BEHIND_SENDING = timedelta(seconds=5)
# A paused subscription's deliveries are looked at again this often;
# resuming makes them due at once.
_WAIT_WHILE_PAUSED = timedelta(days=1)
# Rows the retention sweep deletes per statement.
_SWEEP_BATCH = 500


class DeliveryFailed(Exception):
    """The receiver did not answer 2xx in time."""


# Subscriptions -----------------------------------------------------------


def check_url(url: str) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    """Refuse a receiver the studio must not call; the addresses it may be called at.

    Raises ValidationError on `url`. https only; in development (DEBUG
    or STUDIO_WEBHOOKS_ALLOW_HTTP_LOOPBACK) a loopback host is allowed,
    by http too. The host is resolved now, and every address it
    resolves to must be public unless STUDIO_WEBHOOKS_ALLOW_PRIVATE: a
    name that points inside the studio's network would let a subscriber
    reach what only the studio's servers can.
    """
    parts = urlsplit(url)
    host = parts.hostname
    if not host or parts.scheme not in {"http", "https"}:
        raise ValidationError({"url": gettext("Enter an https URL.")}, code="invalid_url")
    if parts.username or parts.password:
        raise ValidationError(
            {"url": gettext("A webhook URL cannot carry a user name or password.")},
            code="invalid_url",
        )
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise ValidationError({"url": gettext("Enter an https URL.")}, code="invalid_url") from None
    addresses = _resolve(host, port)
    on_loopback = (
        _loopback_allowed() and bool(addresses) and all(_unmapped(a).is_loopback for a in addresses)
    )
    if (
        not on_loopback
        and not settings.STUDIO_WEBHOOKS_ALLOW_PRIVATE
        and any(_is_private(a) for a in addresses)
    ):
        raise ValidationError(
            {"url": gettext("This host is on a private network: webhooks cannot go there.")},
            code="private_url",
        )
    if parts.scheme == "http" and not on_loopback:
        raise ValidationError(
            {"url": gettext("Webhooks are sent only to https URLs.")}, code="insecure_url"
        )
    return addresses


def _loopback_allowed() -> bool:
    return bool(settings.DEBUG or settings.STUDIO_WEBHOOKS_ALLOW_HTTP_LOOPBACK)


def _resolve(host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        found = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        raise ValidationError(
            {"url": gettext("This host name does not resolve.")}, code="unknown_host"
        ) from None
    # Each address once, in the resolver's order (which the delivery tries).
    return list(
        dict.fromkeys(ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in found)
    )


def _unmapped(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address,
) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """An IPv4 address written as IPv6 (::ffff:a.b.c.d) as the IPv4 address it is."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _is_private(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    address = _unmapped(address)
    return (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


def check_events(events: list[str]) -> list[str]:
    """The event types, each known and once; raises ValidationError on `events`."""
    unknown = [event for event in events if event not in EVENT_TYPES]
    if not events or unknown:
        raise ValidationError(
            {
                "events": gettext("Unknown event types: %(types)s. Known: %(known)s.")
                % {"types": ", ".join(unknown) or "—", "known": ", ".join(EVENT_TYPES)}
            },
            code="unknown_event",
        )
    return list(dict.fromkeys(events))


def new_secret() -> str:
    return "whsec_" + secrets.token_hex(32)


# Not durable: the admin calls it inside its own transaction.
@transaction.atomic
def create_subscription(
    *, url: str, events: list[str], owner: User, now: datetime | None = None
) -> WebhookSubscription:
    """Subscribe `url` to `events` for `owner`, with a new secret.

    Raises ValidationError naming `url` (not https, not public, not
    resolving) or `events` (none, or unknown).
    """
    check_url(url)
    return WebhookSubscription.objects.create(
        url=url,
        events=check_events(events),
        secret=new_secret(),
        owner=owner,
        created_at=now or timezone.now(),
    )


# Not durable: the admin calls it inside its own transaction.
@transaction.atomic
def rotate_secret(*, subscription: WebhookSubscription) -> WebhookSubscription:
    """A new secret for the subscription; deliveries sign with it from now on."""
    subscription.secret = new_secret()
    subscription.save(update_fields=["secret"])
    return subscription


# Not durable: the admin calls it inside its own transaction.
@transaction.atomic
def pause_subscription(
    *, subscription: WebhookSubscription, reason: str, now: datetime | None = None
) -> WebhookSubscription:
    """Stop sending to the subscription; its deliveries are kept for `resume_subscription`."""
    WebhookSubscription.objects.filter(pk=subscription.pk).update(
        is_active=False, paused_reason=reason[:300], paused_at=now or timezone.now()
    )
    subscription.refresh_from_db()
    return subscription


# Not durable: the admin calls it inside its own transaction.
@transaction.atomic
def resume_subscription(
    *, subscription: WebhookSubscription, now: datetime | None = None
) -> WebhookSubscription:
    """Send to the subscription again, starting with the deliveries kept while it was paused."""
    now = now or timezone.now()
    WebhookSubscription.objects.filter(pk=subscription.pk).update(
        is_active=True, failure_count=0, paused_reason="", paused_at=None
    )
    kept = Message.objects.filter(subscription=subscription, status=Message.Status.PENDING)
    kept.filter(due_at__gt=now).update(due_at=now)
    services.queue_due(list(kept.order_by("due_at", "id")), now=now)
    subscription.refresh_from_db()
    return subscription


# Not durable: the admin calls it inside its own transaction.
@transaction.atomic
def delete_subscriptions(subscriptions: Iterable[WebhookSubscription]) -> int:
    """Delete subscriptions, their deliveries, and the events no other subscription still has.

    An event lives for its deliveries: once the last is gone with its
    subscription, nothing would send it or find it again (an erasure
    reaches events through their deliveries), so it goes too, rather
    than keep a client's details until the retention sweep. Returns how
    many subscriptions were deleted.
    """
    ids = [subscription.pk for subscription in subscriptions]
    deliveries = Message.objects.filter(kind=Message.Kind.WEBHOOK)
    event_ids = _events_of(deliveries.filter(subscription_id__in=ids))
    _, deleted = WebhookSubscription.objects.filter(pk__in=ids).delete()
    # Another subscription's deliveries of the same events keep them.
    still_delivered = _events_of(deliveries.filter(payload__event__in=sorted(event_ids)))
    WebhookEvent.objects.filter(pk__in=event_ids - still_delivered).delete()
    return deleted.get(WebhookSubscription._meta.label, 0)


def _events_of(deliveries: QuerySet[Message]) -> set[str]:
    """The ids of the events these webhook deliveries carry (each names its event in `payload`)."""
    return {payload["event"] for payload in deliveries.values_list("payload", flat=True)}


# Events ------------------------------------------------------------------


def record_event(
    *,
    type: str,
    data: dict[str, Any],
    visit: Visit | None = None,
    now: datetime | None = None,
) -> WebhookEvent | None:
    """Write an event and its deliveries in the caller's transaction; None without subscribers.

    For the services whose change it describes (booking through
    `booking.outbox`, payments, the waitlist): the event commits with the
    change or not at all. `data` is the resource as the API shows it,
    kept as it is now. Deliveries of one `visit` leave in order. Every
    subscription to `type` gets one, a paused one too: it is kept for
    when the subscription is resumed.
    """
    if type not in EVENT_TYPES:
        raise ValueError(f"Unknown webhook event type {type!r}")
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("record_event must run inside the calling service's transaction")
    # The subscriptions are few: read them whole, on any database.
    subscribed = [
        subscription
        for subscription in WebhookSubscription.objects.order_by("id")
        if type in subscription.events
    ]
    if not subscribed:
        return None
    now = now or timezone.now()
    event = WebhookEvent.objects.create(
        id=uuid.uuid4(),
        type=type,
        payload={"data": json.loads(JSONRenderer().render(data))},
        created_at=now,
    )
    deliveries = Message.objects.bulk_create(
        Message(
            kind=Message.Kind.WEBHOOK,
            channel=Message.Channel.WEBHOOK,
            visit=visit,
            subscription=subscription,
            recipient=subscription.url[:320],
            payload={"event": str(event.id)},
            due_at=now,
            created_at=now,
        )
        for subscription in subscribed
    )
    services.queue_due(deliveries, now=now)
    return event


def record_visit_event(*, visit: Visit, type: str, now: datetime | None = None) -> None:
    """An event about a visit, with the visit as `GET /api/v1/visits/{id}/` shows it to staff.

    Health notes are left out: they are for staff with the permission, not for integrations.
    """
    if not any(
        type in events for events in WebhookSubscription.objects.values_list("events", flat=True)
    ):
        return
    # The API's serializer reaches payments, whose ledger imports this module.
    from booking.api.visit_serializers import VisitSerializer  # noqa: PLC0415

    stored = selectors.visits().get(pk=visit.pk)
    data = VisitSerializer(stored, context={"can_see_health": False}).data
    record_event(type=type, data=dict(data), visit=visit, now=now)


def event_body(event: WebhookEvent) -> bytes:
    """The body of every delivery of `event`: the same bytes for each try."""
    return json.dumps(
        {
            "id": str(event.id),
            "type": event.type,
            "created": event.created_at.isoformat(),
            "data": event.payload["data"],
        },
        separators=(",", ":"),
    ).encode()


# Privacy -----------------------------------------------------------------

# The events whose data is a visit as the API shows it, and those whose
# data is a waitlist offer with its entry.
_VISIT_EVENTS = {VISIT_BOOKED, VISIT_MOVED, VISIT_CANCELLED, VISIT_COMPLETED, VISIT_NO_SHOW}
_WAITLIST_EVENTS = {WAITLIST_OFFER_MADE, WAITLIST_OFFER_TAKEN}


def erased_event_data(*, type: str, data: dict[str, Any], client_id: int) -> dict[str, Any]:
    """An event's `data` with an erased client's details as the erasure left them.

    A visit's `client` gets the placeholders of booking's `erase_client`
    (ERASED_NAME, `erased_email`, no phone), its `notes` are cleared,
    and a guest's name goes as the erasure clears it (the API then
    shows the appointment's `guest` as null). A waitlist offer's entry
    gets the same placeholders. A payment's data names nobody and comes
    back as it was. `data` itself is left untouched.
    """
    erased = copy.deepcopy(data)
    placeholders = {"name": ERASED_NAME, "email": erased_email(client_id), "phone": ""}
    if type in _VISIT_EVENTS:
        erased["client"] = placeholders
        if erased.get("notes"):
            erased["notes"] = ""
        for appointment in erased.get("appointments", []):
            if appointment.get("guest") is not None:
                appointment["guest"] = None
    elif type in _WAITLIST_EVENTS:
        erased["entry"]["client"] = placeholders
    return erased


def forget_client_events(
    *, client_id: int, visit_ids: Iterable[uuid.UUID], entry_ids: Iterable[int]
) -> int:
    """Erase a client's details from the stored events about them; returns how many changed.

    For booking's `erase_client` (through the outbox's `forget`), in its
    transaction: every event delivered about one of `visit_ids` (the
    client's visits) or about an offer to one of `entry_ids` (their
    waitlist entries) keeps its shape with the details replaced
    (`erased_event_data`). A delivery still to send sends the erased
    body: it reads the event when it leaves.
    """
    offered_visits = WaitlistOffer.objects.filter(entry_id__in=list(entry_ids)).values("visit_id")
    # By the deliveries' visit (an index of its own, the foreign key's);
    # an event names its deliveries' visit only inside its JSON.
    deliveries = Message.objects.filter(kind=Message.Kind.WEBHOOK).filter(
        Q(visit_id__in=list(visit_ids)) | Q(visit_id__in=offered_visits)
    )
    event_ids = _events_of(deliveries)
    changed = 0
    for event in WebhookEvent.objects.filter(pk__in=event_ids).order_by("created_at", "id"):
        data = erased_event_data(type=event.type, data=event.payload["data"], client_id=client_id)
        if data != event.payload["data"]:
            event.payload = {**event.payload, "data": data}
            event.save(update_fields=["payload"])
            changed += 1
    return changed


def forget_old_webhook_events(*, now: datetime | None = None) -> int:
    """Delete the events older than the retention period, and their finished deliveries.

    Deliveries written more than STUDIO_WEBHOOK_EVENT_RETENTION_DAYS ago
    that are done (sent, failed or cancelled) go first; then the events
    of that age that no delivery still to send (pending, or being sent)
    needs: a paused subscription's kept deliveries stay sendable, and
    their events go once they are sent. A delivery is written with its
    event, at its time, so no delivery kept outlives its event. Run
    daily by beat; returns how many events it deleted.
    """
    cutoff = (now or timezone.now()) - timedelta(days=settings.STUDIO_WEBHOOK_EVENT_RETENTION_DAYS)
    done = Message.objects.filter(
        kind=Message.Kind.WEBHOOK,
        created_at__lt=cutoff,
        status__in=[Message.Status.SENT, Message.Status.FAILED, Message.Status.CANCELLED],
    )
    deliveries = 0
    while True:
        # Oldest first, a batch at a time, through the partial index
        # notifications_msg_webhook_age, which holds only deliveries: no
        # read of the years of e-mails, and no row lock held for long.
        batch = list(done.order_by("created_at").values_list("pk", flat=True)[:_SWEEP_BATCH])
        if batch:
            deliveries += Message.objects.filter(pk__in=batch).delete()[0]
        if len(batch) < _SWEEP_BATCH:
            break
    # What the outbox still has to send: its pending and sending rows, not its history.
    still_to_send = _events_of(
        Message.objects.filter(
            kind=Message.Kind.WEBHOOK, status__in=[Message.Status.PENDING, Message.Status.SENDING]
        )
    )
    old = WebhookEvent.objects.filter(created_at__lt=cutoff).order_by("created_at", "id")
    events = 0
    while True:
        page = list(old.values_list("created_at", "pk")[:_SWEEP_BATCH])
        unneeded = [pk for _created_at, pk in page if str(pk) not in still_to_send]
        if unneeded:
            events += WebhookEvent.objects.filter(pk__in=unneeded).delete()[0]
        if len(page) < _SWEEP_BATCH:
            break
        # The events kept on this page are passed: the next page starts after it.
        created_at, pk = page[-1]
        old = old.filter(Q(created_at__gt=created_at) | Q(created_at=created_at, pk__gt=pk))
    if deliveries or events:
        logger.info(
            "Deleted %d webhook event(s) and %d delivery(ies) past the retention period.",
            events,
            deliveries,
        )
    return events


# Signing -----------------------------------------------------------------


def signature(*, secret: str, body: bytes, timestamp: int) -> str:
    """The `X-Studio-Signature` header: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">."""
    signed = f"{timestamp}.".encode() + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify_signature(
    *, secret: str, body: bytes, header: str, tolerance: int = 300, now: float | None = None
) -> bool:
    """Whether `header` signs `body` with `secret`, made within `tolerance` seconds of now.

    What a receiver does (the README shows the same in a few lines): an
    old timestamp is refused, so a captured delivery cannot be replayed
    later; a receiver also keeps the event ids it has seen, as a retried
    delivery carries the same id.
    """
    pairs = [part.strip().split("=", 1) for part in header.split(",") if "=" in part]
    timestamps = [value for key, value in pairs if key == "t"]
    if len(timestamps) != 1 or not timestamps[0].isdigit():
        return False
    timestamp = int(timestamps[0])
    if abs((now if now is not None else time.time()) - timestamp) > tolerance:
        return False
    expected = signature(secret=secret, body=body, timestamp=timestamp).split("v1=")[1]
    return any(hmac.compare_digest(expected, value) for key, value in pairs if key == "v1")


# Delivery ----------------------------------------------------------------


def send_delivery(message: Message, connection: BaseEmailBackend | None = None) -> None:
    """Post one delivery to its subscription; raises when it must be tried again.

    Raises senders.Deferred (not a failed try) while the subscription is paused
    or an earlier delivery of the same visit to it is still to send;
    DeliveryFailed, or the receiver check's ValidationError, otherwise.
    """
    now = timezone.now()
    assert message.subscription_id is not None  # a webhook delivery has one  # noqa: S101
    subscription = WebhookSubscription.objects.get(pk=message.subscription_id)
    if not subscription.is_active:
        raise senders.Deferred(now + _WAIT_WHILE_PAUSED, "The subscription is paused.")
    _wait_for_earlier(message, now=now)
    event = WebhookEvent.objects.get(pk=message.payload["event"])
    body = event_body(event)
    try:
        addresses = check_url(subscription.url)
        response = _post_pinned(
            subscription.url,
            addresses,
            content=body,
            headers={
                "Content-Type": "application/json",
                "User-Agent": "studio-webhooks/1",
                EVENT_HEADER: event.type,
                DELIVERY_HEADER: str(message.pk),
                SIGNATURE_HEADER: signature(
                    secret=subscription.secret, body=body, timestamp=int(time.time())
                ),
            },
        )
        if not 200 <= response.status_code < 300:
            raise DeliveryFailed(f"HTTP {response.status_code} from the receiver")
    except (httpx.HTTPError, DeliveryFailed, ValidationError) as error:
        _failed(subscription, error=error, now=now)
        if isinstance(error, ValidationError):
            raise DeliveryFailed("; ".join(error.messages)) from None
        raise DeliveryFailed(str(error) or type(error).__name__) from None
    WebhookSubscription.objects.filter(pk=subscription.pk, failure_count__gt=0).update(
        failure_count=0
    )


def _post_pinned(
    url: str,
    addresses: list[ipaddress.IPv4Address | ipaddress.IPv6Address],
    *,
    content: bytes,
    headers: dict[str, str],
) -> httpx.Response:
    """POST to `url` at one of the `addresses` that `check_url` approved, in their order.

    The request goes to the address itself, not to the name (which could
    resolve elsewhere by now); the Host header and, for https, the TLS
    server name and certificate check keep the name. No proxy from the
    environment and no redirect: either could lead anywhere, a private
    host too. The next address is tried only when one cannot be reached.
    """
    target = httpx.URL(url)
    named = {**headers, "Host": target.netloc.decode("ascii")}
    extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
    unreachable: httpx.ConnectError | None = None
    with httpx.Client(
        timeout=settings.STUDIO_WEBHOOK_TIMEOUT, follow_redirects=False, trust_env=False
    ) as client:
        for address in addresses:
            try:
                return client.post(
                    target.copy_with(host=str(address)),
                    content=content,
                    headers=named,
                    extensions=extensions,
                )
            except httpx.ConnectError as error:
                unreachable = error
    raise unreachable or httpx.ConnectError(f"{target.host} has no address")


def _wait_for_earlier(message: Message, *, now: datetime) -> None:
    """Raise Deferred while an earlier delivery of the same visit to the same URL is to send."""
    if message.visit_id is None:
        return
    earlier = (
        Message.objects.filter(
            subscription_id=message.subscription_id,
            visit_id=message.visit_id,
            pk__lt=message.pk,
            status__in=[Message.Status.PENDING, Message.Status.SENDING],
        )
        .order_by("pk")
        .values_list("status", "due_at")
        .first()
    )
    if earlier is None:
        return
    status, due_at = earlier
    # Due when the earlier one is (claims go by due_at, then id, so the
    # earlier one comes first), or a little later while it is being sent.
    until = max(due_at, now) if status == Message.Status.PENDING else now + _WAIT_BEHIND_SENDING
    raise senders.Deferred(until, "An earlier delivery of this visit is still to send.")


def _failed(subscription: WebhookSubscription, *, error: Exception, now: datetime) -> None:
    """Count a failed delivery; pause the subscription, and tell staff, after too many in a row."""
    with transaction.atomic():
        WebhookSubscription.objects.filter(pk=subscription.pk).update(
            failure_count=F("failure_count") + 1
        )
        # Only the worker whose update pauses it tells staff.
        paused = WebhookSubscription.objects.filter(
            pk=subscription.pk,
            is_active=True,
            failure_count__gte=settings.STUDIO_WEBHOOK_PAUSE_AFTER_FAILURES,
        ).update(
            is_active=False,
            paused_at=now,
            paused_reason=gettext("%(count)s deliveries failed in a row; the last: %(error)s")
            % {"count": settings.STUDIO_WEBHOOK_PAUSE_AFTER_FAILURES, "error": str(error)[:200]},
        )
        if paused:
            _tell_staff(subscription, now=now)


def _tell_staff(subscription: WebhookSubscription, *, now: datetime) -> None:
    recipient = settings.STUDIO_EMAIL or getattr(subscription.owner, "email", "")
    if not recipient:
        logger.warning("Webhook subscription %s paused; no address to tell", subscription.pk)
        return
    services.write_message(
        kind=Message.Kind.WEBHOOK_PAUSED,
        recipient=recipient,
        language=settings.LANGUAGE_CODE,
        payload={"subscription": subscription.pk},
        now=now,
    )


def _send_paused_notice(message: Message, connection: BaseEmailBackend | None) -> None:
    subscription = WebhookSubscription.objects.filter(pk=message.payload["subscription"]).first()
    url = subscription.url if subscription is not None else "—"
    with translation.override(message.language or settings.LANGUAGE_CODE):
        subject = gettext("Webhook paused: %(url)s") % {"url": url}
        body = gettext(
            "Deliveries to %(url)s kept failing, so it was paused. Its deliveries are kept: "
            "once the receiver works again, resume it on the staff pages (Outbox) or in the "
            "admin, and what was kept is sent."
        ) % {"url": url}
    mail.EmailMessage(
        subject, body, to=[message.recipient], connection=connection or mail.get_connection()
    ).send()


senders.register(Message.Kind.WEBHOOK, send_delivery)
senders.register(Message.Kind.WEBHOOK_PAUSED, _send_paused_notice)
