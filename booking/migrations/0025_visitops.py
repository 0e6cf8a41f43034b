"""The front desk's visit page: the events of a reassignment, an arrival and an undone mark.

Only the choices of `AppointmentEvent.action` change (no column does):
"reassigned", "arrived" and "mark_undone" join the history's actions.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("booking", "0023_front_desk"),
    ]

    operations = [
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
                    ("reassigned", "Given to another therapist"),
                    ("arrived", "Marked arrived"),
                    ("mark_undone", "Mark undone"),
                ],
                max_length=16,
                verbose_name="action",
            ),
        ),
    ]
