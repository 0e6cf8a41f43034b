"""A therapist's bio in English and Russian (booking/translation.py).

Numbered 0016 to leave 0014 and 0015 to the changes made beside it;
it needs only 0013. The bio each therapist has today is English, so it
is copied into the English column; the Russian one starts empty, and
pages show the English bio until staff write it.
"""

from django.db import migrations, models
from django.db.models import F, Q


def copy_bio_to_english(apps, schema_editor):
    Therapist = apps.get_model("booking", "Therapist")
    Therapist.objects.filter(Q(bio_en__isnull=True) | Q(bio_en="")).update(bio_en=F("bio"))


class Migration(migrations.Migration):
    dependencies = [("booking", "0013_booked_from")]

    operations = [
        migrations.AddField(
            model_name="therapist",
            name="bio_en",
            field=models.TextField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="therapist",
            name="bio_ru",
            field=models.TextField(blank=True, null=True),
        ),
        migrations.RunPython(copy_bio_to_english, migrations.RunPython.noop),
    ]
