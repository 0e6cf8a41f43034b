"""The owner's reports at /staff/reports/: figures, charts and their CSV."""

from __future__ import annotations

import csv
from datetime import date, timedelta

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from staff.access import Scope, staff_view
from staff.reports import figures
from staff.reports.charts import Row, bar_chart
from studio.formatting import format_money
from studio.widgets import NativeDateInput

# The period shown when none is chosen: the last eight weeks, today included.
DEFAULT_WEEKS = 8
TABLES = ("therapists", "rooms", "weeks", "revenue", "money")
# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class PeriodForm(forms.Form):
    start = forms.DateField(label=gettext_lazy("From"), widget=NativeDateInput())
    end = forms.DateField(label=gettext_lazy("To"), widget=NativeDateInput())

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("start"), cleaned.get("end")
        if isinstance(start, date) and isinstance(end, date):
            if end < start:
                raise forms.ValidationError(_("The period ends before it starts."), code="reversed")
            if (end - start).days + 1 > figures.MAX_DAYS:
                raise forms.ValidationError(
                    _("Choose a period of at most %(days)d days.") % {"days": figures.MAX_DAYS},
                    code="too_long",
                )
        return cleaned


@staff_view
def reports(request: HttpRequest, scope: Scope) -> HttpResponse:
    """The owner's figures for a period; `?format=csv&table=…` downloads one table."""
    if not scope.user.has_perm("booking.view_reports"):
        raise PermissionDenied
    today = timezone.localdate()
    default_start = today - timedelta(weeks=DEFAULT_WEEKS) + timedelta(days=1)
    wants_period = "start" in request.GET or "end" in request.GET
    form = PeriodForm(
        request.GET if wants_period else None,
        initial={"start": default_start, "end": today},
    )
    if wants_period and not form.is_valid():
        return render(request, "staff/reports/reports.html", {"form": form}, status=400)
    start, end = (
        (form.cleaned_data["start"], form.cleaned_data["end"])
        if wants_period
        else (default_start, today)
    )
    report = figures.report(start, end)
    money = figures.money(start, end, now=timezone.now())
    tables = _tables(report) | {"money": _money_table(money)}
    if request.GET.get("format") == "csv":
        name = request.GET.get("table", "")
        if name not in tables:
            return HttpResponse(
                _("Unknown table: choose one of %(tables)s.") % {"tables": ", ".join(TABLES)},
                status=400,
                content_type="text/plain; charset=utf-8",
            )
        return _csv(tables[name], filename=f"{name}-{start.isoformat()}-{end.isoformat()}.csv")
    return render(
        request,
        "staff/reports/reports.html",
        {
            "form": form,
            "report": report,
            "tables": tables,
            "charts": _charts(report) | {"money": _money_chart(money)},
            "deposits_held": [format_money(amount, currency) for currency, amount in money.held],
            "period_query": f"start={start.isoformat()}&end={end.isoformat()}",
        },
    )


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{formats.number_format(value, 1)} %"


def _hours(minutes: int) -> float:
    return round(minutes / 60, 1)


def _share(value: float | None) -> float | str:
    """A percentage as a number for the table and the CSV; empty when nothing was available."""
    return "" if value is None else value


def _usage_rows(usages: list[figures.Usage]) -> list[list[object]]:
    return [
        [
            usage.name,
            _hours(usage.used_minutes),
            _hours(usage.available_minutes),
            _share(usage.percent),
        ]
        for usage in usages
    ]


def _tables(report: figures.Report) -> dict[str, dict[str, object]]:
    """Each table's heading and rows, as the page and the CSV show them."""
    usage_header = [_("Therapist"), _("Booked hours"), _("Working hours"), _("Utilisation, %")]
    return {
        "therapists": {
            "title": _("Utilisation per therapist"),
            "header": usage_header,
            "rows": _usage_rows(report.therapists),
        },
        "rooms": {
            "title": _("Utilisation per room"),
            "header": [_("Room"), _("Allocated hours"), _("Opening hours"), _("Utilisation, %")],
            "rows": _usage_rows(report.rooms),
        },
        "weeks": {
            "title": _("Bookings, cancellations and no-shows by week"),
            "header": [_("Week from"), _("Booked"), _("Cancelled"), _("No-shows")],
            "rows": [
                [week.monday, week.booked, week.cancelled, week.no_shows] for week in report.weeks
            ],
        },
        "revenue": {
            "title": _("Revenue by massage type"),
            "header": [_("Massage type"), _("Completed"), _("Revenue"), _("Currency")],
            "rows": [[row.name, row.count, row.amount, row.currency] for row in report.revenue],
        },
    }


def _money_table(money: figures.Money) -> dict[str, object]:
    return {
        "title": _("Money by week"),
        "header": [
            _("Week from"),
            _("Online"),
            _("Cash"),
            _("Card terminal"),
            _("Refunds"),
            _("Taken in, net"),
            _("Fees"),
            _("Package sales"),
            _("Gift card sales"),
            _("Redemptions (paid before)"),
            _("Currency"),
        ],
        "rows": [
            [
                week.monday,
                week.online,
                week.cash,
                week.card_terminal,
                week.refunds,
                week.net,
                week.fees,
                week.package_sales,
                week.gift_card_sales,
                week.redemptions,
                week.currency,
            ]
            for week in money.weeks
        ],
    }


def _money_chart(money: figures.Money) -> str:
    return bar_chart(
        _("Money taken in, fees and refunds per week"),
        [
            Row(
                formats.date_format(week.monday, "DATE_FORMAT"),
                [float(week.net), float(week.fees), float(week.refunds)],
                [
                    format_money(week.net, week.currency),
                    format_money(week.fees, week.currency),
                    format_money(week.refunds, week.currency),
                ],
            )
            for week in money.weeks
        ],
        series=["taken-in", "fees", "refunds"],
    )


def _charts(report: figures.Report) -> dict[str, str]:
    def usage_rows(usages: list[figures.Usage]) -> list[Row]:
        return [
            Row(usage.name, [usage.percent or 0], [_percent(usage.percent)]) for usage in usages
        ]

    return {
        "therapists": bar_chart(
            _("Utilisation per therapist, in percent"),
            usage_rows(report.therapists),
            series=["used"],
            maximum=100,
        ),
        "rooms": bar_chart(
            _("Utilisation per room, in percent"),
            usage_rows(report.rooms),
            series=["used"],
            maximum=100,
        ),
        "weeks": bar_chart(
            _("Booked, cancelled and no-shows per week"),
            [
                Row(
                    formats.date_format(week.monday, "DATE_FORMAT"),
                    [week.booked, week.cancelled, week.no_shows],
                    [str(week.booked), str(week.cancelled), str(week.no_shows)],
                )
                for week in report.weeks
            ],
            series=["booked", "cancelled", "no-show"],
        ),
        "revenue": bar_chart(
            _("Revenue by massage type"),
            [
                Row(row.name, [float(row.amount)], [format_money(row.amount, row.currency)])
                for row in report.revenue
            ],
            series=["revenue"],
        ),
    }


def _safe_cell(value: object) -> str:
    """A cell a spreadsheet shows as text, never runs: a leading formula sign is quoted."""
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def _csv(table: dict[str, object], *, filename: str) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow([_safe_cell(cell) for cell in table["header"]])  # type: ignore[attr-defined]
    for row in table["rows"]:  # type: ignore[attr-defined]
        writer.writerow([_safe_cell(cell) for cell in row])
    return response
