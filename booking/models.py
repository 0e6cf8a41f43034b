"""Who works when, and who booked what.

Times are stored in UTC. Weekly working hours are wall-clock times in the
studio's zone (settings.STUDIO_TIME_ZONE), turned into UTC per date by the
availability engine, so they stay right across daylight-saving changes.

On PostgreSQL, exclusion constraints (migration 0002) make overlapping
active appointments impossible for one therapist and for one resource,
whoever writes them.
"""

import secrets
import uuid
from datetime import timedelta
from typing import ClassVar, TypeAlias

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from catalog.models import MassageType, Offering, ResourceKind

# The longest time one appointment or allocation may hold its therapist or
# resource: four massages in turn (the most a visit holds) of at most 8
# hours, each with at most 2 hours' cleanup. Reads of what overlaps a
# window look back this far from its start, so that the index on
# `start_at` bounds them on both sides and their cost does not grow with
# the years of history kept. On PostgreSQL a check constraint holds every
# row to it (migration 0021).
LONGEST_HOLD = timedelta(hours=40)


def new_manage_token() -> str:
    return secrets.token_urlsafe(32)


class Therapist(models.Model):
    name = models.CharField(max_length=120, verbose_name=_("name"))
    slug = models.SlugField(unique=True, verbose_name=_("slug"))
    bio = models.TextField(blank=True, verbose_name=_("bio"))
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="therapist",
        help_text=_("The staff login of this therapist, so they can see their own schedule."),
        verbose_name=_("user"),
    )
    massage_types = models.ManyToManyField(
        MassageType,
        related_name="therapists",
        help_text=_("The massages this therapist gives."),
        verbose_name=_("massage types"),
    )
    gender = models.CharField(
        max_length=8,
        choices=[("female", _("Female")), ("male", _("Male"))],
        blank=True,
        db_default="",
        help_text=_("Shown to reception when a client prefers a therapist of one gender."),
        verbose_name=_("gender"),
    )
    # The secret in the address of this therapist's calendar feed (.ics);
    # blank when no feed is on. Making a new one revokes the old address.
    feed_token = models.CharField(
        max_length=64,
        blank=True,
        db_default="",
        editable=False,
        verbose_name=_("calendar feed token"),
    )
    is_active = models.BooleanField(default=True, verbose_name=_("is active"))

    class Meta:
        verbose_name = _("therapist")
        verbose_name_plural = _("therapists")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Resource(models.Model):
    """A room or a piece of equipment that one visit at a time can take.

    A room for two (capacity 2) is taken once, by one visit, for both
    appointments of a couples massage; it is never shared between two
    visits (the allocation exclusion constraint).
    """

    name = models.CharField(max_length=120, verbose_name=_("name"))
    kind = models.ForeignKey(
        ResourceKind, on_delete=models.PROTECT, related_name="resources", verbose_name=_("kind")
    )
    capacity = models.PositiveSmallIntegerField(
        default=1,
        help_text=_(
            "How many people it serves at once: the tables in a room. A visit for two "
            "needs a room of at least two."
        ),
        verbose_name=_("capacity"),
    )
    is_active = models.BooleanField(default=True, verbose_name=_("is active"))

    class Meta:
        verbose_name = _("resource")
        verbose_name_plural = _("resources")
        ordering = ["kind__name", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(capacity__gte=1), name="booking_resource_capacity_positive"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.kind})"


