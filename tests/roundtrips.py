"""Count the round trips a block makes to PostgreSQL, transaction control included.

Django's `CaptureQueriesContext` sees only what goes through a cursor:
not the BEGIN that psycopg sends before a transaction's first statement,
nor COMMIT and ROLLBACK. libpq's own trace sees every message, so this
counts what the server answered: each round trip ends with one
ReadyForQuery from the server, whatever was sent (a simple query such as
BEGIN, COMMIT or SAVEPOINT, or an extended-protocol statement ending in
Sync). The statements sent are kept, to say what a count is made of.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db.backends.base.base import BaseDatabaseWrapper
from psycopg import pq

# A statement's text may run over several lines of the trace: its first one.
_SENT = re.compile(r'^F\t\d+\t(?:Query|Parse)\t (?:"[^"]*" )?"(?P<sql>.*)')
# Any record of the trace, from the client (F) or the server (B).
_RECORD = re.compile(r"^[FB]\t\d+\t")


@dataclass
class RoundTrips:
    """What `round_trips` saw: the count, and the statements sent, in order."""

    count: int = 0
    statements: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        lines = [f"{self.count} round trips:"]
        lines += [f"  {sql[:160]}" for sql in self.statements]
        return "\n".join(lines)


@contextmanager
def round_trips(connection: BaseDatabaseWrapper) -> Iterator[RoundTrips]:
    """Count the round trips of `connection` (PostgreSQL) within the block.

    The connection must stay open for the whole block (Django's test
    client keeps it: it does not close connections between requests).
    """
    connection.ensure_connection()
    pgconn = connection.connection.pgconn
    seen = RoundTrips()
    with tempfile.TemporaryFile() as trace:
        pgconn.trace(trace.fileno())
        pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS | pq.Trace.REGRESS_MODE)
        try:
            yield seen
        finally:
            pgconn.untrace()
            trace.seek(0)
            messages: list[list[str]] = []  # the lines of each text sent
            text: list[str] | None = None  # the one whose lines may follow
            for line in trace.read().decode(errors="replace").splitlines():
                if line.startswith("B\t5\tReadyForQuery"):
                    seen.count += 1
                sent = _SENT.match(line)
                if sent is not None:
                    text = [sent["sql"]]
                    messages.append(text)
                elif _RECORD.match(line):
                    text = None
                elif text is not None:
                    # A statement over several lines of the trace.
                    text.append(line)
            for lines in messages:
                whole = "\n".join(lines).strip().removesuffix('"')
                # Several statements in one message (booking.statements)
                # are joined by a semicolon at the end of a line.
                seen.statements += [
                    statement.strip().splitlines()[0]
                    for statement in whole.split(";\n")
                    if statement.strip()
                ]
