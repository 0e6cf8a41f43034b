"""On PostgreSQL, trigram indexes for the front desk's client search.

The desk finds a client by any part of their name, e-mail or phone
(`selectors.client_search_condition`): `UPPER(name) LIKE '%…%'` and
the same for the e-mail, and `phone LIKE '%…%'`. A btree cannot serve a
pattern that starts with a wildcard; a GIN index of trigrams
(pg_trgm) can, so a search reads the few clients whose trigrams match
rather than every client the studio has had. The expressions are the
ones Django writes for `icontains` (`UPPER("name"::text)`), so the
planner matches them. SQLite has no such index; there the search reads
the clients table, as it would anyway.
"""

from django.db import migrations

from booking.postgres_only import run_on_postgres

CREATE = [
    # A trusted extension since PostgreSQL 13: the database's owner may create it.
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    """
    CREATE INDEX booking_client_name_trgm ON booking_client
    USING gin ((UPPER(name::text)) gin_trgm_ops)
    """,
    """
    CREATE INDEX booking_client_email_trgm ON booking_client
    USING gin ((UPPER(email::text)) gin_trgm_ops)
    """,
    """
    CREATE INDEX booking_client_phone_trgm ON booking_client
    USING gin ((phone::text) gin_trgm_ops)
    """,
]

# The extension stays: other database objects may use it by then.
DROP = [
    "DROP INDEX IF EXISTS booking_client_phone_trgm",
    "DROP INDEX IF EXISTS booking_client_email_trgm",
    "DROP INDEX IF EXISTS booking_client_name_trgm",
]


class Migration(migrations.Migration):
    dependencies = [("booking", "0025_visitops")]

    operations = [migrations.RunPython(run_on_postgres(CREATE), run_on_postgres(DROP))]
