"""Names, choices and help texts in words staff can read in English and Russian."""

import uuid

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

import booking.models


class Migration(migrations.Migration):
    dependencies = [
        ("booking", "0014_therapist_bio_translated"),
        ("catalog", "0007_words"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="allocation",
            options={"verbose_name": "allocation", "verbose_name_plural": "allocations"},
        ),
        migrations.AlterModelOptions(
            name="appointment",
            options={
                "permissions": [("view_health", "Can see clients' health answers and notes")],
                "verbose_name": "appointment",
                "verbose_name_plural": "appointments",
            },
        ),
        migrations.AlterModelOptions(
            name="appointmentevent",
            options={
                "verbose_name": "appointment event",
                "verbose_name_plural": "appointment events",
            },
        ),
        migrations.AlterModelOptions(
            name="client",
            options={
                "permissions": [
                    ("export_client", "Can export all the studio holds about a client"),
                    ("erase_client", "Can erase a client's personal data"),
                ],
                "verbose_name": "client",
                "verbose_name_plural": "clients",
            },
        ),
        migrations.AlterModelOptions(
            name="idempotencykey",
            options={"verbose_name": "idempotency key", "verbose_name_plural": "idempotency keys"},
        ),
        migrations.AlterModelOptions(
            name="reminder",
            options={"verbose_name": "reminder", "verbose_name_plural": "reminders"},
        ),
        migrations.AlterModelOptions(
            name="resource",
            options={
                "ordering": ["kind__name", "name"],
                "verbose_name": "resource",
                "verbose_name_plural": "resources",
            },
        ),
        migrations.AlterModelOptions(
            name="therapist",
            options={
                "ordering": ["name"],
                "verbose_name": "therapist",
                "verbose_name_plural": "therapists",
            },
        ),
        migrations.AlterModelOptions(
            name="timeoff",
            options={"verbose_name": "time off", "verbose_name_plural": "time off"},
        ),
        migrations.AlterModelOptions(
            name="workinghours",
            options={"verbose_name": "working hours", "verbose_name_plural": "working hours"},
        ),
        migrations.AlterField(
            model_name="allocation",
            name="appointment",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="allocations",
                to="booking.appointment",
                verbose_name="appointment",
            ),
        ),
        migrations.AlterField(
            model_name="allocation",
            name="blocked_until",
            field=models.DateTimeField(verbose_name="blocked until"),
        ),
        migrations.AlterField(
            model_name="allocation",
            name="is_active",
            field=models.BooleanField(default=True, verbose_name="is active"),
        ),
        migrations.AlterField(
            model_name="allocation",
            name="resource",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="allocations",
                to="booking.resource",
                verbose_name="resource",
            ),
        ),
        migrations.AlterField(
            model_name="allocation",
            name="start_at",
            field=models.DateTimeField(verbose_name="start at"),
        ),
        migrations.AlterField(
            model_name="appointment",
            name="blocked_until",
            field=models.DateTimeField(
                help_text="The end plus the offering's cleanup buffer: nothing else is booked before it.",
                verbose_name="blocked until",
            ),
        ),
        migrations.AlterField(
            model_name="appointment",
            name="booked_from",
            field=models.CharField(
                blank=True, editable=False, max_length=64, verbose_name="booked from"
            ),
        ),
        migrations.AlterField(
            model_name="appointment",
            name="client",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="appointments",
                to="booking.client",
                verbose_name="client",
            ),
        ),
        migrations.AlterField(
            model_name="appointment",
            name="consent_recorded_by",
            field=models.ForeignKey(
                blank=True,
                help_text="The staff member who asked for the consent (empty: the client gave it online).",
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="consent recorded by",
            ),
        ),
        migrations.AlterField(
            model_name="appointment",
            name="consented_at",
            field=models.DateTimeField(
                blank=True,
                help_text="When the client agreed that the studio keeps their details and health answers and contacts them about this appointment (empty: not recorded, e.g. by phone).",
                null=True,
                verbose_name="consented at",
            ),
        ),
        migrations.AlterField(
            model_name="appointment",
            name="contact_email",
            field=models.EmailField(blank=True, max_length=254, verbose_name="contact email"),
        ),
        migrations.AlterField(
            model_name="appointment",
            name="contact_name",
            field=models.CharField(max_length=120, verbose_name="contact name"),
        ),
        migrations.AlterField(
            model_name="appointment",
            name="contact_phone",
            field=models.CharField(blank=True, max_length=32, verbose_name="contact phone"),
        ),
        migrations.AlterField(
            model_name="appointment",
            name="created_at",
            field=models.DateTimeField(
                default=django.utils.timezone.now, verbose_name="created at"
            ),
        ),
        migrations.AlterField(
            model_name="appointment",
            name="currency",
            field=models.CharField(max_length=3, verbose_name="currency"),
        ),
        migrations.AlterField(
            model_name="appointment",
            name="end_at",
            field=models.DateTimeField(verbose_name="end at"),
        ),
        migrations.AlterField(
            model_name="appointment",
            name="health",
            field=models.JSONField(blank=True, default=dict, verbose_name="health"),
        ),
        migrations.AlterField(
            model_name="appointment",
            name="hold_expires_at",
            field=models.DateTimeField(
                blank=True,
                help_text="While held: when the time is released unless the booking is confirmed.",
                null=True,
                verbose_name="hold expires at",
            ),
        ),
        migrations.AlterField(
            model_name="appointment",
            name="id",
            field=models.UUIDField(
                default=uuid.uuid4,
                editable=False,
                primary_key=True,
                serialize=False,
                verbose_name="id",
            ),
        ),
        migrations.AlterField(
            model_name="appointment",
            name="is_client_verified",
            field=models.BooleanField(
                default=False,
                help_text="Whether the booker is known to be the client of the record: booked by staff, or by someone who proved the e-mail is theirs. Otherwise the link to the record is only by the e-mail typed in.",
                verbose_name="is client verified",
            ),
        ),
        migrations.AlterField(
            model_name="appointment",
            name="manage_token",
            field=models.CharField(
                default=booking.models.new_manage_token,
                editable=False,
                max_length=64,
                verbose_name="manage token",
            ),
        ),
        migrations.AlterField(
            model_name="appointment",
            name="notes",
            field=models.TextField(blank=True, verbose_name="notes"),
        ),
        migrations.AlterField(
            model_name="appointment",
            name="offering",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="appointments",
                to="catalog.offering",
                verbose_name="offering",
            ),
        ),
        migrations.AlterField(
            model_name="appointment",
            name="price",
            field=models.DecimalField(decimal_places=2, max_digits=8, verbose_name="price"),
        ),
        migrations.AlterField(
            model_name="appointment",
            name="sequence",
            field=models.PositiveIntegerField(
                default=0,
                help_text="Bumped on every change the client's calendar must follow (RFC 5545 SEQUENCE).",
                verbose_name="sequence",
            ),
        ),
        migrations.AlterField(
            model_name="appointment",
            name="source",
            field=models.CharField(
                choices=[("web", "Website"), ("admin", "Admin (phone)"), ("api", "API")],
                max_length=16,
                verbose_name="source",
            ),
        ),
        migrations.AlterField(
            model_name="appointment",
            name="start_at",
            field=models.DateTimeField(verbose_name="start at"),
        ),
        migrations.AlterField(
            model_name="appointment",
            name="status",
            field=models.CharField(
                choices=[
                    ("held", "Held"),
                    ("confirmed", "Confirmed"),
                    ("cancelled", "Cancelled"),
                    ("completed", "Completed"),
                    ("no_show", "No-show"),
                ],
                default="confirmed",
                max_length=16,
                verbose_name="status",
            ),
        ),
        migrations.AlterField(
            model_name="appointment",
            name="therapist",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="appointments",
                to="booking.therapist",
                verbose_name="therapist",
            ),
        ),
        migrations.AlterField(
            model_name="appointment",
            name="updated_at",
            field=models.DateTimeField(
                default=django.utils.timezone.now, verbose_name="updated at"
            ),
        ),
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
                    ("hold_confirmed", "Hold confirmed"),
                    ("hold_expired", "Hold expired"),
                ],
                max_length=16,
                verbose_name="action",
            ),
        ),
        migrations.AlterField(
            model_name="appointmentevent",
            name="actor",
            field=models.CharField(
                help_text="Who: a staff user, an integration, a guest.",
                max_length=150,
                verbose_name="actor",
            ),
        ),
        migrations.AlterField(
            model_name="appointmentevent",
            name="appointment",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="events",
                to="booking.appointment",
                verbose_name="appointment",
            ),
        ),
        migrations.AlterField(
            model_name="appointmentevent",
            name="created_at",
            field=models.DateTimeField(
                default=django.utils.timezone.now, verbose_name="created at"
            ),
        ),
        migrations.AlterField(
            model_name="appointmentevent",
            name="details",
            field=models.JSONField(blank=True, default=dict, verbose_name="details"),
        ),
        migrations.AlterField(
            model_name="appointmentevent",
            name="user",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                to=settings.AUTH_USER_MODEL,
                verbose_name="user",
            ),
        ),
        migrations.AlterField(
            model_name="client",
            name="created_at",
            field=models.DateTimeField(
                default=django.utils.timezone.now, verbose_name="created at"
            ),
        ),
        migrations.AlterField(
            model_name="client",
            name="email",
            field=models.EmailField(max_length=254, verbose_name="email"),
        ),
        migrations.AlterField(
            model_name="client",
            name="email_verified_at",
            field=models.DateTimeField(
                blank=True,
                help_text="When the person last proved this e-mail is theirs, by opening a link sent to it.",
                null=True,
                verbose_name="email verified at",
            ),
        ),
        migrations.AlterField(
            model_name="client",
            name="name",
            field=models.CharField(max_length=120, verbose_name="name"),
        ),
        migrations.AlterField(
            model_name="client",
            name="phone",
            field=models.CharField(max_length=32, verbose_name="phone"),
        ),
        migrations.AlterField(
            model_name="idempotencykey",
            name="appointment",
            field=models.ForeignKey(
                blank=True,
                help_text="What the request booked; empty while it runs.",
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="idempotency_keys",
                to="booking.appointment",
                verbose_name="appointment",
            ),
        ),
        migrations.AlterField(
            model_name="idempotencykey",
            name="created_at",
            field=models.DateTimeField(
                default=django.utils.timezone.now, verbose_name="created at"
            ),
        ),
        migrations.AlterField(
            model_name="idempotencykey",
            name="key",
            field=models.CharField(max_length=255, verbose_name="key"),
        ),
        migrations.AlterField(
            model_name="idempotencykey",
            name="owner",
            field=models.CharField(
                help_text="Whose key space: `user:<id>`, `anon:<sha256 of the client e-mail>`, `body:<sha256 of a body without one>` or `website`.",
                max_length=80,
                verbose_name="owner",
            ),
        ),
        migrations.AlterField(
            model_name="idempotencykey",
            name="request_hash",
            field=models.CharField(max_length=64, verbose_name="request hash"),
        ),
        migrations.AlterField(
            model_name="idempotencykey",
            name="response_status",
            field=models.PositiveSmallIntegerField(
                blank=True, null=True, verbose_name="response status"
            ),
        ),
        migrations.AlterField(
            model_name="idempotencykey",
            name="state",
            field=models.CharField(
                choices=[("running", "Running"), ("done", "Done")],
                default="running",
                max_length=8,
                verbose_name="state",
            ),
        ),
        migrations.AlterField(
            model_name="reminder",
            name="appointment",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="reminders",
                to="booking.appointment",
                verbose_name="appointment",
            ),
        ),
        migrations.AlterField(
            model_name="reminder",
            name="attempts",
            field=models.PositiveSmallIntegerField(default=0, verbose_name="attempts"),
        ),
        migrations.AlterField(
            model_name="reminder",
            name="channel",
            field=models.CharField(
                choices=[("email", "E-mail"), ("sms", "SMS")], max_length=8, verbose_name="channel"
            ),
        ),
        migrations.AlterField(
            model_name="reminder",
            name="created_at",
            field=models.DateTimeField(
                default=django.utils.timezone.now, verbose_name="created at"
            ),
        ),
        migrations.AlterField(
            model_name="reminder",
            name="due_at",
            field=models.DateTimeField(verbose_name="due at"),
        ),
        migrations.AlterField(
            model_name="reminder",
            name="kind",
            field=models.CharField(
                choices=[
                    ("confirmation", "Confirmation"),
                    ("day_before", "Day-before reminder"),
                    ("hours_before", "Hours-before reminder"),
                    ("cancellation", "Cancellation notice"),
                    ("rescheduled", "Rescheduled notice"),
                ],
                max_length=16,
                verbose_name="kind",
            ),
        ),
        migrations.AlterField(
            model_name="reminder",
            name="last_error",
            field=models.TextField(blank=True, verbose_name="last error"),
        ),
        migrations.AlterField(
            model_name="reminder",
            name="lease_token",
            field=models.UUIDField(
                blank=True,
                editable=False,
                help_text="While sending: whose lease it is. Every claim writes a new one.",
                null=True,
                verbose_name="lease token",
            ),
        ),
        migrations.AlterField(
            model_name="reminder",
            name="lease_until",
            field=models.DateTimeField(
                blank=True,
                help_text="While sending: when another worker may take it over.",
                null=True,
                verbose_name="lease until",
            ),
        ),
        migrations.AlterField(
            model_name="reminder",
            name="sent_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="sent at"),
        ),
        migrations.AlterField(
            model_name="reminder",
            name="status",
            field=models.CharField(
                choices=[
                    ("pending", "Pending"),
                    ("sending", "Sending"),
                    ("sent", "Sent"),
                    ("failed", "Failed"),
                    ("cancelled", "Cancelled"),
                ],
                default="pending",
                max_length=10,
                verbose_name="status",
            ),
        ),
        migrations.AlterField(
            model_name="resource",
            name="is_active",
            field=models.BooleanField(default=True, verbose_name="is active"),
        ),
        migrations.AlterField(
            model_name="resource",
            name="kind",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="resources",
                to="catalog.resourcekind",
                verbose_name="kind",
            ),
        ),
        migrations.AlterField(
            model_name="resource",
            name="name",
            field=models.CharField(max_length=120, verbose_name="name"),
        ),
        migrations.AlterField(
            model_name="therapist",
            name="bio",
            field=models.TextField(blank=True, verbose_name="bio"),
        ),
        migrations.AlterField(
            model_name="therapist",
            name="bio_en",
            field=models.TextField(blank=True, null=True, verbose_name="bio"),
        ),
        migrations.AlterField(
            model_name="therapist",
            name="bio_ru",
            field=models.TextField(blank=True, null=True, verbose_name="bio"),
        ),
        migrations.AlterField(
            model_name="therapist",
            name="is_active",
            field=models.BooleanField(default=True, verbose_name="is active"),
        ),
        migrations.AlterField(
            model_name="therapist",
            name="massage_types",
            field=models.ManyToManyField(
                help_text="The massages this therapist gives.",
                related_name="therapists",
                to="catalog.massagetype",
                verbose_name="massage types",
            ),
        ),
        migrations.AlterField(
            model_name="therapist",
            name="name",
            field=models.CharField(max_length=120, verbose_name="name"),
        ),
        migrations.AlterField(
            model_name="therapist",
            name="slug",
            field=models.SlugField(unique=True, verbose_name="slug"),
        ),
        migrations.AlterField(
            model_name="therapist",
            name="user",
            field=models.OneToOneField(
                blank=True,
                help_text="The staff login of this therapist, so they can see their own schedule.",
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="therapist",
                to=settings.AUTH_USER_MODEL,
                verbose_name="user",
            ),
        ),
        migrations.AlterField(
            model_name="timeoff",
            name="end_at",
            field=models.DateTimeField(verbose_name="end at"),
        ),
        migrations.AlterField(
            model_name="timeoff",
            name="reason",
            field=models.CharField(blank=True, max_length=200, verbose_name="reason"),
        ),
        migrations.AlterField(
            model_name="timeoff",
            name="start_at",
            field=models.DateTimeField(verbose_name="start at"),
        ),
        migrations.AlterField(
            model_name="timeoff",
            name="therapist",
            field=models.ForeignKey(
                blank=True,
                help_text="Leave empty to close the whole studio.",
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="time_off",
                to="booking.therapist",
                verbose_name="therapist",
            ),
        ),
        migrations.AlterField(
            model_name="workinghours",
            name="end_time",
            field=models.TimeField(help_text="Studio local time.", verbose_name="end time"),
        ),
        migrations.AlterField(
            model_name="workinghours",
            name="start_time",
            field=models.TimeField(help_text="Studio local time.", verbose_name="start time"),
        ),
        migrations.AlterField(
            model_name="workinghours",
            name="therapist",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="working_hours",
                to="booking.therapist",
                verbose_name="therapist",
            ),
        ),
        migrations.AlterField(
            model_name="workinghours",
            name="weekday",
            field=models.PositiveSmallIntegerField(
                choices=[
                    (0, "Monday"),
                    (1, "Tuesday"),
                    (2, "Wednesday"),
                    (3, "Thursday"),
                    (4, "Friday"),
                    (5, "Saturday"),
                    (6, "Sunday"),
                ],
                verbose_name="weekday",
            ),
        ),
    ]
