"""The front desk: client preferences, treatment notes, arrivals, roles.

Clients get the preferences and notes staff keep, and may be booked at
the desk without an e-mail (the unique e-mail holds only for those with
one). Appointments get the time the client arrived, and a treatment
note in the SOAP order. Therapists get a gender (for clients who prefer
one) and the secret of their calendar feed. The groups "reception" and
"therapist" carry each role's permissions.
"""

import django.db.models.deletion
import django.db.models.functions.text
import django.utils.timezone
from django.conf import settings
from django.contrib.auth.management import create_permissions
from django.db import migrations, models

# The two staff roles, with only what each needs. The owner is a
# superuser; a login is given a role by adding it to the group.
ROLES = {
    # The front desk: every calendar, visit and client, bookings by phone
    # and at the desk, time off; the admin for the day's work.
    "reception": [
        ("booking", "run_front_desk"),
        ("booking", "view_health"),
        ("booking", "view_appointment"),
        ("booking", "add_appointment"),
        ("booking", "change_appointment"),
        ("booking", "view_visit"),
        ("booking", "add_visit"),
        ("booking", "change_visit"),
        ("booking", "view_course"),
        ("booking", "add_course"),
        ("booking", "view_client"),
        ("booking", "add_client"),
        ("booking", "change_client"),
        ("booking", "view_treatmentnote"),
        ("booking", "view_therapist"),
        ("booking", "view_workinghours"),
        ("booking", "view_timeoff"),
        ("booking", "add_timeoff"),
        ("booking", "change_timeoff"),
        ("booking", "delete_timeoff"),
        ("booking", "view_resource"),
        ("booking", "view_reminder"),
        ("booking", "view_appointmentevent"),
        ("catalog", "view_offering"),
        ("catalog", "view_massagetype"),
    ],
    # A therapist: their own calendar and clients in /staff/ (scoped by
    # the login linked to them), the health answers and their notes.
    "therapist": [
        ("booking", "view_health"),
        ("booking", "view_treatmentnote"),
        ("booking", "add_treatmentnote"),
        ("booking", "change_treatmentnote"),
    ],
}


def make_roles(apps, schema_editor):
    # Permissions are made after every migration has run; the groups
    # need them now, so make them first (it does nothing when they exist).
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        for app_label, codename in codenames:
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("booking", "0022_list_indexes"),
        ("catalog", "0009_visit_offerings"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="TreatmentNote",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "subjective",
                    models.TextField(
                        blank=True,
                        help_text="What the client tells: complaints, pain, how the last session went.",
                        verbose_name="subjective",
                    ),
                ),
                (
                    "objective",
                    models.TextField(
                        blank=True,
                        help_text="What the therapist finds: tension, swelling, range of movement.",
                        verbose_name="objective",
                    ),
                ),
                (
                    "assessment",
                    models.TextField(
                        blank=True,
                        help_text="What it means, and how the client responded to the massage.",
                        verbose_name="assessment",
                    ),
                ),
                (
                    "plan",
                    models.TextField(
                        blank=True,
                        help_text="What to do next time, and what the client was advised.",
                        verbose_name="plan",
                    ),
                ),
                (
                    "created_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now, verbose_name="created at"
                    ),
                ),
                (
                    "updated_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now, verbose_name="updated at"
                    ),
                ),
            ],
            options={
                "verbose_name": "treatment note",
                "verbose_name_plural": "treatment notes",
            },
        ),
        migrations.AlterModelOptions(
            name="appointment",
            options={
                "permissions": [
                    ("view_health", "Can see clients' health answers and notes"),
                    ("run_front_desk", "Can run the front desk: every calendar, visit and client"),
                    ("view_reports", "Can see the studio's reports"),
                ],
                "verbose_name": "appointment",
                "verbose_name_plural": "appointments",
            },
        ),
        migrations.RemoveConstraint(
            model_name="client",
            name="booking_client_email_unique",
        ),
        migrations.AddField(
            model_name="appointment",
            name="arrived_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="arrived at"),
        ),
        migrations.AddField(
            model_name="client",
            name="allergies",
            field=models.TextField(
                blank=True,
                db_default="",
                help_text="Allergies, and the oils and creams to use or to avoid.",
                verbose_name="allergies and oils",
            ),
        ),
        migrations.AddField(
            model_name="client",
            name="preferred_therapist",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="booking.therapist",
                verbose_name="preferred therapist",
            ),
        ),
        migrations.AddField(
            model_name="client",
            name="pressure",
            field=models.CharField(
                blank=True,
                db_default="",
                choices=[("light", "Light"), ("medium", "Medium"), ("firm", "Firm")],
                max_length=8,
                verbose_name="pressure",
            ),
        ),
        migrations.AddField(
            model_name="client",
            name="staff_notes",
            field=models.TextField(blank=True, db_default="", verbose_name="staff notes"),
        ),
        migrations.AddField(
            model_name="client",
            name="therapist_gender",
            field=models.CharField(
                blank=True,
                db_default="",
                choices=[("female", "A woman"), ("male", "A man")],
                max_length=8,
                verbose_name="prefers a therapist who is",
            ),
        ),
        migrations.AddField(
            model_name="therapist",
            name="feed_token",
            field=models.CharField(
                blank=True,
                db_default="",
                editable=False,
                max_length=64,
                verbose_name="calendar feed token",
            ),
        ),
        migrations.AddField(
            model_name="therapist",
            name="gender",
            field=models.CharField(
                blank=True,
                db_default="",
                choices=[("female", "Female"), ("male", "Male")],
                help_text="Shown to reception when a client prefers a therapist of one gender.",
                max_length=8,
                verbose_name="gender",
            ),
        ),
        migrations.AlterField(
            model_name="appointment",
            name="source",
            field=models.CharField(
                choices=[
                    ("web", "Website"),
                    ("admin", "Admin (phone)"),
                    ("desk", "Front desk"),
                    ("api", "API"),
                ],
                max_length=16,
                verbose_name="source",
            ),
        ),
        migrations.AlterField(
            model_name="client",
            name="email",
            field=models.EmailField(blank=True, max_length=254, verbose_name="email"),
        ),
        migrations.AlterField(
            model_name="visit",
            name="source",
            field=models.CharField(
                choices=[
                    ("web", "Website"),
                    ("admin", "Admin (phone)"),
                    ("desk", "Front desk"),
                    ("api", "API"),
                ],
                max_length=16,
                verbose_name="source",
            ),
        ),
        migrations.AddIndex(
            model_name="client",
            index=models.Index(fields=["phone"], name="booking_client_phone"),
        ),
        migrations.AddConstraint(
            model_name="client",
            constraint=models.UniqueConstraint(
                django.db.models.functions.text.Lower("email"),
                condition=models.Q(("email", ""), _negated=True),
                name="booking_client_email_unique",
            ),
        ),
        migrations.AddField(
            model_name="treatmentnote",
            name="appointment",
            field=models.OneToOneField(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="treatment_note",
                to="booking.appointment",
                verbose_name="appointment",
            ),
        ),
        migrations.AddField(
            model_name="treatmentnote",
            name="author",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="written by",
            ),
        ),
        migrations.RunPython(make_roles, migrations.RunPython.noop),
    ]
