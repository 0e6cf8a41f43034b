"""A booking without login keeps a keyed hash of its address, to limit bookings held per address.

Existing rows keep it empty: no address was stored for them, and the
limit counts only bookings made from now on.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("booking", "0012_web_booking_hold"),
    ]

    operations = [
        migrations.AddField(
            model_name="appointment",
            name="booked_from",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.AddIndex(
            model_name="appointment",
            index=models.Index(
                condition=models.Q(("booked_from", ""), _negated=True),
                fields=["booked_from", "start_at"],
                name="booking_appt_booked_from",
            ),
        ),
    ]
