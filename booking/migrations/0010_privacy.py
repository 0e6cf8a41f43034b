"""Privacy: who recorded a consent, who may see health data, and erasure.

Adds the staff member who asked for a consent on the phone, the
permission to see health answers and notes, the permissions to export
and erase a client, the "erased" event, and the indexes the retention
sweep and a client's export use. No data changes.
"""

import django.db.models.deletion
import django.db.models.functions.text
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("booking", "0009_reminder_lease"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="appointment",
            options={"permissions": [("view_health", "Can see clients' health answers and notes")]},
        ),
        migrations.AlterModelOptions(
            name="client",
            options={
                "permissions": [
                    ("export_client", "Can export all the studio holds about a client"),
                    ("erase_client", "Can erase a client's personal data"),
                ]
            },
        ),
        migrations.AddField(
            model_name="appointment",
            name="consent_recorded_by",
            field=models.ForeignKey(
                blank=True,
                help_text="The staff member who asked for the consent (empty: the client gave it online).",
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="appointmentevent",
            name="action",
            field=models.CharField(
                choices=[
                    ("booked", "Booked"),
                    ("cancelled", "Cancelled"),
                    ("rescheduled", "Rescheduled"),
                    ("completed", "Marked completed"),
                    ("no_show", "Marked no-show"),
                    ("erased", "Personal data erased"),
                ],
                max_length=16,
            ),
        ),
        migrations.AddIndex(
            model_name="appointment",
            index=models.Index(
                condition=models.Q(
                    models.Q(("health", {}), _negated=True),
                    models.Q(("notes", ""), _negated=True),
                    _connector="OR",
                ),
                fields=["start_at"],
                name="booking_appt_health_kept",
            ),
        ),
        migrations.AddIndex(
            model_name="appointment",
            index=models.Index(
                django.db.models.functions.text.Lower("contact_email"),
                name="booking_appt_contact_email",
            ),
        ),
    ]
