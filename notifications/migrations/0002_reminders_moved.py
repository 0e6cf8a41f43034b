"""Move every reminder of booking's outbox into the outbox of notifications.

Each row keeps its id, so a send task already queued for a reminder
(`send_message` by id) finds the same message; and it keeps its kind,
channel, status, due time, lease, token, attempts, last error and sent
time, so nothing pending is lost and nothing sent goes out again: the
dispatcher's claim takes exactly the rows it would have taken before.
The visit, client, recipient and language come from the appointment's
visit, as they would for a message planned today.

Plain INSERT ... SELECT: one statement for years of history, the same
on PostgreSQL and SQLite; then PostgreSQL's id sequence is moved past
the copied ids (SQLite's AUTOINCREMENT follows the largest on its own).
`booking.0029_reminders_moved` then drops the old table.
"""

from django.core.management.color import no_style
from django.db import migrations

FORWARD = """
    INSERT INTO notifications_message (
        id, kind, channel, appointment_id, visit_id, client_id, recipient, language,
        payload, status, due_at, lease_until, lease_token, attempts, last_error,
        sent_at, created_at
    )
    SELECT
        r.id, r.kind, r.channel, r.appointment_id, a.visit_id, a.client_id,
        CASE WHEN r.channel = 'email' THEN v.contact_email ELSE v.contact_phone END,
        v.language, '{}', r.status, r.due_at, r.lease_until, r.lease_token, r.attempts,
        r.last_error, r.sent_at, r.created_at
    FROM booking_reminder r
    JOIN booking_appointment a ON a.id = r.appointment_id
    JOIN booking_visit v ON v.id = a.visit_id
"""

BACKWARD = """
    INSERT INTO booking_reminder (
        id, appointment_id, kind, channel, status, due_at, lease_until, lease_token,
        attempts, last_error, sent_at, created_at
    )
    SELECT
        id, appointment_id, kind, channel, status, due_at, lease_until, lease_token,
        attempts, last_error, sent_at, created_at
    FROM notifications_message
    WHERE appointment_id IS NOT NULL
        AND kind IN ('confirmation', 'day_before', 'hours_before', 'cancellation', 'rescheduled')
"""


def _reset_ids(app_label: str, model_name: str):
    def reset(apps, schema_editor):
        model = apps.get_model(app_label, model_name)
        for statement in schema_editor.connection.ops.sequence_reset_sql(no_style(), [model]):
            schema_editor.execute(statement)

    return reset


class Migration(migrations.Migration):
    dependencies = [
        ("booking", "0028_payment_holds"),
        ("notifications", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(FORWARD, "DELETE FROM notifications_message"),
        migrations.RunPython(
            _reset_ids("notifications", "Message"), _reset_ids("booking", "Reminder")
        ),
        migrations.RunSQL(migrations.RunSQL.noop, BACKWARD),
    ]
