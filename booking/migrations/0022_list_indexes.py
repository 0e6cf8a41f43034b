"""Indexes for every admin list's order, and partial ones for the reminder claim.

The admin lists order newest first and add the id as a tie-break
(ORDER BY start_at DESC, id DESC): an index on (start_at, id) gives a
page in order without a sort, whatever the years of history. Each
replaces the index on the date alone that it covers. The appointment
and visit lists filtered by status read (status, start_at, id). The
dispatcher's claim reads pending rows and sending rows whose lease ran
out: partial indexes hold only those, not the years of reminders sent.
"""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("booking", "0021_hold_bounded"),
        ("catalog", "0009_visit_offerings"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="appointment",
            name="booking_appt_start",
        ),
        migrations.RemoveIndex(
            model_name="course",
            name="booking_course_created",
        ),
        migrations.RemoveIndex(
            model_name="reminder",
            name="booking_reminder_lease",
        ),
        migrations.RemoveIndex(
            model_name="visit",
            name="booking_visit_start",
        ),
        migrations.AddIndex(
            model_name="appointment",
            index=models.Index(fields=["start_at", "id"], name="booking_appt_start_id"),
        ),
        migrations.AddIndex(
            model_name="appointment",
            index=models.Index(
                fields=["status", "start_at", "id"], name="booking_appt_status_start"
            ),
        ),
        migrations.AddIndex(
            model_name="course",
            index=models.Index(fields=["created_at", "id"], name="booking_course_created_id"),
        ),
        migrations.AddIndex(
            model_name="reminder",
            index=models.Index(
                condition=models.Q(("status", "pending")),
                fields=["due_at", "id"],
                name="booking_reminder_pending_due",
            ),
        ),
        migrations.AddIndex(
            model_name="reminder",
            index=models.Index(
                condition=models.Q(("status", "sending")),
                fields=["lease_until"],
                name="booking_reminder_lease_out",
            ),
        ),
        migrations.AddIndex(
            model_name="reminder",
            index=models.Index(fields=["due_at", "id"], name="booking_reminder_due_id"),
        ),
        migrations.AddIndex(
            model_name="timeoff",
            index=models.Index(fields=["start_at", "id"], name="booking_timeoff_start_id"),
        ),
        migrations.AddIndex(
            model_name="visit",
            index=models.Index(fields=["start_at", "id"], name="booking_visit_start_id"),
        ),
        migrations.AddIndex(
            model_name="visit",
            index=models.Index(
                fields=["status", "start_at", "id"], name="booking_visit_status_start"
            ),
        ),
    ]
