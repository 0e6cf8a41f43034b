"""The owner sets payment policies and packages here; money itself is read-only.

The ledger, payments and gift cards are written only by the payment
services (the desk, the website, the gateway's webhook): the admin shows
them and never edits a row, so every balance stays a true sum.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin

from booking.admin.common import LongListAdmin
from payments.models import (
    ClientPackage,
    Entry,
    GiftCard,
    Package,
    Payment,
    PaymentPolicy,
    Settlement,
)
from payments.selectors import sessions_left


@admin.register(PaymentPolicy)
class PaymentPolicyAdmin(admin.ModelAdmin[PaymentPolicy]):
    list_display = [
        "__str__",
        "online",
        "deposit_amount",
        "deposit_percent",
        "late_cancel_fee_percent",
        "no_show_fee_percent",
        "fee_cutoff_hours",
        "refunds_in_time",
    ]
    autocomplete_fields = ["offering"]


@admin.register(Package)
class PackageAdmin(TranslationAdmin[Package]):
    list_display = ["name", "offering", "sessions", "price", "currency", "valid_days", "is_active"]
    list_filter = ["is_active"]
    autocomplete_fields = ["offering"]


class ReadOnlyAdmin(LongListAdmin[Any]):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Entry)
class EntryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "kind", "method", "amount", "currency", "client", "actor"]
    list_filter = ["kind", "method"]
    list_select_related = ["client"]
    ordering = ["-created_at", "-id"]


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "purpose", "status", "amount", "currency", "client", "backend"]
    list_filter = ["status", "purpose"]
    list_select_related = ["client"]
    ordering = ["-created_at", "-id"]
    exclude = ["client_secret"]


@admin.register(GiftCard)
class GiftCardAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "amount", "currency", "recipient_name", "is_paid", "expires_at"]
    ordering = ["-created_at", "-id"]
    exclude = ["code_hash"]


@admin.register(Settlement)
class SettlementAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "visit", "outcome", "fee", "refunded", "currency"]
    list_filter = ["outcome"]
    list_select_related = ["visit"]
    ordering = ["-created_at", "-id"]


@admin.register(ClientPackage)
class ClientPackageAdmin(ReadOnlyAdmin):
    list_display = ["package", "client", "sessions", "left", "bought_at", "expires_at", "is_paid"]
    list_filter = ["is_paid"]
    list_select_related = ["package", "client"]
    ordering = ["-bought_at", "-id"]

    @admin.display(description=_("sessions left"))
    def left(self, obj: ClientPackage) -> int:
        # One sum per row shown: a page of the list, never the whole history.
        return sessions_left(obj)
