"""The admin of the waitlist: who waits for which times, their offers, and "Withdraw".

Entries come from the site and the API (`waitlist.join_waitlist`) and
change only through the waitlist's services: an entry's page is
read-only, and the one action withdraws through `waitlist.withdraw_entry`.
Only the owner (a superuser) sees it here: no staff role is given its
permissions, and reception works the waitlist at /staff/waitlist/.
The manage token is never shown nor looked up.
The table stays small: the hourly clean-up deletes ended entries.
"""

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import formats
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from booking.admin.common import DateHierarchyAdmin, is_lookup_allowed, local
from notifications import waitlist
from notifications.models import WaitlistEntry, WaitlistOffer


class WaitlistOfferInline(admin.TabularInline[WaitlistOffer, WaitlistEntry]):
    """An entry's offers, on its page: read-only, as the services wrote them."""

    model = WaitlistOffer
    extra = 0
    fields = ["local_start", "status", "local_expires", "held_visit", "local_created"]
    readonly_fields = ["local_start", "status", "local_expires", "held_visit", "local_created"]
    ordering = ["created_at"]
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("Start (studio time)"))
    def local_start(self, offer: WaitlistOffer) -> str:
        return local(offer.start_at)

    @admin.display(description=_("expires at"))
    def local_expires(self, offer: WaitlistOffer) -> str:
        return local(offer.expires_at)

    @admin.display(description=_("created at"))
    def local_created(self, offer: WaitlistOffer) -> str:
        return local(offer.created_at)

    @admin.display(description=_("visit"))
    def held_visit(self, offer: WaitlistOffer) -> SafeString:
        url = reverse("admin:booking_visit_change", args=[offer.visit_id])
        return format_html('<a href="{}">{}</a>', url, offer.visit_id)


@admin.register(WaitlistEntry)
class WaitlistEntryAdmin(DateHierarchyAdmin[WaitlistEntry]):
    list_display = [
        "contact_name",
        "offering",
        "therapist",
        "dates",
        "times",
        "people",
        "status",
        "local_created",
    ]
    list_filter = ["status", "offering", "therapist"]
    list_select_related = ["offering", "therapist"]
    search_fields = ["contact_name", "contact_email", "contact_phone"]
    date_hierarchy = "date_to"
    # Served by the index on (date_to, date_from), read backwards.
    ordering = ["-date_to", "-date_from"]
    exclude = ["manage_token"]
    inlines = [WaitlistOfferInline]
    actions = ["withdraw"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Clients join on the site or through the API, by the waitlist's rules.
        return False

    def has_change_permission(self, request: HttpRequest, obj: WaitlistEntry | None = None) -> bool:
        # Without an entry this is the right to run "Withdraw"; an
        # entry's own page is read-only, so nothing changes by hand.
        if obj is not None:
            return False
        return super().has_change_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: WaitlistEntry | None = None) -> bool:
        # Ended entries are deleted by the hourly clean-up, after a while.
        return False

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest) -> bool:
        return is_lookup_allowed(lookup, request) and super().lookup_allowed(lookup, value, request)

    @admin.display(description=_("Dates"), ordering="date_to")
    def dates(self, entry: WaitlistEntry) -> str:
        return "{} – {}".format(
            formats.date_format(entry.date_from, "SHORT_DATE_FORMAT"),
            formats.date_format(entry.date_to, "SHORT_DATE_FORMAT"),
        )

    @admin.display(description=_("Times"))
    def times(self, entry: WaitlistEntry) -> str:
        return f"{entry.time_from:%H:%M}–{entry.time_to:%H:%M}"

    @admin.display(description=_("created at"), ordering="created_at")
    def local_created(self, entry: WaitlistEntry) -> str:
        return local(entry.created_at)

    @admin.action(description=_("Withdraw the selected entries"), permissions=["change"])
    def withdraw(self, request: HttpRequest, queryset: QuerySet[WaitlistEntry]) -> None:
        withdrawn = 0
        for entry in queryset:
            before = entry.status
            after = waitlist.withdraw_entry(entry=entry).status
            withdrawn += before != after
        skipped = len(queryset) - withdrawn
        self.message_user(
            request,
            ngettext("%(count)d entry withdrawn.", "%(count)d entries withdrawn.", withdrawn)
            % {"count": withdrawn},
            messages.SUCCESS,
        )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(count)d selected entry was no longer in line and was left alone.",
                    "%(count)d selected entries were no longer in line and were left alone.",
                    skipped,
                )
                % {"count": skipped},
                messages.WARNING,
            )
