"""On PostgreSQL, the database itself refuses double bookings.

Two exclusion constraints over time ranges (btree_gist lets `=` on an id
share a GiST index with `&&` on a range):
- no two active appointments of one therapist overlap, buffers included;
- no two active allocations of one resource overlap, buffers included.
Every writer meets them: the API, the website, the admin, the shell and
any number of concurrent requests. SQLite has no such constraints; there
the booking service checks and inserts inside one immediate transaction.
"""

from django.db import migrations

from booking.postgres_only import run_on_postgres

CREATE = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    """
    ALTER TABLE booking_appointment
    ADD CONSTRAINT booking_appointment_no_therapist_overlap
    EXCLUDE USING gist (
        therapist_id WITH =,
        tstzrange(start_at, blocked_until, '[)') WITH &&
    ) WHERE (status <> 'cancelled')
    """,
    """
    ALTER TABLE booking_allocation
    ADD CONSTRAINT booking_allocation_no_resource_overlap
    EXCLUDE USING gist (
        resource_id WITH =,
        tstzrange(start_at, blocked_until, '[)') WITH &&
    ) WHERE (is_active)
    """,
]

DROP = [
    "ALTER TABLE booking_allocation DROP CONSTRAINT booking_allocation_no_resource_overlap",
    "ALTER TABLE booking_appointment DROP CONSTRAINT booking_appointment_no_therapist_overlap",
]


class Migration(migrations.Migration):
    dependencies = [("booking", "0001_initial")]

    operations = [migrations.RunPython(run_on_postgres(CREATE), run_on_postgres(DROP))]
