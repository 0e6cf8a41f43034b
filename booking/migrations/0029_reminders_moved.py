"""Booking's reminders now live in the outbox of notifications.

`notifications.0002_reminders_moved` has copied every row, with its
id and state; the old table goes.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("booking", "0028_payment_holds"),
        ("notifications", "0002_reminders_moved"),
    ]

    operations = [migrations.DeleteModel(name="Reminder")]
