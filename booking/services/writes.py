"""The writes of one booking, sent to the database together.

A booking writes its visit, its appointments, the resources they take,
their events, their reminders and its Idempotency-Key, each needing
nothing the one before returns. Each statement is compiled by Django's
ORM as `bulk_create` or `update` would run it, and queued here; `send`
runs them in order. On PostgreSQL they go as one message of several
statements, which Django's psycopg cursors allow (they bind parameters
on the client): one round trip where one statement each took six. The
server runs them one after another, as it would have one by one, and
the first refused (an exclusion constraint, say) raises here and skips
the rest; the booking's transaction then rolls back. SQLite runs them
one by one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from django.db import connection
from django.db.models import Model, QuerySet, sql

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

    def insert(self, rows: Sequence[Model], *, then: Then | None = None) -> None:
        """INSERT `rows` of one model in one statement, as `bulk_create` would.

        A generated primary key (an AutoField's) is returned and set on
        each row; `then` gets the rows returned and the count.
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
            if returning:
                for row, values in zip(rows, returned, strict=True):
                    for field, value in zip(returning, values, strict=True):
                        setattr(row, field.attname, value)
            if then is not None:
                then(returned, count)

        self._statements.append(_Statement(text, params, saved))
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
        """Run every statement queued, in order, and hand each its results."""
        statements, self._statements = self._statements, []
        if not statements:
            return
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(
                    ";\n".join(statement.text for statement in statements),
                    [param for statement in statements for param in statement.params],
                )
                for number, statement in enumerate(statements):
                    if number:
                        cursor.nextset()
                    _follow_up(cursor, statement)
            else:
                for statement in statements:
                    cursor.execute(statement.text, statement.params)
                    _follow_up(cursor, statement)
        inserted, self._inserted = self._inserted, []
        for row in inserted:
            row._state.adding = False
            row._state.db = connection.alias


def _follow_up(cursor: Any, statement: _Statement) -> None:
    if statement.then is None:
        return
    returned = cursor.fetchall() if cursor.description is not None else []
    statement.then(returned, cursor.rowcount)
