"""Each claim of a reminder writes a token of its own.

A worker checks the token before each message and before marking the
row, so once another worker has taken a row over (its lease ran out in
a slow batch) the first one leaves it alone. Rows in flight when this
runs have no token: their lease runs out and the next claim gives them
one.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("booking", "0008_idempotency_minimal"),
    ]

    operations = [
        migrations.AddField(
            model_name="reminder",
            name="lease_token",
            field=models.UUIDField(
                blank=True,
                editable=False,
                help_text="While sending: whose lease it is. Every claim writes a new one.",
                null=True,
            ),
        ),
    ]
