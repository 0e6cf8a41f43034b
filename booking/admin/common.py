"""What the booking admin pages share."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, ClassVar, TypeVar, cast
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.core.paginator import Paginator
from django.db.models import Count, Max, Min, Model, OuterRef, QuerySet, Subquery
from django.db.models.constants import LOOKUP_SEP
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils import formats, timezone
from django.utils.functional import Promise, cached_property
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString
from django.utils.text import capfirst
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from booking.admin import phone
from booking.contacts import is_email
from booking.errors import BookingError
from booking.forms import CancelBookingsForm
from booking.models import Appointment, Visit
from booking.services import Actor, access, can_see_health

_M = TypeVar("_M", bound=Model)

HEALTH_HIDDEN = _("Hidden: needs the permission to see health data.")
# The fieldset that holds health data; found by this same object, whatever the language.
HEALTH_FIELDSET = _("Health and notes")
# Fields that the changelist's lookups in the address (`?notes__contains=…`)
# must not reach: Django takes any lookup on the model's own fields, and
# which rows a filter keeps answers, row by row, what the page hides.
HEALTH_FIELDS = frozenset({"health", "notes"})
# Filtering by the token a character at a time would read it out; staff
# change bookings through the admin and never need it.
SECRET_FIELDS = frozenset({"manage_token"})


def studio_zone() -> ZoneInfo:
    return ZoneInfo(settings.STUDIO_TIME_ZONE)


def local(moment: datetime, pattern: str = "DATETIME_FORMAT") -> str:
    return formats.date_format(timezone.localtime(moment, studio_zone()), pattern)


def is_lookup_allowed(lookup: str, request: HttpRequest) -> bool:
    """No lookup on the manage token; on health data only with the permission to see it.

    A model admin's `lookup_allowed` asks this before Django's own checks.
    """
    field = lookup.split(LOOKUP_SEP, 1)[0]
    if field in SECRET_FIELDS:
        return False
    return field not in HEALTH_FIELDS or can_see_health(request.user)


def fieldsets_for(request: HttpRequest, fieldsets: list[Any], *, hidden: list[str]) -> list[Any]:
    """The fieldsets, with the health fieldset's fields swapped for `hidden` without the permission."""
    if can_see_health(request.user):
        return list(fieldsets)
    return [
        (name, {"fields": hidden}) if name is HEALTH_FIELDSET else (name, options)
        for name, options in fieldsets
    ]


def unverified_flag() -> SafeString:
    """The flag on a booking linked to its client record by the typed-in e-mail only."""
    return format_html(
        '<strong class="unverified" style="color:#ba2121" title="{}">{}</strong>',
        gettext("Booked without login: linked to the client record by the e-mail typed in only."),
        pgettext_lazy("a booking's link to the client record", "unverified"),
    )


def change_each(
    model_admin: admin.ModelAdmin[_M],
    request: HttpRequest,
    rows: Iterable[_M],
    change: Callable[[_M], object],
    *,
    done: Promise,
    name: str,
) -> None:
    """Run a service on each row on its own, and say how each went.

    One transaction each, so one refusal does not undo the others.
    `done` is the message for a row changed, with the row as `%(<name>)s`.
    """
    for row in rows:
        try:
            change(row)
        except BookingError as refused:
            model_admin.message_user(request, f"{row}: {refused.message}", messages.ERROR)
        else:
            model_admin.message_user(request, str(done) % {name: row}, messages.SUCCESS)


def back(request: HttpRequest) -> HttpResponseRedirect:
    """Back to the page an action came from: the list, or a booking's page."""
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = request.get_full_path()
    return HttpResponseRedirect(target)


@dataclass(frozen=True)
class CancelAction:
    """What a cancel action says: its name, the confirmation page's words, the done message."""

    action: str
    title: StrOrPromise
    question: StrOrPromise
    # The message for a row cancelled, with the row as `%(<name>)s`.
    done: Promise
    name: str


def cancel_each(
    model_admin: admin.ModelAdmin[_M],
    request: HttpRequest,
    rows: Iterable[_M],
    *,
    cancel: Callable[[_M, Actor, str], object],
    words: CancelAction,
    label: Callable[[_M], str] = str,
) -> HttpResponse:
    """A cancel action: ask for a reason first, as deleting asks to confirm; then cancel each.

    `cancel(row, actor, reason)` calls the service; each row is cancelled
    on its own (`change_each`). `label` is how staff read a row on the
    confirmation page.
    """
    form = CancelBookingsForm(request.POST if "post" in request.POST else None)
    if form.is_valid():
        actor = Actor.for_user(request.user)
        reason = form.cleaned_data["reason"]
        change_each(
            model_admin,
            request,
            rows,
            lambda row: cancel(row, actor, reason),
            done=words.done,
            name=words.name,
        )
        return back(request)
    context = {
        **model_admin.admin_site.each_context(request),
        "title": words.title,
        "question": words.question,
        "opts": model_admin.opts,
        "rows": [(row.pk, label(row)) for row in rows],
        "action": words.action,
        "form": form,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "next": request.POST.get("next", ""),
        "media": model_admin.media,
    }
    return TemplateResponse(request, "admin/booking/cancel_confirmation.html", context)


