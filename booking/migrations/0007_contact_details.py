"""Each appointment keeps the contact details it was booked with.

Until now an appointment's messages went to its client record, which
any booking with the same e-mail rewrote. The details are copied from
the record into every existing appointment, so their reminders keep
going where they went.
"""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def copy_contact_details(apps, schema_editor):
    Appointment = apps.get_model("booking", "Appointment")
    Client = apps.get_model("booking", "Client")
    client = Client.objects.filter(pk=OuterRef("client_id"))
    Appointment.objects.update(
        contact_name=Subquery(client.values("name")[:1]),
        contact_email=Subquery(client.values("email")[:1]),
        contact_phone=Subquery(client.values("phone")[:1]),
    )


class Migration(migrations.Migration):
    dependencies = [("booking", "0006_appointment_consent")]

    operations = [
        migrations.AddField(
            model_name="client",
            name="email_verified_at",
            field=models.DateTimeField(
                blank=True,
                help_text="When the person last proved this e-mail is theirs, by opening a link sent to it.",
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="appointment",
            name="is_client_verified",
            field=models.BooleanField(
                default=False,
                help_text="Whether the booker is known to be the client of the record: booked by staff, or by someone who proved the e-mail is theirs. Otherwise the link to the record is only by the e-mail typed in.",
            ),
        ),
        migrations.AddField(
            model_name="appointment",
            name="contact_name",
            field=models.CharField(default="", max_length=120),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="appointment",
            name="contact_email",
            field=models.EmailField(blank=True, max_length=254),
        ),
        migrations.AddField(
            model_name="appointment",
            name="contact_phone",
            field=models.CharField(blank=True, max_length=32),
        ),
        migrations.RunPython(copy_contact_details, migrations.RunPython.noop, elidable=True),
    ]
