"""A booking can be held until the client confirms it, and released unconfirmed.

A held appointment takes its time like a confirmed one: the exclusion
constraints of 0002 count every status but cancelled, and its
allocations stay active, so no constraint changes here.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("booking", "0011_identity"),
    ]

    operations = [
        migrations.AddField(
            model_name="appointment",
            name="hold_expires_at",
            field=models.DateTimeField(
                blank=True,
                help_text="While held: when the time is released unless the booking is confirmed.",
                null=True,
            ),
        ),
        migrations.AlterField(
            model_name="appointment",
            name="status",
            field=models.CharField(
                choices=[
                    ("held", "Held"),
                    ("confirmed", "Confirmed"),
                    ("cancelled", "Cancelled"),
                    ("completed", "Completed"),
                    ("no_show", "No-show"),
                ],
                default="confirmed",
                max_length=16,
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
                    ("client_verified", "Client confirmed the details by e-mail"),
                    ("client_merged", "Client records merged"),
                    ("hold_confirmed", "Hold confirmed"),
                    ("hold_expired", "Hold expired"),
                ],
                max_length=16,
            ),
        ),
        migrations.AddIndex(
            model_name="appointment",
            index=models.Index(
                condition=models.Q(("status", "held")),
                fields=["hold_expires_at"],
                name="booking_appt_hold_expiry",
            ),
        ),
        migrations.AddConstraint(
            model_name="appointment",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("status", "held"), _negated=True),
                    ("hold_expires_at__isnull", False),
                    _connector="OR",
                ),
                name="booking_appointment_held_expires",
            ),
        ),
    ]