class WorkingHours(models.Model):
    """One weekly interval of work; two on one day leave a break between them."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    therapist = models.ForeignKey(
        Therapist,
        on_delete=models.CASCADE,
        related_name="working_hours",
        verbose_name=_("therapist"),
    )
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices, verbose_name=_("weekday"))
    start_time = models.TimeField(help_text=_("Studio local time."), verbose_name=_("start time"))
    end_time = models.TimeField(help_text=_("Studio local time."), verbose_name=_("end time"))

    class Meta:
        verbose_name = _("working hours")
        verbose_name_plural = _("working hours")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(start_time__lt=models.F("end_time")),
                name="booking_workinghours_starts_before_it_ends",
            ),
            models.CheckConstraint(
                condition=models.Q(weekday__lte=6), name="booking_workinghours_weekday_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start_time:%H:%M}-{self.end_time:%H:%M}"


class TimeOff(models.Model):
    """A dated absence of one therapist, or a closure of the whole studio."""

    therapist = models.ForeignKey(
        Therapist,
        on_delete=models.CASCADE,
        related_name="time_off",
        null=True,
        blank=True,
        help_text=_("Leave empty to close the whole studio."),
        verbose_name=_("therapist"),
    )
    start_at = models.DateTimeField(verbose_name=_("start at"))
    end_at = models.DateTimeField(verbose_name=_("end at"))
    reason = models.CharField(max_length=200, blank=True, verbose_name=_("reason"))

    class Meta:
        verbose_name = _("time off")
        verbose_name_plural = _("time off")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(start_at__lt=models.F("end_at")),
                name="booking_timeoff_starts_before_it_ends",
            )
        ]
        indexes = [
            # The availability engine: time off overlapping a window.
            models.Index(fields=["end_at", "start_at"], name="booking_timeoff_window"),
            # The admin list of time off: ORDER BY start_at DESC, id DESC
            # (the id is the tie-break the changelist adds), a page at a
            # time, and the bounds of its date navigation (min and max).
            models.Index(fields=["start_at", "id"], name="booking_timeoff_start_id"),
        ]

    def __str__(self) -> str:
        who = self.therapist or "Whole studio"
        return f"{who}: {timezone.localtime(self.start_at):%Y-%m-%d %H:%M} to {timezone.localtime(self.end_at):%Y-%m-%d %H:%M}"


class Client(models.Model):
    """The studio's record of a person.

    Only staff, or the person after opening a link sent to this e-mail,
    change it: a booking made with an e-mail alone carries its own
    contact details (`Appointment.contact_*`) and never rewrites these.
    """

    class Pressure(models.TextChoices):
        LIGHT = "light", _("Light")
        MEDIUM = "medium", _("Medium")
        FIRM = "firm", _("Firm")

    class TherapistGender(models.TextChoices):
        FEMALE = "female", _("A woman")
        MALE = "male", _("A man")

    name = models.CharField(max_length=120, verbose_name=_("name"))
    # Blank for a client booked at the desk by phone number alone; a
    # record with an e-mail is found by it (any letter case), one
    # without by its phone.
    email = models.EmailField(blank=True, verbose_name=_("email"))
    phone = models.CharField(max_length=32, verbose_name=_("phone"))
    email_verified_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_(
            "When the person last proved this e-mail is theirs, by opening a link sent to it."
        ),
        verbose_name=_("email verified at"),
    )
    # Set from the first booking that made the record; the phone
    # booking form offers it as the client's language.
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text=_("The language the client reads: the phone booking form offers it."),
    )
    # Preferences and notes that staff keep; the client never sees them.
    # Database defaults: the booking path inserts clients in raw SQL.
    pressure = models.CharField(
        max_length=8,
        choices=Pressure.choices,
        blank=True,
        db_default="",
        verbose_name=_("pressure"),
    )
    preferred_therapist = models.ForeignKey(
        Therapist,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("preferred therapist"),
    )
    therapist_gender = models.CharField(
        max_length=8,
        choices=TherapistGender.choices,
        blank=True,
        db_default="",
        verbose_name=_("prefers a therapist who is"),
    )
    allergies = models.TextField(
        blank=True,
        db_default="",
        help_text=_("Allergies, and the oils and creams to use or to avoid."),
        verbose_name=_("allergies and oils"),
    )
    staff_notes = models.TextField(blank=True, db_default="", verbose_name=_("staff notes"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("client")
        verbose_name_plural = _("clients")
        constraints = [
            models.UniqueConstraint(
                Lower("email"), condition=~models.Q(email=""), name="booking_client_email_unique"
            ),
        ]
        indexes = [
            # The desk finds a client without an e-mail by phone, and
            # searches clients by it.
            models.Index(fields=["phone"], name="booking_client_phone"),
        ]
        permissions = [
            ("export_client", "Can export all the studio holds about a client"),
            ("erase_client", "Can erase a client's personal data"),
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.email or self.phone}>"


# Where a visit was booked (shared by Visit and Appointment).
class Source(models.TextChoices):
    WEB = "web", _("Website")
    ADMIN = "admin", _("Admin (phone)")
    DESK = "desk", _("Front desk")
    API = "api", _("API")


# Where a visit and each of its appointments stand (the same words for both).
class BookingStatus(models.TextChoices):
    # Held: the time is the client's, as if confirmed, until
    # `hold_expires_at`; confirmed by `confirm_held_appointment`, or
    # released by `release_expired_holds` (booking/services/visits.py).
    HELD = "held", _("Held")
    CONFIRMED = "confirmed", _("Confirmed")
    CANCELLED = "cancelled", pgettext_lazy("appointment status", "Cancelled")
    COMPLETED = "completed", _("Completed")
    NO_SHOW = "no_show", _("No-show")


class HoldReason(models.TextChoices):
    """What a held visit waits for before it is confirmed."""

    # The client opening the link in the confirmation e-mail
    # (STUDIO_WEB_BOOKING_HOLD_MINUTES).
    EMAIL = "email", _("Confirmation by e-mail")
    # The payment asked for online, confirmed by the gateway's webhook
    # (PAYMENT_HOLD_MINUTES; the payments app decides, booking only holds).
    PAYMENT = "payment", _("Payment online")
    # A freed time offered to a client on the waitlist, until they take it
    # (STUDIO_WAITLIST_OFFER_MINUTES; notifications.waitlist decides).
    OFFER = "offer", _("Waitlist offer")


# The statuses in which a booking is still to take place and takes its
# time. A held one counts like a confirmed one everywhere: the
# availability engine and the exclusion constraints (which count every
# status but cancelled), the limits, reminders and guest pages.
ACTIVE_STATUSES: frozenset[str] = frozenset({BookingStatus.HELD, BookingStatus.CONFIRMED})


def mailbox_token_for(manage_token: str) -> str:
    """The token of the link that only the confirmation e-mail carries.

    Derived from the manage token with the secret key, so whoever has
    only the manage token (the API's answer to a booking, the session of
    the browser that booked) cannot make it: opening a link with it
    proves the person reads the e-mail the booking was made with.
    """
    return salted_hmac(
        "booking.Appointment.mailbox_token", manage_token, algorithm="sha256"
    ).hexdigest()


class Course(models.Model):
    """A series of visits at the same local time, every `interval_days` days.

    Each session is a visit of its own, placed and checked like any
    other; the course ties them together so they are booked as one
    action (all or none) and shown together.
    """

    id = models.UUIDField(
        primary_key=True, default=uuid.uuid4, editable=False, verbose_name=_("id")
    )
    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="courses", verbose_name=_("client")
    )
    offering = models.ForeignKey(
        Offering, on_delete=models.PROTECT, related_name="courses", verbose_name=_("offering")
    )
    interval_days = models.PositiveSmallIntegerField(verbose_name=_("days between sessions"))
    session_count = models.PositiveSmallIntegerField(verbose_name=_("sessions"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(interval_days__gte=1), name="booking_course_interval_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(session_count__gte=1), name="booking_course_sessions_positive"
            ),
        ]
        indexes = [
            # The admin list of courses: ORDER BY created_at DESC, id DESC
            # (the id is the changelist's tie-break), a page at a time.
            models.Index(fields=["created_at", "id"], name="booking_course_created_id"),
        ]

    def __str__(self) -> str:
        return f"{self.offering} x{self.session_count} for {self.client.name}"


class Visit(models.Model):
    """What a client books in one go, cancelled or moved as one.

    It holds one or more appointments, one massage for one person each:
    a couples massage is two at the same start with two therapists in
    one room for two; "foot, then back" is two, one after the other.
    The visit keeps the contact details it was booked with (its
    messages go there), its manage token, status, source, consent and
    notes. Health answers are per person, on each appointment.

    Its appointments carry a copy of the visit's contact details, token,
    language, source and consent, written by the same service in the
    same transaction, for the readers that work on one appointment (the
    `appointments` API, the limits, the privacy sweeps).
    """

    Status: TypeAlias = BookingStatus
    HoldReason: TypeAlias = HoldReason
    ACTIVE_STATUSES: ClassVar[frozenset[str]] = ACTIVE_STATUSES

    id = models.UUIDField(
        primary_key=True, default=uuid.uuid4, editable=False, verbose_name=_("id")
    )
    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="visits", verbose_name=_("client")
    )
    is_client_verified = models.BooleanField(default=False, verbose_name=_("is client verified"))
    contact_name = models.CharField(max_length=120, verbose_name=_("contact name"))
    contact_email = models.EmailField(blank=True, verbose_name=_("contact email"))
    contact_phone = models.CharField(max_length=32, blank=True, verbose_name=_("contact phone"))
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.CONFIRMED, verbose_name=_("status")
    )
    hold_expires_at = models.DateTimeField(null=True, blank=True, verbose_name=_("hold expires at"))
    # What a held visit waits for; kept once confirmed, as a record of it.
    hold_reason = models.CharField(
        max_length=16,
        choices=HoldReason.choices,
        blank=True,
        verbose_name=_("held for"),
    )
    source = models.CharField(max_length=16, choices=Source.choices, verbose_name=_("source"))
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
    )
    notes = models.TextField(blank=True, verbose_name=_("notes"))
    consented_at = models.DateTimeField(null=True, blank=True, verbose_name=_("consented at"))
    consent_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("consent recorded by"),
    )
    manage_token = models.CharField(
        max_length=64, default=new_manage_token, editable=False, verbose_name=_("manage token")
    )
    booked_from = models.CharField(
        max_length=64, blank=True, editable=False, verbose_name=_("booked from")
    )
    course = models.ForeignKey(
        Course,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="visits",
        verbose_name=_("course"),
    )
    start_at = models.DateTimeField(
        help_text=_("When its first appointment starts."), verbose_name=_("start at")
    )
    end_at = models.DateTimeField(
        help_text=_("When its last appointment ends."), verbose_name=_("end at")
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    updated_at = models.DateTimeField(default=timezone.now, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(start_at__lt=models.F("end_at")),
                name="booking_visit_times_ordered",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="held") | models.Q(hold_expires_at__isnull=False),
                name="booking_visit_held_expires",
            ),
        ]
        indexes = [
            # The admin list of visits: ORDER BY start_at DESC, id DESC (the
            # id is the changelist's tie-break), a page at a time; and the
            # visits by start of a window (`selectors.visits`).
            models.Index(fields=["start_at", "id"], name="booking_visit_start_id"),
            # The admin list of visits filtered by status (`?status=`): its
            # page, its capped count, in the list's order. A rare status
            # (cancelled) would otherwise be sought through every visit.
            models.Index(fields=["status", "start_at", "id"], name="booking_visit_status_start"),
        ]

    def __str__(self) -> str:
        return f"{self.contact_name} at {timezone.localtime(self.start_at):%Y-%m-%d %H:%M}"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES

    @property
    def is_awaiting_payment(self) -> bool:
        """Held until the payment asked for online arrives."""
        return self.status == self.Status.HELD and self.hold_reason == self.HoldReason.PAYMENT

    @property
    def mailbox_token(self) -> str:
        return mailbox_token_for(self.manage_token)


class Appointment(models.Model):
    Status: TypeAlias = BookingStatus
    Source = Source
    ACTIVE_STATUSES: ClassVar[frozenset[str]] = ACTIVE_STATUSES

    id = models.UUIDField(
        primary_key=True, default=uuid.uuid4, editable=False, verbose_name=_("id")
    )
    visit = models.ForeignKey(
        Visit, on_delete=models.CASCADE, related_name="appointments", verbose_name=_("visit")
    )
    guest_name = models.CharField(
        max_length=120,
        blank=True,
        help_text=_("Who receives this massage, when it is not the client (a couples visit)."),
        verbose_name=_("guest name"),
    )
    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="appointments", verbose_name=_("client")
    )
    is_client_verified = models.BooleanField(
        default=False,
        help_text=_(
            "Whether the booker is known to be the client of the record: booked by staff, "
            "or by someone who proved the e-mail is theirs. Otherwise the link to the "
            "record is only by the e-mail typed in."
        ),
        verbose_name=_("is client verified"),
    )
    # The contact details the appointment was booked with. Its messages
    # go here, whatever the client record says now (DESIGN.md, "Public
    # safety").
    contact_name = models.CharField(max_length=120, verbose_name=_("contact name"))
    contact_email = models.EmailField(blank=True, verbose_name=_("contact email"))
    contact_phone = models.CharField(max_length=32, blank=True, verbose_name=_("contact phone"))
    offering = models.ForeignKey(
        Offering, on_delete=models.PROTECT, related_name="appointments", verbose_name=_("offering")
    )
    therapist = models.ForeignKey(
        Therapist,
        on_delete=models.PROTECT,
        related_name="appointments",
        verbose_name=_("therapist"),
    )
    start_at = models.DateTimeField(verbose_name=_("start at"))
    end_at = models.DateTimeField(verbose_name=_("end at"))
    blocked_until = models.DateTimeField(
        help_text=_(
            "The end plus the offering's cleanup buffer: nothing else is booked before it."
        ),
        verbose_name=_("blocked until"),
    )
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.CONFIRMED, verbose_name=_("status")
    )
    # When reception marked the client arrived (the status stays
    # confirmed until the massage is completed or a no-show).
    arrived_at = models.DateTimeField(null=True, blank=True, verbose_name=_("arrived at"))
    hold_expires_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("While held: when the time is released unless the booking is confirmed."),
        verbose_name=_("hold expires at"),
    )
    source = models.CharField(max_length=16, choices=Source.choices, verbose_name=_("source"))
    # Every message about the appointment (e-mails, SMS, the calendar
    # file) is written in it, whatever language the worker runs in.
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text=_("The language the client booked in: its e-mails and texts are written in it."),
    )
    price = models.DecimalField(max_digits=8, decimal_places=2, verbose_name=_("price"))
    currency = models.CharField(max_length=3, verbose_name=_("currency"))
    health = models.JSONField(default=dict, blank=True, verbose_name=_("health"))
    notes = models.TextField(blank=True, verbose_name=_("notes"))
    consented_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_(
            "When the client agreed that the studio keeps their details and health answers "
            "and contacts them about this appointment (empty: not recorded, e.g. by phone)."
        ),
        verbose_name=_("consented at"),
    )
    consent_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_(
            "The staff member who asked for the consent (empty: the client gave it online)."
        ),
        verbose_name=_("consent recorded by"),
    )
    manage_token = models.CharField(
        max_length=64, default=new_manage_token, editable=False, verbose_name=_("manage token")
    )
    # A keyed hash of the address a booking without login came from, as
    # the limits count it (`limits.booked_from_key`), never the address
    # itself: it counts the future bookings one address holds, and is
    # cleared once the appointment is no longer to come. Empty for staff
    # and integrations, who are not limited.
    booked_from = models.CharField(
        max_length=64, blank=True, editable=False, verbose_name=_("booked from")
    )
    sequence = models.PositiveIntegerField(
        default=0,
        help_text=_(
            "Bumped on every change the client's calendar must follow (RFC 5545 SEQUENCE)."
        ),
        verbose_name=_("sequence"),
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    updated_at = models.DateTimeField(default=timezone.now, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(start_at__lt=models.F("end_at"))
                & models.Q(end_at__lte=models.F("blocked_until")),
                name="booking_appointment_times_ordered",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="held") | models.Q(hold_expires_at__isnull=False),
                name="booking_appointment_held_expires",
            ),
        ]
        indexes = [
            # The availability engine and the day view: a therapist's
            # appointments overlapping a window.
            models.Index(
                fields=["therapist", "start_at", "blocked_until"],
                name="booking_appt_therapist_time",
            ),
            # The admin list of appointments: ORDER BY start_at DESC, id
            # DESC (the id is the changelist's tie-break), a page at a
            # time, and the bounds of its date navigation (min and max);
            # the API list and the day view: start_at in a window, ORDER
            # BY start_at, id.
            models.Index(fields=["start_at", "id"], name="booking_appt_start_id"),
            # The admin list of appointments filtered by status
            # (`?status=`): its page, its capped count and its date
            # navigation's first and last start, in the list's order. A
            # rare status (confirmed, once the years have passed) would
            # otherwise be sought through every appointment.
            models.Index(fields=["status", "start_at", "id"], name="booking_appt_status_start"),
            # The retention sweep: past appointments that still hold health
            # answers or notes. Only rows not yet swept are in it, so the
            # daily sweep does not read years of history.
            models.Index(
                fields=["start_at"],
                condition=~models.Q(health={}) | ~models.Q(notes=""),
                name="booking_appt_health_kept",
            ),
            # A client's export and erasure: the appointments booked with
            # their e-mail, in any letter case.
            models.Index(Lower("contact_email"), name="booking_appt_contact_email"),
            # The sweep of expired holds, every minute: only held rows
            # are in it, so it stays as small as the holds open now.
            models.Index(
                fields=["hold_expires_at"],
                condition=models.Q(status="held"),
                name="booking_appt_hold_expiry",
            ),
            # The hourly sweep of addresses no longer needed
            # (`privacy.forget_booking_addresses`), and the limit on
            # future bookings held per address where the planner takes it
            # (`limits._check_held`: booked_from = key and start_at > now). Only rows that keep an
            # address are in it: the bookings to come made without login.
            models.Index(
                fields=["booked_from", "start_at"],
                condition=~models.Q(booked_from=""),
                name="booking_appt_booked_from",
            ),
        ]
        permissions = [
            ("view_health", "Can see clients' health answers and notes"),
            # Reception's: every therapist's calendar and every client
            # in the staff workspace (/staff/). Without it a therapist
            # sees only their own (booking/staff_access.py).
            ("run_front_desk", "Can run the front desk: every calendar, visit and client"),
            ("view_reports", "Can see the studio's reports"),
        ]

    def __str__(self) -> str:
        return f"{self.offering} with {self.therapist} at {timezone.localtime(self.start_at):%Y-%m-%d %H:%M}"

    @property
    def is_active(self) -> bool:
        """Whether it takes its time: confirmed, or held until its hold expires."""
        return self.status in self.ACTIVE_STATUSES

    @property
    def is_held(self) -> bool:
        return self.status == self.Status.HELD

    @property
    def mailbox_token(self) -> str:
        return mailbox_token_for(self.manage_token)


class TreatmentNote(models.Model):
    """What the therapist wrote about one massage, in the SOAP order.

    Health data (DESIGN.md, invariant 8): seen by staff with
    `view_health`, and by the therapist of the appointment.
    """

    appointment = models.OneToOneField(
        Appointment,
        on_delete=models.CASCADE,
        related_name="treatment_note",
        verbose_name=_("appointment"),
    )
    subjective = models.TextField(
        blank=True,
        help_text=_("What the client tells: complaints, pain, how the last session went."),
        verbose_name=_("subjective"),
    )
    objective = models.TextField(
        blank=True,
        help_text=_("What the therapist finds: tension, swelling, range of movement."),
        verbose_name=_("objective"),
    )
    assessment = models.TextField(
        blank=True,
        help_text=_("What it means, and how the client responded to the massage."),
        verbose_name=_("assessment"),
    )
    plan = models.TextField(
        blank=True,
        help_text=_("What to do next time, and what the client was advised."),
        verbose_name=_("plan"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("written by"),
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    updated_at = models.DateTimeField(default=timezone.now, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("treatment note")
        verbose_name_plural = _("treatment notes")

    def __str__(self) -> str:
        return f"Treatment note for {self.appointment_id}"


class Allocation(models.Model):
    """A resource held by a visit for a time span.

    The time is copied so that one exclusion constraint on this table can
    refuse two active allocations of one resource that overlap. A room
    for two is held by one allocation for both appointments of a couples
    massage (`appointment` empty: the whole visit holds it); a resource
    one appointment takes alone names that appointment.
    """

    visit = models.ForeignKey(
        Visit, on_delete=models.CASCADE, related_name="allocations", verbose_name=_("visit")
    )
    appointment = models.ForeignKey(
        Appointment,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="allocations",
        help_text=_("Empty when the visit holds it for several of its appointments."),
        verbose_name=_("appointment"),
    )
    resource = models.ForeignKey(
        Resource, on_delete=models.PROTECT, related_name="allocations", verbose_name=_("resource")
    )
    start_at = models.DateTimeField(verbose_name=_("start at"))
    blocked_until = models.DateTimeField(verbose_name=_("blocked until"))
    is_active = models.BooleanField(default=True, verbose_name=_("is active"))

    class Meta:
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        indexes = [
            # The availability engine: a resource's allocations overlapping a window.
            models.Index(
                fields=["resource", "start_at", "blocked_until"],
                name="booking_alloc_resource_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resource} for {self.visit_id}"


class AppointmentEvent(models.Model):
    """The audit trail: who did what to an appointment, and when."""

    class Action(models.TextChoices):
        BOOKED = "booked", pgettext_lazy("appointment event", "Booked")
        CANCELLED = "cancelled", pgettext_lazy("appointment event", "Cancelled")
        RESCHEDULED = "rescheduled", pgettext_lazy("appointment event", "Rescheduled")
        COMPLETED = "completed", _("Marked completed")
        NO_SHOW = "no_show", _("Marked no-show")
        ERASED = "erased", _("Personal data erased")
        CLIENT_VERIFIED = "client_verified", _("Client confirmed the details by e-mail")
        CLIENT_MERGED = "client_merged", _("Client records merged")
        HOLD_CONFIRMED = "hold_confirmed", _("Hold confirmed")
        HOLD_EXPIRED = "hold_expired", _("Hold expired")
        REASSIGNED = "reassigned", _("Given to another therapist")
        ARRIVED = "arrived", _("Marked arrived")
        MARK_UNDONE = "mark_undone", _("Mark undone")
        # The treatment note's text is health data: these events carry
        # who wrote it and when, never what it says.
        NOTE_WRITTEN = "note_written", _("Treatment note written")
        NOTE_CHANGED = "note_changed", _("Treatment note changed")

    appointment = models.ForeignKey(
        Appointment, on_delete=models.CASCADE, related_name="events", verbose_name=_("appointment")
    )
    action = models.CharField(max_length=16, choices=Action.choices, verbose_name=_("action"))
    actor = models.CharField(
        max_length=150,
        help_text=_("Who: a staff user, an integration, a guest."),
        verbose_name=_("actor"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        verbose_name=_("user"),
    )
    details = models.JSONField(default=dict, blank=True, verbose_name=_("details"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("appointment event")
        verbose_name_plural = _("appointment events")
        indexes = [models.Index(fields=["appointment", "created_at"], name="booking_event_by_appt")]

    def __str__(self) -> str:
        return f"{self.get_action_display()} by {self.actor}"


class IdempotencyKey(models.Model):
    """A booking made with an `Idempotency-Key` header, to answer its repeats.

    Holds no personal data: who sent the key is a user id or a hash, the
    request a hash, and the answer is rendered again from the appointment.
    """

    class State(models.TextChoices):
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")

    owner = models.CharField(
        max_length=80,
        help_text=_(
            "Whose key space: `user:<id>`, `anon:<sha256 of the client e-mail>`, "
            "`body:<sha256 of a body without one>` or `website`."
        ),
        verbose_name=_("owner"),
    )
    key = models.CharField(max_length=255, verbose_name=_("key"))
    request_hash = models.CharField(max_length=64, verbose_name=_("request hash"))
    state = models.CharField(
        max_length=8, choices=State.choices, default=State.RUNNING, verbose_name=_("state")
    )
    response_status = models.PositiveSmallIntegerField(
        null=True, blank=True, verbose_name=_("response status")
    )
    appointment = models.ForeignKey(
        Appointment,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="idempotency_keys",
        help_text=_("What the request booked; empty while it runs."),
        verbose_name=_("appointment"),
    )
    visit = models.ForeignKey(
        Visit,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="idempotency_keys",
        help_text=_("The visit or course's first visit the request booked; empty while it runs."),
        verbose_name=_("visit"),
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [
            models.UniqueConstraint(fields=["owner", "key"], name="booking_idempotencykey_unique")
        ]

    def __str__(self) -> str:
        return f"{self.owner}:{self.key}"
