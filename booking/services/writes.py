"""The writes of one booking, sent to the database together.

A booking writes its visit, its appointments, the resources they take,
their events, their reminders and its Idempotency-Key, each needing
nothing the one before returns. Each statement is compiled by Django's
ORM as `bulk_create` or `update` would run it, and queued here; `send`
runs them in order, in one round trip on PostgreSQL where one statement
each took six (`booking.statements.run_together`). The first refused
(an exclusion constraint, say) raises there and skips the rest; the
booking's transaction then rolls back.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from django.db import connection
from django.db.models import Model, QuerySet, sql

from booking.statements import run_together

# What a statement's follow-up gets: the rows it returned, how many it wrote.
Then = Callable[[list[tuple[Any, ...]], int], None]


@dataclass(frozen=True)
class _Statement:
    text: str
    params: Sequence[Any]
    then: Then | None


class Writes:
    """Statements queued for one booking, run in order by `send`."""

    def __init__(self) -> None:
        self._statements: list[_Statement] = []
        self._inserted: list[Model] = []

    def insert(self, rows: Sequence[Model]) -> None:
        """INSERT `rows` of one model in one statement, as `bulk_create` would.

        A generated primary key (an AutoField's) is returned and set on
        each row.
        """
        if not rows:
            return
        model = type(rows[0])
        opts = model._meta
        returning = list(opts.db_returning_fields)
        query = sql.InsertQuery(model)
        query.insert_values(
            [
                field
                for field in opts.concrete_fields
                if not field.generated and field not in returning
            ],
            list(rows),
        )
        compiler = query.get_compiler(connection=connection)
        compiler.returning_fields = returning
        [(text, params)] = compiler.as_sql()

        def saved(returned: list[tuple[Any, ...]], count: int) -> None:
            for row, values in zip(rows, returned, strict=True):
                for field, value in zip(returning, values, strict=True):
                    setattr(row, field.attname, value)

        self._statements.append(_Statement(text, params, saved if returning else None))
        self._inserted += rows

    def update(self, queryset: QuerySet[Any], *, then: Then | None = None, **values: Any) -> None:
        """UPDATE the rows of `queryset` with `values`, as `queryset.update` would."""
        query = cast(sql.UpdateQuery, queryset.query.chain(sql.UpdateQuery))
        query.add_update_values(values)
        text, params = query.get_compiler(connection=connection).as_sql()
        self._statements.append(_Statement(text, params, then))

    def raw(self, text: str, params: Sequence[Any], *, then: Then | None = None) -> None:
        """A statement of SQL written by hand, with `%s` placeholders."""
        self._statements.append(_Statement(text, params, then))

    def send(self) -> None:
        """Run every statement queued, in order (`run_together`), and hand each its results."""
        statements, self._statements = self._statements, []
        results = run_together([(statement.text, statement.params) for statement in statements])
        for statement, (returned, count) in zip(statements, results, strict=True):
            if statement.then is not None:
                statement.then(returned, count)
        inserted, self._inserted = self._inserted, []
        for row in inserted:
            row._state.adding = False
            row._state.db = connection.alias
