"""The treatment note's events: "note_written" and "note_changed".

Only the choices of `AppointmentEvent.action` change (no column does):
writing and rewriting a treatment note join the visit's history. The
events carry who acted, never the note's text (health data).
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("booking", "0026_client_search"),
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
                    ("note_written", "Treatment note written"),
                    ("note_changed", "Treatment note changed"),
                ],
                max_length=16,
                verbose_name="action",
            ),
        ),
    ]
