from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower, Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from booking.models import Appointment, Client, Therapist, Visit
from catalog.models import Offering


class Message(models.Model):
    """One message out: the outbox that Celery works from.

    The services that change what a message describes (a booking, a
    payment) write its row in their own transaction; the dispatcher
    (`notifications.services`) claims due rows, sends them and marks
    them, so a message is neither lost with a crashed worker (its lease
    runs out and the row is taken again) nor taken by two workers. What
    a message says is rendered when it is sent, by the sender registered
    for its kind (`notifications.senders`).
    """

    class Kind(models.TextChoices):
        # About a visit, planned by booking (booking/services/reminders.py).
        CONFIRMATION = "confirmation", _("Confirmation")
        DAY_BEFORE = "day_before", _("Day-before reminder")
        HOURS_BEFORE = "hours_before", _("Hours-before reminder")
        CANCELLATION = "cancellation", _("Cancellation notice")
        RESCHEDULED = "rescheduled", _("Rescheduled notice")
        # About money, written by payments with the ledger row they describe.
        FEE = "fee", _("Fee notice")
        REFUND = "refund", _("Refund notice")
        RECEIPT = "receipt", _("Receipt")
        PACKAGE = "package", _("Package link")
        GIFT_CARD = "gift_card", _("Gift card")
        # The waitlist (notifications.waitlist): a time was freed, look for
        # someone waiting for it; a freed time offered to them.
        WAITLIST_CHECK = "waitlist_check", _("Waitlist check")
        WAITLIST_JOINED = "waitlist_joined", _("Waitlist confirmation")
        WAITLIST_OFFER = "waitlist_offer", _("Waitlist offer")
        # Webhooks (notifications/webhooks.py): one delivery of an event
        # to a subscription, and the staff's notice of a paused one.
        WEBHOOK = "webhook", _("Webhook delivery")
        WEBHOOK_PAUSED = "webhook_paused", _("Webhook paused notice")

    class Channel(models.TextChoices):
        EMAIL = "email", _("E-mail")
        SMS = "sms", _("SMS")
        # Work for the studio itself, done by the dispatcher like a send.
        INTERNAL = "internal", _("Internal")
        WEBHOOK = "webhook", _("Webhook")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", pgettext_lazy("reminder status", "Cancelled")

    # Room for the channels and kinds still to come (webhooks, waitlist
    # offers): the widths are the outbox's, not today's longest value.
    kind = models.CharField(max_length=32, choices=Kind.choices, verbose_name=_("kind"))
    channel = models.CharField(max_length=16, choices=Channel.choices, verbose_name=_("channel"))
    # What the message is about; a message about money may have no visit.
    appointment = models.ForeignKey(
        Appointment,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="messages",
        verbose_name=_("appointment"),
    )
    visit = models.ForeignKey(
        Visit,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="messages",
        verbose_name=_("visit"),
    )
    client = models.ForeignKey(
        Client,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="messages",
        verbose_name=_("client"),
    )
    # A webhook delivery: the subscription it goes to (its event is in the payload).
    subscription = models.ForeignKey(
        "WebhookSubscription",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="deliveries",
        verbose_name=_("webhook subscription"),
    )
    recipient = models.CharField(
        max_length=320,
        blank=True,
        help_text=_("The e-mail address or phone number it was addressed to when written."),
        verbose_name=_("recipient"),
    )
    language = models.CharField(max_length=8, blank=True, verbose_name=_("language"))
    payload = models.JSONField(
        default=dict,
        blank=True,
        help_text=_("What its sender needs to write it (ids and amounts, never a secret)."),
        verbose_name=_("payload"),
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, verbose_name=_("status")
    )
    due_at = models.DateTimeField(verbose_name=_("due at"))
    lease_until = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("While sending: when another worker may take it over."),
        verbose_name=_("lease until"),
    )
    lease_token = models.UUIDField(
        null=True,
        blank=True,
        editable=False,
        help_text=_("While sending: whose lease it is. Every claim writes a new one."),
        verbose_name=_("lease token"),
    )
    attempts = models.PositiveSmallIntegerField(default=0, verbose_name=_("attempts"))
    last_error = models.TextField(blank=True, verbose_name=_("last error"))
    sent_at = models.DateTimeField(null=True, blank=True, verbose_name=_("sent at"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name = pgettext_lazy("outbox", "message")
        verbose_name_plural = pgettext_lazy("outbox", "messages")
        indexes = [
            # The dispatcher's claim (`claim_due_messages`): pending rows
            # due by now, ORDER BY due_at, id. Only pending rows are in
            # it, so it stays as small as the outbox, not its history.
            models.Index(
                fields=["due_at", "id"],
                condition=models.Q(status="pending"),
                name="notifications_msg_pending_due",
            ),
            # The claim's other half: sending rows whose lease ran out.
            models.Index(
                fields=["lease_until"],
                condition=models.Q(status="sending"),
                name="notifications_msg_lease_out",
            ),
            # The outbox's health in the messages list (`outbox_health`:
            # status IN (pending, sending) AND due_at <= now, and the count
            # of failed ones), and that list filtered by status.
            models.Index(fields=["status", "due_at"], name="notifications_msg_due"),
            # The admin list of messages: ORDER BY due_at DESC, id DESC
            # (the id is the changelist's tie-break), a page at a time.
            models.Index(fields=["due_at", "id"], name="notifications_msg_due_id"),
            # The admin's search by recipient: UPPER(recipient) = UPPER(%s),
            # an e-mail matched whole in any letter case.
            models.Index(Upper("recipient"), name="notifications_msg_recipient"),
            # The webhooks' retention sweep (`forget_old_webhook_events`):
            # kind = webhook AND created_at < %s AND status IN (sent, failed,
            # cancelled) ORDER BY created_at. Only deliveries are in it, and
            # the sweep keeps those to the retention period.
            models.Index(
                fields=["created_at"],
                condition=models.Q(kind="webhook"),
                name="notifications_msg_webhook_age",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} by {self.get_channel_display()} ({self.get_status_display()})"


class WaitlistEntry(models.Model):
    """A client waiting to be told when a time frees up (notifications.waitlist).

    The contact details are a snapshot, as a booking's are: the entry links
    to the client record with that e-mail and never changes it. Its place
    in line is its creation time.
    """

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        OFFERED = "offered", _("Offered a time")
        BOOKED = "booked", _("Booked")
        EXPIRED = "expired", pgettext_lazy("waitlist", "Expired")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    client = models.ForeignKey(
        Client,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="waitlist_entries",
        verbose_name=_("client"),
    )
    contact_name = models.CharField(max_length=200, verbose_name=_("name"))
    contact_email = models.EmailField(verbose_name=_("e-mail"))
    contact_phone = models.CharField(max_length=32, blank=True, verbose_name=_("phone"))
    language = models.CharField(max_length=8, verbose_name=_("language"))
    offering = models.ForeignKey(
        Offering, on_delete=models.PROTECT, related_name="+", verbose_name=_("offering")
    )
    therapist = models.ForeignKey(
        Therapist,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("therapist"),
    )
    people = models.PositiveSmallIntegerField(default=1, verbose_name=_("people"))
    date_from = models.DateField(verbose_name=_("from date"))
    date_to = models.DateField(verbose_name=_("to date"))
    time_from = models.TimeField(verbose_name=_("from time"))
    time_to = models.TimeField(verbose_name=_("to time"))
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.WAITING, verbose_name=_("status")
    )
    manage_token = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("waitlist entry")
        verbose_name_plural = _("waitlist entries")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(date_from__lte=models.F("date_to")),
                name="notifications_waitlistentry_dates",
            ),
            models.CheckConstraint(
                condition=models.Q(time_from__lt=models.F("time_to")),
                name="notifications_waitlistentry_window",
            ),
            models.CheckConstraint(
                condition=models.Q(people__in=[1, 2]), name="notifications_waitlistentry_people"
            ),
        ]
        indexes = [
            # The match of a freed time (`waitlist.check_freed_time`):
            # status = waiting AND offering = %s AND date_from <= day
            # AND date_to >= day ORDER BY created_at, id; only waiting rows.
            models.Index(
                fields=["offering", "date_from", "created_at", "id"],
                condition=models.Q(status="waiting"),
                name="notifications_wl_waiting",
            ),
            # The staff's list per day: date_from <= day AND date_to >= day.
            models.Index(fields=["date_to", "date_from"], name="notifications_wl_dates"),
            # Erasing a client (`waitlist.forget_entries`): their entries by
            # lower(contact_email) = lower(%s), besides those of their record.
            models.Index(Lower("contact_email"), name="notifications_wl_email"),
        ]

    def __str__(self) -> str:
        return f"{self.contact_name}: {self.offering} ({self.get_status_display()})"