class CappedPaginator(Paginator[Any]):
    """A paginator that counts at most `CAP` rows past the first.

    The admin counts the rows a list holds to draw its pages: over years
    of history a full COUNT(*) reads them all, on every page. This one
    counts a `LIMIT CAP + 1` subquery, so a page costs the same after
    five years as on the first day; past the cap the list says "more
    than" (`admin/booking/pagination.html`) and staff narrow it with the
    filters or the date navigation.
    """

    CAP = 10_000

    @cached_property
    def count(self) -> int:
        # The ids only: a list's annotations (a visit's appointments, a
        # course's next session) would run once per row counted.
        rows = cast("QuerySet[Any]", self.object_list)
        return rows.values("pk")[: self.CAP + 1].count()

    @property
    def is_capped(self) -> bool:
        return self.count > self.CAP


class LongListAdmin(admin.ModelAdmin[_M]):
    """A model admin whose list can hold years of rows.

    No count of the whole table beside the filtered one, and the
    filtered one capped (`CappedPaginator`). Its `ordering` must be one
    an index gives, id tie-break included (migration 0022).
    """

    paginator = CappedPaginator
    show_full_result_count = False

    def booked_with_email(self, queryset: QuerySet[_M], email: str) -> QuerySet[_M] | None:
        """The rows booked with this e-mail, read through the e-mail indexes.

        None where the list has no such lookup: the e-mail is then
        searched as any other term.
        """
        return None

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[_M], search_term: str
    ) -> tuple[QuerySet[_M], bool]:
        """An e-mail is looked up through the indexes; any other term as Django does.

        Django's search is `icontains` on every search field, which no
        index serves: over years of bookings a sequential scan. An
        e-mail, what reception most often has at hand, is matched whole,
        in any letter case (`booked_with_email`).
        """
        term = search_term.strip()
        if is_email(term):
            found = self.booked_with_email(queryset, term)
            if found is not None:
                return found, False
        return super().get_search_results(request, queryset, search_term)


