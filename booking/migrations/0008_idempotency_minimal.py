"""Idempotency-Key rows keep the appointment booked, not the answer's body.

The stored answer held the client's name, e-mail, phone and manage
token for a day. A row now points at the appointment it booked, and a
replay renders the answer from it. Kept answers of a booking are moved
over; kept refusals are dropped, since only a success is replayed now.
Anonymous callers had one shared key space; their rows move to the
space of the e-mail they booked for, so a retry across the deploy still
replays its booking.
"""

import hashlib
import uuid

import django.db.models.deletion
from django.db import migrations, models


def keep_only_the_appointment(apps, schema_editor):
    IdempotencyKey = apps.get_model("booking", "IdempotencyKey")
    Appointment = apps.get_model("booking", "Appointment")
    done = IdempotencyKey.objects.filter(state="done")
    for row in done.iterator():
        body = row.response_body if isinstance(row.response_body, dict) else {}
        # The API kept the appointment as `id`, the website's form as `appointment`.
        appointment_id = body.get("id") or body.get("appointment")
        appointment = None
        if 200 <= (row.response_status or 0) < 300 and appointment_id:
            try:
                appointment = Appointment.objects.filter(pk=uuid.UUID(str(appointment_id))).first()
            except ValueError:
                appointment = None
        if appointment is None:
            row.delete()
            continue
        row.appointment = appointment
        if row.owner == "anonymous":
            email = appointment.contact_email.strip().lower()
            row.owner = "anon:" + hashlib.sha256(email.encode()).hexdigest()
        row.response_body = None
        row.save(update_fields=["appointment", "owner", "response_body"])
    # The foreign keys' checks wait for the commit on PostgreSQL, and a
    # table with checks pending cannot be altered: run them now.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def forget_every_key(apps, schema_editor):
    # Going back, the rows have no answer body to replay and owners too
    # long for the old column: forget them, as a day later anyway.
    apps.get_model("booking", "IdempotencyKey").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("booking", "0007_contact_details")]

    operations = [
        migrations.AddField(
            model_name="idempotencykey",
            name="appointment",
            field=models.ForeignKey(
                blank=True,
                help_text="What the request booked; empty while it runs.",
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="idempotency_keys",
                to="booking.appointment",
            ),
        ),
        migrations.AlterField(
            model_name="idempotencykey",
            name="owner",
            field=models.CharField(
                help_text=(
                    "Whose key space: `user:<id>`, `anon:<sha256 of the client e-mail>`, "
                    "`body:<sha256 of a body without one>` or `website`."
                ),
                max_length=80,
            ),
        ),
        migrations.RunPython(keep_only_the_appointment, forget_every_key),
        migrations.RemoveField(model_name="idempotencykey", name="response_body"),
    ]