class WaitlistOffer(models.Model):
    """A freed time offered to a waitlist entry, held for it by a held visit."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        TAKEN = "taken", _("Taken")
        PASSED = "passed", _("Passed on")
        GONE = "gone", _("Gone")

    entry = models.ForeignKey(
        WaitlistEntry, on_delete=models.CASCADE, related_name="offers", verbose_name=_("entry")
    )
    visit = models.ForeignKey(
        Visit, on_delete=models.CASCADE, related_name="waitlist_offers", verbose_name=_("visit")
    )
    start_at = models.DateTimeField(verbose_name=_("start"))
    expires_at = models.DateTimeField(verbose_name=_("expires at"))
    status = models.CharField(
        max_length=8, choices=Status.choices, default=Status.OPEN, verbose_name=_("status")
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("waitlist offer")
        verbose_name_plural = _("waitlist offers")
        constraints = [
            # One offer per held visit: the expiry of its hold finds it.
            models.UniqueConstraint(fields=["visit"], name="notifications_waitlistoffer_visit"),
        ]
        indexes = [
            # "Was this entry offered this start already?": entry = %s AND start_at = %s.
            models.Index(fields=["entry", "start_at"], name="notifications_wlo_entry_start"),
        ]

    def __str__(self) -> str:
        return f"{self.entry.contact_name}: {self.start_at:%Y-%m-%d %H:%M} ({self.get_status_display()})"


class WebhookSubscription(models.Model):
    """A URL that receives signed events (notifications/webhooks.py).

    Made by staff in the admin or by an integration through the API; an
    integration sees only its own (`owner`). Paused by the dispatcher
    after too many failed deliveries in a row, its pending deliveries
    kept until it is resumed.
    """

    url = models.URLField(max_length=500, verbose_name=_("URL"))
    events = models.JSONField(
        default=list, help_text=_("The event types it receives."), verbose_name=_("events")
    )
    # Shown once, at creation or rotation; signs every delivery.
    secret = models.CharField(max_length=80, editable=False, verbose_name=_("secret"))
    is_active = models.BooleanField(default=True, verbose_name=_("active"))
    failure_count = models.PositiveIntegerField(
        default=0, help_text=_("Failed deliveries in a row."), verbose_name=_("failures in a row")
    )
    paused_reason = models.CharField(max_length=300, blank=True, verbose_name=_("paused because"))
    paused_at = models.DateTimeField(null=True, blank=True, verbose_name=_("paused at"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="webhook_subscriptions",
        help_text=_("The staff user or integration that made it."),
        verbose_name=_("owner"),
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")

    def __str__(self) -> str:
        return self.url


class WebhookEvent(models.Model):
    """One event as receivers get it, written in the transaction of its change.

    The payload is stored as it was at the event: a receiver learns what
    the resource looked like then, not when the delivery finally left.
    """

    id = models.UUIDField(primary_key=True, editable=False, verbose_name=_("id"))
    type = models.CharField(max_length=40, verbose_name=_("type"))
    payload = models.JSONField(verbose_name=_("payload"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("webhook event")
        verbose_name_plural = _("webhook events")
        indexes = [
            # The retention sweep (`forget_old_webhook_events`): created_at < %s
            # ORDER BY created_at, id, a page at a time.
            models.Index(fields=["created_at", "id"], name="notifications_whevent_created"),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.id}"
