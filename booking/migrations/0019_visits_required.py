import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("booking", "0018_visits_fill")]

    operations = [
        migrations.AlterField(
            model_name="allocation",
            name="visit",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="allocations",
                to="booking.visit",
                verbose_name="visit",
            ),
        ),
        migrations.AlterField(
            model_name="appointment",
            name="visit",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="appointments",
                to="booking.visit",
                verbose_name="visit",
            ),
        ),
    ]
