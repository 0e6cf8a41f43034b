"""Raw SQL that migrations run on PostgreSQL alone.

The constraints SQLite cannot hold (exclusion over time ranges, interval
arithmetic in a check) are written as SQL and skipped on SQLite, where
the booking services are the only writers.
"""

from collections.abc import Callable, Sequence
from typing import Any


def run_on_postgres(statements: Sequence[str]) -> Callable[[Any, Any], None]:
    """A RunPython operation that executes `statements` on PostgreSQL only."""

    def operation(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return operation
