"""Names, choices and help texts in words staff can read in English and Russian."""

from decimal import Decimal

import django.core.validators
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0006_russian_content"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="bodyarea",
            options={
                "ordering": ["position", "name"],
                "verbose_name": "body area",
                "verbose_name_plural": "body areas",
            },
        ),
        migrations.AlterModelOptions(
            name="contraindication",
            options={
                "ordering": ["massage_type", "question"],
                "verbose_name": "contraindication",
                "verbose_name_plural": "contraindications",
            },
        ),
        migrations.AlterModelOptions(
            name="massagetype",
            options={
                "ordering": ["position", "name"],
                "verbose_name": "massage type",
                "verbose_name_plural": "massage types",
            },
        ),
        migrations.AlterModelOptions(
            name="offering",
            options={
                "ordering": ["massage_type__position", "position", "duration_minutes"],
                "verbose_name": "offering",
                "verbose_name_plural": "offerings",
            },
        ),
        migrations.AlterModelOptions(
            name="resourcekind",
            options={
                "ordering": ["name"],
                "verbose_name": "resource kind",
                "verbose_name_plural": "resource kinds",
            },
        ),
        migrations.AlterField(
            model_name="bodyarea",
            name="description",
            field=models.TextField(blank=True, verbose_name="description"),
        ),
        migrations.AlterField(
            model_name="bodyarea",
            name="description_en",
            field=models.TextField(blank=True, null=True, verbose_name="description"),
        ),
        migrations.AlterField(
            model_name="bodyarea",
            name="description_ru",
            field=models.TextField(blank=True, null=True, verbose_name="description"),
        ),
        migrations.AlterField(
            model_name="bodyarea",
            name="name",
            field=models.CharField(max_length=80, verbose_name="name"),
        ),
        migrations.AlterField(
            model_name="bodyarea",
            name="name_en",
            field=models.CharField(max_length=80, null=True, verbose_name="name"),
        ),
        migrations.AlterField(
            model_name="bodyarea",
            name="name_ru",
            field=models.CharField(max_length=80, null=True, verbose_name="name"),
        ),
        migrations.AlterField(
            model_name="bodyarea",
            name="position",
            field=models.PositiveSmallIntegerField(default=0, verbose_name="position"),
        ),
        migrations.AlterField(
            model_name="bodyarea",
            name="slug",
            field=models.SlugField(unique=True, verbose_name="slug"),
        ),
        migrations.AlterField(
            model_name="contraindication",
            name="explanation",
            field=models.CharField(
                help_text="Shown to the client, in plain words, before they book.",
                max_length=300,
                verbose_name="explanation",
            ),
        ),
        migrations.AlterField(
            model_name="contraindication",
            name="explanation_en",
            field=models.CharField(
                help_text="Shown to the client, in plain words, before they book.",
                max_length=300,
                null=True,
                verbose_name="explanation",
            ),
        ),
        migrations.AlterField(
            model_name="contraindication",
            name="explanation_ru",
            field=models.CharField(
                help_text="Shown to the client, in plain words, before they book.",
                max_length=300,
                null=True,
                verbose_name="explanation",
            ),
        ),
        migrations.AlterField(
            model_name="contraindication",
            name="massage_type",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="contraindications",
                to="catalog.massagetype",
                verbose_name="massage type",
            ),
        ),
        migrations.AlterField(
            model_name="contraindication",
            name="question",
            field=models.CharField(
                choices=[
                    ("vein_problems", "Do you have varicose veins or other vein problems?"),
                    ("pregnancy", "Are you pregnant?"),
                    (
                        "recent_injury",
                        "Have you had an injury or surgery in the last three months?",
                    ),
                    ("skin_condition", "Do you have a skin condition, wound or rash on your legs?"),
                ],
                max_length=32,
                verbose_name="question",
            ),
        ),
        migrations.AlterField(
            model_name="contraindication",
            name="severity",
            field=models.CharField(
                choices=[
                    ("rules_out", "Rules the massage out"),
                    ("ask_first", "Talk to the studio first"),
                ],
                max_length=16,
                verbose_name="severity",
            ),
        ),
        migrations.AlterField(
            model_name="massagetype",
            name="benefits",
            field=models.TextField(
                blank=True,
                help_text="What it is for, one benefit per line.",
                verbose_name="benefits",
            ),
        ),
        migrations.AlterField(
            model_name="massagetype",
            name="benefits_en",
            field=models.TextField(
                blank=True,
                help_text="What it is for, one benefit per line.",
                null=True,
                verbose_name="benefits",
            ),
        ),
        migrations.AlterField(
            model_name="massagetype",
            name="benefits_ru",
            field=models.TextField(
                blank=True,
                help_text="What it is for, one benefit per line.",
                null=True,
                verbose_name="benefits",
            ),
        ),
        migrations.AlterField(
            model_name="massagetype",
            name="description",
            field=models.TextField(
                help_text="What the massage is and how it is done.", verbose_name="description"
            ),
        ),
        migrations.AlterField(
            model_name="massagetype",
            name="description_en",
            field=models.TextField(
                help_text="What the massage is and how it is done.",
                null=True,
                verbose_name="description",
            ),
        ),
        migrations.AlterField(
            model_name="massagetype",
            name="description_ru",
            field=models.TextField(
                help_text="What the massage is and how it is done.",
                null=True,
                verbose_name="description",
            ),
        ),
        migrations.AlterField(
            model_name="massagetype",
            name="equipment",
            field=models.ManyToManyField(
                blank=True,
                help_text="Equipment this massage cannot be given without.",
                related_name="massage_types",
                to="catalog.resourcekind",
                verbose_name="equipment",
            ),
        ),
        migrations.AlterField(
            model_name="massagetype",
            name="is_active",
            field=models.BooleanField(default=True, verbose_name="is active"),
        ),
        migrations.AlterField(
            model_name="massagetype",
            name="name",
            field=models.CharField(max_length=120, verbose_name="name"),
        ),
        migrations.AlterField(
            model_name="massagetype",
            name="name_en",
            field=models.CharField(max_length=120, null=True, verbose_name="name"),
        ),
        migrations.AlterField(
            model_name="massagetype",
            name="name_ru",
            field=models.CharField(max_length=120, null=True, verbose_name="name"),
        ),
        migrations.AlterField(
            model_name="massagetype",
            name="position",
            field=models.PositiveSmallIntegerField(default=0, verbose_name="position"),
        ),
        migrations.AlterField(
            model_name="massagetype",
            name="slug",
            field=models.SlugField(unique=True, verbose_name="slug"),
        ),
        migrations.AlterField(
            model_name="massagetype",
            name="summary",
            field=models.CharField(
                help_text="One sentence for the catalog list.",
                max_length=240,
                verbose_name="summary",
            ),
        ),
        migrations.AlterField(
            model_name="massagetype",
            name="summary_en",
            field=models.CharField(
                help_text="One sentence for the catalog list.",
                max_length=240,
                null=True,
                verbose_name="summary",
            ),
        ),
        migrations.AlterField(
            model_name="massagetype",
            name="summary_ru",
            field=models.CharField(
                help_text="One sentence for the catalog list.",
                max_length=240,
                null=True,
                verbose_name="summary",
            ),
        ),
        migrations.AlterField(
            model_name="offering",
            name="areas",
            field=models.ManyToManyField(
                related_name="offerings", to="catalog.bodyarea", verbose_name="areas"
            ),
        ),
        migrations.AlterField(
            model_name="offering",
            name="buffer_minutes",
            field=models.PositiveSmallIntegerField(
                default=10,
                help_text="Time after the massage, to clean up and air the room, when nothing else is booked.",
                validators=[django.core.validators.MaxValueValidator(120)],
                verbose_name="buffer minutes",
            ),
        ),
        migrations.AlterField(
            model_name="offering",
            name="currency",
            field=models.CharField(
                default="EUR",
                max_length=3,
                validators=[
                    django.core.validators.RegexValidator(
                        "^[A-Z]{3}\\Z", "Use a three-letter ISO 4217 code."
                    )
                ],
                verbose_name="currency",
            ),
        ),
        migrations.AlterField(
            model_name="offering",
            name="duration_minutes",
            field=models.PositiveSmallIntegerField(
                validators=[
                    django.core.validators.MinValueValidator(5),
                    django.core.validators.MaxValueValidator(480),
                ],
                verbose_name="duration minutes",
            ),
        ),
        migrations.AlterField(
            model_name="offering",
            name="is_active",
            field=models.BooleanField(default=True, verbose_name="is active"),
        ),
        migrations.AlterField(
            model_name="offering",
            name="massage_type",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="offerings",
                to="catalog.massagetype",
                verbose_name="massage type",
            ),
        ),
        migrations.AlterField(
            model_name="offering",
            name="name",
            field=models.CharField(max_length=120, verbose_name="name"),
        ),
        migrations.AlterField(
            model_name="offering",
            name="name_en",
            field=models.CharField(max_length=120, null=True, verbose_name="name"),
        ),
        migrations.AlterField(
            model_name="offering",
            name="name_ru",
            field=models.CharField(max_length=120, null=True, verbose_name="name"),
        ),
        migrations.AlterField(
            model_name="offering",
            name="position",
            field=models.PositiveSmallIntegerField(default=0, verbose_name="position"),
        ),
        migrations.AlterField(
            model_name="offering",
            name="price",
            field=models.DecimalField(
                decimal_places=2,
                max_digits=8,
                validators=[django.core.validators.MinValueValidator(Decimal("0.00"))],
                verbose_name="price",
            ),
        ),
        migrations.AlterField(
            model_name="offering",
            name="resource_kinds",
            field=models.ManyToManyField(
                blank=True,
                help_text="Each booking takes one free resource of every kind chosen here.",
                related_name="offerings",
                to="catalog.resourcekind",
                verbose_name="resource kinds",
            ),
        ),
        migrations.AlterField(
            model_name="offering",
            name="slug",
            field=models.SlugField(unique=True, verbose_name="slug"),
        ),
        migrations.AlterField(
            model_name="resourcekind",
            name="description",
            field=models.TextField(blank=True, verbose_name="description"),
        ),
        migrations.AlterField(
            model_name="resourcekind",
            name="description_en",
            field=models.TextField(blank=True, null=True, verbose_name="description"),
        ),
        migrations.AlterField(
            model_name="resourcekind",
            name="description_ru",
            field=models.TextField(blank=True, null=True, verbose_name="description"),
        ),
        migrations.AlterField(
            model_name="resourcekind",
            name="name",
            field=models.CharField(max_length=80, verbose_name="name"),
        ),
        migrations.AlterField(
            model_name="resourcekind",
            name="name_en",
            field=models.CharField(max_length=80, null=True, verbose_name="name"),
        ),
        migrations.AlterField(
            model_name="resourcekind",
            name="name_ru",
            field=models.CharField(max_length=80, null=True, verbose_name="name"),
        ),
        migrations.AlterField(
            model_name="resourcekind",
            name="slug",
            field=models.SlugField(unique=True, verbose_name="slug"),
        ),
    ]
