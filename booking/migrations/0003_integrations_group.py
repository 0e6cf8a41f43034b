"""The `integrations` group: what a website widget, CRM or phone tool may do.

A user in it, with a token from `manage.py drf_create_token`, can list,
read, book, cancel and reschedule appointments through the API, and
nothing in the admin.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

PERMISSIONS = [
    "view_appointment",
    "add_appointment",
    "change_appointment",
    "view_therapist",
]


def add_group(apps, schema_editor):
    # Permissions are made after migrations run; make booking's now. The
    # migration state's app config has no models module, which
    # create_permissions takes as "no models", hence the stand-in.
    app_config = apps.get_app_config("booking")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, apps=apps)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="integrations")
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="booking", codename__in=PERMISSIONS)
    )


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="integrations").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("booking", "0002_no_overlaps"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(add_group, remove_group)]
