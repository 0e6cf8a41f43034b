"""The history records a client confirming their details and a merge."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("booking", "0010_privacy"),
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
                ],
                max_length=16,
            ),
        ),
    ]
