"""Money: what the studio asks for, what a client paid, and every movement of it.

The ledger (`Entry`) is the one record of money: each charge, deposit,
refund, fee, sale and redemption is a row, written only by the services
in `payments/services/`, and every balance (what a visit still owes, a
gift card's balance, a package's sessions left) is a sum over it, never
a stored total someone edits. `Payment` is one attempt to take money
through the payment gateway (a deposit, a fee on a saved card, a
package or gift card bought online); it becomes ledger rows only once
the gateway says it succeeded.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_stubs_ext import StrOrPromise

from booking.models import Client, Visit
from catalog.models import Offering


def _money(verbose_name: StrOrPromise, **options: Any) -> models.DecimalField[Any, Any]:
    return models.DecimalField(
        max_digits=10, decimal_places=2, verbose_name=verbose_name, **options
    )


class PaymentPolicy(models.Model):
    """What the studio asks a client to pay online, and the fees it charges.

    One row without an offering is the studio-wide policy; a row for an
    offering overrides it for that offering (`policies.policy_for`).
    With no row at all nothing is paid online and no fee is charged.
    """

    class Online(models.TextChoices):
        NOTHING = "nothing", _("Nothing online: pay at the studio")
        DEPOSIT = "deposit", _("A deposit")
        FULL = "full", _("The full price")

    offering = models.ForeignKey(
        Offering,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="payment_policies",
        help_text=_("Empty: the studio-wide policy, for every offering without its own."),
        verbose_name=_("offering"),
    )
    online = models.CharField(
        max_length=16,
        choices=Online.choices,
        default=Online.NOTHING,
        verbose_name=_("paid online when booking"),
    )
    deposit_amount = _money(
        _("deposit amount"),
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_("A fixed deposit per massage; or give a percentage instead."),
    )
    deposit_percent = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("The deposit as a share of the price, in per cent."),
        verbose_name=_("deposit percent"),
    )
    late_cancel_fee_percent = models.PositiveSmallIntegerField(
        default=0,
        validators=[MaxValueValidator(100)],
        help_text=_("Charged to the saved card when the client cancels after the cut-off."),
        verbose_name=_("late cancellation fee, per cent of the price"),
    )
    no_show_fee_percent = models.PositiveSmallIntegerField(
        default=0,
        validators=[MaxValueValidator(100)],
        help_text=_("Charged to the saved card when the client does not come."),
        verbose_name=_("no-show fee, per cent of the price"),
    )
    fee_cutoff_hours = models.PositiveSmallIntegerField(
        default=24,
        help_text=_("A cancellation this many hours or less before the start is late."),
        verbose_name=_("fee cut-off, hours"),
    )
    refunds_in_time = models.BooleanField(
        default=True,
        help_text=_(
            "Whether a client who cancels before the cut-off gets back what they paid online."
        ),
        verbose_name=_("refund a cancellation in time"),
    )

    class Meta:
        verbose_name = _("payment policy")
        verbose_name_plural = _("payment policies")
        constraints = [
            # One policy per offering and one studio-wide (no offering):
            # a NULL offering counts as the same value here.
            models.UniqueConstraint(
                Coalesce("offering", models.Value(0)),
                name="payments_paymentpolicy_one_studio_wide",
                violation_error_message=_("The studio already has a studio-wide policy."),
            ),
            models.CheckConstraint(
                condition=~models.Q(online="deposit")
                | models.Q(deposit_amount__isnull=False)
                | models.Q(deposit_percent__isnull=False),
                name="payments_paymentpolicy_deposit_given",
                violation_error_message=_("A deposit needs an amount or a percentage."),
            ),
        ]

    def __str__(self) -> str:
        return str(self.offering) if self.offering_id else str(_("Studio-wide"))


class SavedCard(models.Model):
    """A card the client saved at the gateway when paying online, for fees later."""

    client = models.ForeignKey(
        Client, on_delete=models.CASCADE, related_name="saved_cards", verbose_name=_("client")
    )
    backend = models.CharField(max_length=32, verbose_name=_("payment backend"))
    customer_reference = models.CharField(max_length=255, verbose_name=_("gateway customer"))
    method_reference = models.CharField(max_length=255, verbose_name=_("gateway card"))
    brand = models.CharField(max_length=32, blank=True, verbose_name=_("brand"))
    last4 = models.CharField(max_length=4, blank=True, verbose_name=_("last four digits"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("saved card")
        verbose_name_plural = _("saved cards")
        constraints = [
            models.UniqueConstraint(
                fields=["backend", "method_reference"], name="payments_savedcard_unique_method"
            )
        ]
        # A client's cards, newest first (the fee charge takes the newest).
        indexes = [models.Index(fields=["client", "-created_at"], name="payments_card_by_client")]

    def __str__(self) -> str:
        return f"{self.brand} ···· {self.last4}".strip()


class Package(models.Model):
    """A package the studio sells: a number of sessions of one offering at a price."""

    name = models.CharField(max_length=120, verbose_name=pgettext_lazy("a thing's name", "name"))
    offering = models.ForeignKey(
        Offering, on_delete=models.PROTECT, related_name="packages", verbose_name=_("offering")
    )
    sessions = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1)], verbose_name=_("sessions")
    )
    price = _money(_("price"), validators=[MinValueValidator(Decimal("0.01"))])
    currency = models.CharField(max_length=3, default="EUR", verbose_name=_("currency"))
    valid_days = models.PositiveSmallIntegerField(
        default=365,
        validators=[MinValueValidator(1)],
        help_text=_("How long after buying the sessions can be used."),
        verbose_name=_("valid for, days"),
    )
    is_active = models.BooleanField(
        default=True,
        help_text=_("Whether it is sold now (packages already bought stay usable)."),
        verbose_name=_("is sold"),
    )

    class Meta:
        verbose_name = _("package")
        verbose_name_plural = _("packages")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ClientPackage(models.Model):
    """A package one client bought; each booked session redeems one (ledger rows)."""

    id = models.UUIDField(
        primary_key=True, default=uuid.uuid4, editable=False, verbose_name=_("id")
    )
    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="packages", verbose_name=_("client")
    )
    package = models.ForeignKey(
        Package, on_delete=models.PROTECT, related_name="sold", verbose_name=_("package")
    )
    # Copied from the package when sold: a later change of the package
    # does not change what was bought.
    offering = models.ForeignKey(
        Offering, on_delete=models.PROTECT, related_name="+", verbose_name=_("offering")
    )
    sessions = models.PositiveSmallIntegerField(verbose_name=_("sessions"))
    price = _money(_("price"))
    currency = models.CharField(max_length=3, verbose_name=_("currency"))
    bought_at = models.DateTimeField(default=timezone.now, verbose_name=_("bought at"))
    expires_at = models.DateTimeField(verbose_name=_("expires at"))
    # False until paid when bought online; a package sold at the desk is paid at once.
    is_paid = models.BooleanField(default=False, verbose_name=_("is paid"))

    class Meta:
        verbose_name = _("client's package")
        verbose_name_plural = _("clients' packages")
        # A client's packages that can still be used, for booking and the manage page.
        indexes = [models.Index(fields=["client", "expires_at"], name="payments_pkg_by_client")]

    def __str__(self) -> str:
        return f"{self.package} ({self.client})"


class GiftCard(models.Model):
    """A gift card: a code and an amount; its balance is the sale less what was spent.

    Only a keyed hash of the code is kept (`giftcards.code_hash`), so the
    database does not give the codes away; the buyer gets the code once,
    by e-mail and on the page after paying, and staff see its last four.
    """

    id = models.UUIDField(
        primary_key=True, default=uuid.uuid4, editable=False, verbose_name=_("id")
    )
    code_hash = models.CharField(max_length=64, unique=True, verbose_name=_("code hash"))
    code_last4 = models.CharField(max_length=4, verbose_name=_("last four of the code"))
    amount = _money(_("amount"), validators=[MinValueValidator(Decimal("0.01"))])
    currency = models.CharField(max_length=3, default="EUR", verbose_name=_("currency"))
    bought_by = models.ForeignKey(
        Client,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="gift_cards_bought",
        verbose_name=_("bought by"),
    )
    recipient_name = models.CharField(max_length=120, blank=True, verbose_name=_("for"))
    recipient_email = models.EmailField(blank=True, verbose_name=_("recipient's e-mail"))
    message = models.TextField(blank=True, verbose_name=_("message"))
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    # False until paid when bought online; one sold at the desk is paid at once.
    is_paid = models.BooleanField(default=False, verbose_name=_("is paid"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    expires_at = models.DateTimeField(verbose_name=_("expires at"))

    class Meta:
        verbose_name = _("gift card")
        verbose_name_plural = _("gift cards")

    def __str__(self) -> str:
        return f"···· {self.code_last4}"


class Payment(models.Model):
    """One attempt to take money through the payment gateway.

    It succeeds (then the ledger has its rows), fails (with the gateway's
    reason, and the client may try again with a new one) or is cancelled.
    """

    class Purpose(models.TextChoices):
        DEPOSIT = "deposit", _("Deposit")
        FULL = "full", _("Full price")
        FEE = "fee", _("Fee")
        PACKAGE = "package", _("Package")
        GIFT_CARD = "gift_card", _("Gift card")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the payment")
        SUCCEEDED = "succeeded", _("Paid")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", pgettext_lazy("payment status", "Cancelled")

    id = models.UUIDField(
        primary_key=True, default=uuid.uuid4, editable=False, verbose_name=_("id")
    )
    purpose = models.CharField(max_length=16, choices=Purpose.choices, verbose_name=_("purpose"))
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.PENDING, verbose_name=_("status")
    )
    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="payments", verbose_name=_("client")
    )
    visit = models.ForeignKey(
        Visit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="payments",
        verbose_name=_("visit"),
    )
    client_package = models.ForeignKey(
        ClientPackage,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="payments",
        verbose_name=_("package"),
    )
    gift_card = models.ForeignKey(
        GiftCard,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="payments",
        verbose_name=_("gift card"),
    )
    amount = _money(_("amount"), validators=[MinValueValidator(Decimal("0.01"))])
    currency = models.CharField(max_length=3, verbose_name=_("currency"))
    backend = models.CharField(max_length=32, verbose_name=_("payment backend"))
    gateway_reference = models.CharField(
        max_length=255, blank=True, verbose_name=_("gateway reference")
    )
    # What the client's browser pays with (a Stripe PaymentIntent's
    # client secret): it lets whoever holds it pay this payment, nothing
    # else, and is shown only to the browser that booked.
    client_secret = models.CharField(max_length=255, blank=True, verbose_name=_("client secret"))
    failure_message = models.TextField(blank=True, verbose_name=_("failure"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    updated_at = models.DateTimeField(default=timezone.now, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [
            # The gateway's webhook finds the payment by its reference.
            models.UniqueConstraint(
                fields=["backend", "gateway_reference"],
                condition=~models.Q(gateway_reference=""),
                name="payments_payment_unique_reference",
            ),
        ]
        indexes = [
            # A visit's payments (its page, the fee and refund services).
            models.Index(fields=["visit", "created_at"], name="payments_payment_by_visit"),
            # The sweep of payments whose visit's hold expired: only pending rows.
            models.Index(
                fields=["created_at"],
                condition=models.Q(status="pending"),
                name="payments_payment_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} {self.amount} {self.currency}"


class Entry(models.Model):
    """One movement of money, or of a package's sessions: the ledger.

    `amount` is what the studio takes in (positive) or gives back
    (negative, a refund). A redemption of a package or a gift card is
    money the client paid earlier, now applied to a visit: its amount is
    the value applied, and it is not counted again as money taken in.
    Rows are never changed or deleted; a mistake is put right by another
    row.
    """

    class Kind(models.TextChoices):
        CHARGE = "charge", _("Payment of the price")
        DEPOSIT = "deposit", _("Deposit")
        REFUND = "refund", _("Refund")
        FEE = "fee", _("Fee")
        PACKAGE_SALE = "package_sale", _("Package sold")
        PACKAGE_REDEMPTION = "package_redemption", _("Package session used")
        GIFT_CARD_SALE = "gift_card_sale", _("Gift card sold")
        GIFT_CARD_REDEMPTION = "gift_card_redemption", _("Gift card spent")
        DESK_PAYMENT = "desk_payment", _("Paid at the studio")

    class Method(models.TextChoices):
        ONLINE = "online", _("Card online")
        CASH = "cash", _("Cash")
        CARD_TERMINAL = "card_terminal", _("Card on the terminal")
        PACKAGE = "package", _("Package")
        GIFT_CARD = "gift_card", _("Gift card")

    # The methods by which money comes in; the others apply money paid before.
    MONEY_IN_METHODS = frozenset({Method.ONLINE, Method.CASH, Method.CARD_TERMINAL})
    # How money is taken at the desk (the checkout, fees, sales of packages and gift cards).
    DESK_METHODS = frozenset({Method.CASH, Method.CARD_TERMINAL})

    kind = models.CharField(max_length=24, choices=Kind.choices, verbose_name=_("kind"))
    method = models.CharField(max_length=16, choices=Method.choices, verbose_name=_("method"))
    amount = _money(_("amount"))
    currency = models.CharField(max_length=3, verbose_name=_("currency"))
    client = models.ForeignKey(
        Client,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ledger_entries",
        verbose_name=_("client"),
    )
    visit = models.ForeignKey(
        Visit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ledger_entries",
        verbose_name=_("visit"),
    )
    payment = models.ForeignKey(
        Payment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="entries",
        verbose_name=_("payment"),
    )
    client_package = models.ForeignKey(
        ClientPackage,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="entries",
        verbose_name=_("package"),
    )
    gift_card = models.ForeignKey(
        GiftCard,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="entries",
        verbose_name=_("gift card"),
    )
    # Package sessions: +1 a session used, -1 one given back.
    sessions = models.SmallIntegerField(default=0, verbose_name=_("sessions"))
    gateway_reference = models.CharField(
        max_length=255, blank=True, verbose_name=_("gateway reference")
    )
    actor = models.CharField(
        max_length=150,
        help_text=_("Who: a staff user, the client, the gateway."),
        verbose_name=_("actor"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    note = models.CharField(max_length=255, blank=True, verbose_name=_("note"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(amount=0) | ~models.Q(sessions=0),
                name="payments_entry_moves_something",
            ),
            # A gateway's refund or charge is written once, however often
            # its webhook or a retry reports it.
            models.UniqueConstraint(
                fields=["kind", "gateway_reference"],
                condition=~models.Q(gateway_reference=""),
                name="payments_entry_unique_reference",
            ),
        ]
        indexes = [
            # A visit's balance (`selectors.visit_balance`).
            models.Index(fields=["visit", "created_at"], name="payments_entry_by_visit"),
            # A gift card's balance and a package's sessions left.
            models.Index(fields=["gift_card"], name="payments_entry_by_gift_card"),
            models.Index(fields=["client_package"], name="payments_entry_by_package"),
            # The reports: money by period, bounded by time.
            models.Index(fields=["created_at", "kind"], name="payments_entry_by_time"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} {self.currency}"


class GatewayEvent(models.Model):
    """A gateway event handled: a webhook delivered twice is handled once."""

    backend = models.CharField(max_length=32, verbose_name=_("payment backend"))
    event_reference = models.CharField(max_length=255, verbose_name=_("event"))
    kind = models.CharField(max_length=64, verbose_name=_("type"))
    received_at = models.DateTimeField(default=timezone.now, verbose_name=_("received at"))

    class Meta:
        verbose_name = _("gateway event")
        verbose_name_plural = _("gateway events")
        constraints = [
            models.UniqueConstraint(
                fields=["backend", "event_reference"], name="payments_gatewayevent_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.event_reference}"


class Settlement(models.Model):
    """What the policy decided for a cancelled visit, once: a refund, a fee, or nothing.

    One row per cancelled visit (`fees.settle_cancellation`), written in
    the transaction that writes its ledger rows, so a settlement run
    twice (a retried task, the sweep) writes once. It keeps the fee the
    policy asked for even when no card could pay it: that fee is owed,
    and the desk takes it.
    """

    class Outcome(models.TextChoices):
        NOTHING = "nothing", _("Nothing to settle")
        REFUNDED = "refunded", _("Cancelled in time: refunded")
        KEPT = "kept", _("Cancelled in time: nothing refunded by the policy")
        FEE_CHARGED = "fee_charged", _("Late: fee charged")
        FEE_OWED = "fee_owed", _("Late: fee owed")
        WAIVED = "waived", _("Cancelled by the studio: no fee")

    visit = models.OneToOneField(
        Visit, on_delete=models.PROTECT, related_name="settlement", verbose_name=_("visit")
    )
    outcome = models.CharField(max_length=16, choices=Outcome.choices, verbose_name=_("outcome"))
    cancelled_at = models.DateTimeField(verbose_name=_("cancelled at"))
    fee = _money(_("fee"), default=Decimal(0))
    refunded = _money(_("refunded"), default=Decimal(0))
    currency = models.CharField(max_length=3, verbose_name=_("currency"))
    failure_message = models.TextField(blank=True, verbose_name=_("failure"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("cancellation settlement")
        verbose_name_plural = _("cancellation settlements")
        # The admin's list, newest first.
        indexes = [models.Index(fields=["created_at"], name="payments_settlement_by_time")]

    def __str__(self) -> str:
        return str(self.get_outcome_display())
