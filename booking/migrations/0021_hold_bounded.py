"""On PostgreSQL, no appointment or allocation holds longer than LONGEST_HOLD.

The availability engine reads what overlaps a window with a lower bound
on `start_at` (the window's start less LONGEST_HOLD), so the btree
indexes on (therapist, start_at, …) and (resource, start_at, …) bound the
read on both sides whatever the years of history. A row holding longer
would be missed by that read; these constraints make one impossible.
The booking services never write one: a visit holds at most four
massages of at most 8 hours plus 2 hours' cleanup each. SQLite keeps no
such constraint; there the services are the only writers.
"""

from django.db import migrations

from booking.postgres_only import run_on_postgres

CREATE = [
    """
    ALTER TABLE booking_appointment
    ADD CONSTRAINT booking_appointment_hold_bounded
    CHECK (blocked_until <= start_at + interval '40 hours')
    """,
    """
    ALTER TABLE booking_allocation
    ADD CONSTRAINT booking_allocation_hold_bounded
    CHECK (blocked_until <= start_at + interval '40 hours')
    """,
]

DROP = [
    "ALTER TABLE booking_allocation DROP CONSTRAINT booking_allocation_hold_bounded",
    "ALTER TABLE booking_appointment DROP CONSTRAINT booking_appointment_hold_bounded",
]


class Migration(migrations.Migration):
    dependencies = [("booking", "0020_course_created")]

    operations = [migrations.RunPython(run_on_postgres(CREATE), run_on_postgres(DROP))]
