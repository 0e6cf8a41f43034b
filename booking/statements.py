"""Several SQL statements in one round trip to PostgreSQL.

Django's psycopg cursors bind parameters on the client, so one message
may carry several statements separated by semicolons: PostgreSQL runs
them one after another, answers each, and the client waits once. The
first statement refused raises, and the server skips the rest, as if
they had been sent one by one and the caller had stopped at the error;
in a transaction, the transaction is aborted, as it would have been.
Each statement sees what the ones before it wrote, and under READ
COMMITTED takes a fresh snapshot, as it would alone. SQLite takes one
statement at a time, and costs no round trip: there they run one by one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import QuerySet
from django.db.models.query import ValuesListIterable

# A statement with `%s` placeholders, and its parameters.
Statement = tuple[str, Sequence[Any]]
# What a statement gave: the rows it returned, and how many rows it touched.
Result = tuple[list[tuple[Any, ...]], int]


def run_together(statements: Sequence[Statement]) -> list[Result]:
    """Run `statements` in order, in one round trip on PostgreSQL; each one's result."""
    results: list[Result] = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and len(statements) > 1:
            cursor.execute(
                ";\n".join(text for text, _ in statements),
                [param for _, params in statements for param in params],
            )
            for number in range(len(statements)):
                if number:
                    cursor.nextset()
                results.append(_result(cursor))
        else:
            for text, params in statements:
                cursor.execute(text, params)
                results.append(_result(cursor))
    return results


def _result(cursor: Any) -> Result:
    rows = cursor.fetchall() if cursor.description is not None else []
    return rows, cursor.rowcount


def read_together(*querysets: QuerySet[Any, tuple[Any, ...]]) -> list[list[tuple[Any, ...]]]:
    """The rows of several `values_list` querysets, read in one round trip on PostgreSQL.

    Each as iterating it would give them: Django compiles each query and
    converts its rows as it does for `values_list`.
    """
    for queryset in querysets:
        if queryset._iterable_class is not ValuesListIterable:
            # Another iterable (modeltranslation's, a model's rows) does
            # more with the rows than Django's compiler does here.
            raise ValueError(f"Only plain values_list querysets are read together: {queryset}")
    compilers = [queryset.query.get_compiler(connection=connection) for queryset in querysets]
    sent: list[Statement | None] = []
    for compiler in compilers:
        try:
            sent.append(compiler.as_sql())
        except EmptyResultSet:
            # A filter on an empty list: Django knows there is no row.
            sent.append(None)
    answers = iter(run_together([statement for statement in sent if statement is not None]))
    read: list[list[tuple[Any, ...]]] = []
    for compiler, statement in zip(compilers, sent, strict=True):
        if statement is None:
            read.append([])
            continue
        rows, _ = next(answers)
        if compiler.has_extra_select:
            # Columns the ordering added after those asked for, as Django drops them.
            rows = [row[: compiler.col_count] for row in rows]
        read.append(list(compiler.results_iter([rows], tuple_expected=True)))
    return read