def count_appointments(*, of: str) -> Coalesce:
    """How many appointments each row has (`of`: "visit", "client"), for one page only.

    A subquery per row rather than a join with GROUP BY: the list reads
    its rows from an index and stops at a page, where a grouped join
    would count the appointments of every row ever made first. Served by
    the index on the appointment's foreign key.
    """
    counted = Subquery(
        Appointment.objects.filter(**{of: OuterRef("pk")})
        .order_by()
        .values(of)
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(counted, 0)


def date_navigation(cl: ChangeList) -> dict[str, Any]:
    """The context of the admin's `date_hierarchy.html`, without a scan of the years.

    Django draws the years (or the months of a year, the days of a
    month) with `SELECT DISTINCT date_trunc(…)` over every row the list
    holds. This offers every year, month or day between the first and
    the last row instead: one query, MIN and MAX of the date, which an
    index on it answers in two probes. A year or month without a row
    shows an empty list.
    """
    field_name = cl.date_hierarchy
    year_field, month_field, day_field = (
        f"{field_name}__{part}" for part in ("year", "month", "day")
    )
    year = cl.params.get(year_field)
    month = cl.params.get(month_field)
    day = cl.params.get(day_field)

    def link(filters: dict[str, Any]) -> str:
        return str(cl.get_query_string(filters, [f"{field_name}__"]))

    if year and month and day:
        shown = date(int(str(year)), int(str(month)), int(str(day)))
        return {
            "show": True,
            "back": {
                "link": link({year_field: year, month_field: month}),
                "title": capfirst(formats.date_format(shown, "YEAR_MONTH_FORMAT")),
            },
            "choices": [{"title": capfirst(formats.date_format(shown, "MONTH_DAY_FORMAT"))}],
        }
    bounds = cl.queryset.aggregate(first=Min(field_name), last=Max(field_name))
    if bounds["first"] is None:
        return {"show": True, "back": None, "choices": []}
    first, last = (_local_date(bounds[end]) for end in ("first", "last"))
    if not year and first.year == last.year:
        year = first.year
        if first.month == last.month:
            month = first.month
    if year and month:
        return {
            "show": True,
            "back": {"link": link({year_field: year}), "title": str(year)},
            "choices": [
                {
                    "link": link({year_field: year, month_field: month, day_field: number}),
                    "title": capfirst(
                        formats.date_format(first.replace(day=number), "MONTH_DAY_FORMAT")
                    ),
                }
                for number in range(first.day, last.day + 1)
            ],
        }
    if year:
        return {
            "show": True,
            "back": {"link": link({}), "title": _("All dates")},
            "choices": [
                {
                    "link": link({year_field: year, month_field: number}),
                    "title": capfirst(
                        formats.date_format(date(first.year, number, 1), "YEAR_MONTH_FORMAT")
                    ),
                }
                for number in range(first.month, last.month + 1)
            ],
        }
    return {
        "show": True,
        "back": None,
        "choices": [
            {"link": link({year_field: str(number)}), "title": str(number)}
            for number in range(first.year, last.year + 1)
        ],
    }


def _local_date(moment: datetime | date) -> date:
    """The date in the admin's time zone, as Django's drill-down reads it."""
    if isinstance(moment, datetime):
        return timezone.localtime(moment).date() if timezone.is_aware(moment) else moment.date()
    return moment


class DateHierarchyChangeList(ChangeList):
    """Django's changelist, for which a drill-down date past 9999 is a bad lookup, not a 500."""

    def get_filters(self, request: HttpRequest) -> Any:
        try:
            return super().get_filters(request)
        except (ValueError, OverflowError) as error:
            # Django checks the date in the address, then computes the end
            # of its year, month or day outside that check: year 9999 has
            # no end. A bad lookup brings the list back, flagged (`?e=1`).
            raise IncorrectLookupParameters(error) from error


class DateHierarchyAdmin(LongListAdmin[_M]):
    """A model admin with a `date_hierarchy` that any date in the address cannot break.

    Its template draws the drill-down with `date_navigation`, which reads
    the first and last date only, not every date of the years held.
    """

    change_list_template = "admin/booking/dated_change_list.html"

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return DateHierarchyChangeList


class BookingAdmin(DateHierarchyAdmin[_M]):
    """The admin of what clients book (appointments, visits, courses).

    They change only through the booking services: a booking's page is
    read-only, with buttons that run the list's actions on it (so the
    services), and "add" is the phone booking form (`booking.admin.phone`).
    Nothing is deleted: cancelling keeps the history. Health data shows
    only to staff with the permission, and no lookup in the address
    reaches it or the manage token.
    """

    # Shown in place of the health fieldset to staff without the permission.
    health_hidden_fields: ClassVar[list[str]] = [
        "health_hidden",
        "consented_at",
        "consent_recorded_by",
    ]
    # The actions a booking's page offers as buttons while it is active.
    page_actions: ClassVar[list[tuple[str, StrOrPromise]]] = []
    # Whether "add" opens the phone booking form set for a course.
    books_course: ClassVar[bool] = False
    add_form_template = "admin/booking/phone_booking.html"
    change_form_template = "admin/booking/change_form.html"
    change_list_template = "admin/booking/change_list.html"

    def get_fieldsets(self, request: HttpRequest, obj: _M | None = None) -> list[Any]:
        """Health answers and notes only for staff with the permission to see them."""
        fieldsets = super().get_fieldsets(request, obj)
        return fieldsets_for(request, list(fieldsets), hidden=self.health_hidden_fields)

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest) -> bool:
        return is_lookup_allowed(lookup, request) and super().lookup_allowed(lookup, value, request)

    def has_change_permission(self, request: HttpRequest, obj: _M | None = None) -> bool:
        # Without a booking this is the right to run the actions; on a
        # booking's own page the answer is no, so times, status and
        # therapists never change by hand, only through the services.
        if obj is not None:
            return False
        return access.may_change_appointments(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: _M | None = None) -> bool:
        return False

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """The phone booking form, in place of a model form that would skip the rules."""
        return phone.booking_view(
            self,
            request,
            form_url=form_url,
            extra_context=extra_context,
            as_course=self.books_course,
        )

    def render_change_form(  # noqa: PLR0917 (the signature Django gives it)
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: _M | None = None,
    ) -> HttpResponse:
        if obj is not None:
            may_act = self.has_change_permission(request) and getattr(obj, "is_active", True)
            context = {
                **context,
                "page_actions": self.page_actions if may_act else [],
                "studio_zone": studio_zone(),
            }
        return super().render_change_form(request, context, add, change, form_url, obj)

    @admin.display(description=_("Health answers and notes"))
    def health_hidden(self, obj: _M) -> str:
        return str(HEALTH_HIDDEN)


# A booking made at a time with a client's details: an appointment, or a visit.
_Booked = TypeVar("_Booked", Appointment, Visit)


class BookedAdmin(BookingAdmin[_Booked]):
    """The columns an appointment's and a visit's admin share: its times and who booked it."""

    @admin.display(description=_("Start (studio time)"), ordering="start_at")
    def local_start(self, booking: _Booked) -> str:
        return local(booking.start_at)

    @admin.display(description=_("End (studio time)"))
    def local_end(self, booking: _Booked) -> str:
        return local(booking.end_at)

    @admin.display(description=_("Client (as booked)"), ordering="contact_name")
    def client_name(self, booking: _Booked) -> SafeString:
        if booking.is_client_verified:
            return format_html("{}", booking.contact_name)
        return format_html("{} {}", booking.contact_name, unverified_flag())
