"""Move every appointment made before visits into a visit of its own.

The visit takes the appointment's id, so nothing that names the
appointment changes meaning; it copies the contact details, status,
source, language, consent, notes and the manage token, so every link
already sent keeps working. Allocations and idempotency keys point at
the new visit too. Reminders stay on their appointment, untouched:
their state (pending, sent, failed) and leases are as they were.

Plain INSERT ... SELECT: one statement for years of history, the same
on PostgreSQL and SQLite.
"""

from django.db import migrations

FORWARD = [
    """
    INSERT INTO booking_visit (
        id, client_id, is_client_verified, contact_name, contact_email, contact_phone,
        status, hold_expires_at, source, language, notes, consented_at,
        consent_recorded_by_id, manage_token, booked_from, course_id,
        start_at, end_at, created_at, updated_at
    )
    SELECT
        id, client_id, is_client_verified, contact_name, contact_email, contact_phone,
        status, hold_expires_at, source, language, notes, consented_at,
        consent_recorded_by_id, manage_token, booked_from, NULL,
        start_at, end_at, created_at, updated_at
    FROM booking_appointment
    """,
    "UPDATE booking_appointment SET visit_id = id",
    "UPDATE booking_allocation SET visit_id = appointment_id",
    "UPDATE booking_idempotencykey SET visit_id = appointment_id WHERE appointment_id IS NOT NULL",
]

BACKWARD = [
    "UPDATE booking_idempotencykey SET visit_id = NULL",
    "UPDATE booking_allocation SET visit_id = NULL",
    "UPDATE booking_appointment SET visit_id = NULL",
    "DELETE FROM booking_visit",
]


class Migration(migrations.Migration):
    dependencies = [("booking", "0017_visits")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
