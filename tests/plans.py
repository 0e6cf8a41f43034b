"""PostgreSQL's plan of a query, to prove a hot read does not scan a whole table.

Tests capture the SQL a read runs (`CaptureQueriesContext`), ANALYZE the
tables so the planner sees the rows written, and ask `EXPLAIN (FORMAT
JSON)` of each statement: a `Seq Scan` of a table that grows with the
years of history means the read's cost grows with them too.
"""

from collections.abc import Iterable, Iterator
from typing import Any

from django.db import connection

# The tables that hold the studio's history.
HISTORY_TABLES = (
    "booking_appointment",
    "booking_allocation",
    "notifications_message",
    "booking_visit",
)


def analyze(*tables: str) -> None:
    """Refresh the planner's statistics, as autovacuum would after a bulk write."""
    with connection.cursor() as cursor:
        for table in tables or HISTORY_TABLES:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")


def plan(sql: str) -> dict[str, Any]:
    """The plan PostgreSQL chooses for `sql` (with its parameters written in)."""
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}")
        (explained,) = cursor.fetchone()
    found: dict[str, Any] = explained[0]["Plan"]
    return found


def nodes(root: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every node of a plan, depth first."""
    yield root
    for child in root.get("Plans", []):
        yield from nodes(child)


def sequential_scans(sql: str, tables: Iterable[str] = HISTORY_TABLES) -> list[str]:
    """The tables among `tables` that the plan of `sql` reads whole."""
    wanted = set(tables)
    return [
        node["Relation Name"]
        for node in nodes(plan(sql))
        if node["Node Type"] == "Seq Scan" and node["Relation Name"] in wanted
    ]


def indexes_read(sql: str) -> set[str]:
    """The indexes the plan of `sql` reads."""
    return {node["Index Name"] for node in nodes(plan(sql)) if "Index Name" in node}


def reads(captured: Iterable[dict[str, str]]) -> list[str]:
    """The SELECT statements among queries captured by `CaptureQueriesContext`."""
    return [
        query["sql"] for query in captured if query["sql"].lstrip().upper().startswith("SELECT")
    ]


def scans_of_history(captured: Iterable[dict[str, str]]) -> dict[str, list[str]]:
    """Each captured SELECT that reads a history table whole, with the tables it reads so."""
    found = {sql: sequential_scans(sql) for sql in reads(captured)}
    return {sql: tables for sql, tables in found.items() if tables}
