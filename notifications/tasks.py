"""Celery tasks of the outbox: thin, by id, idempotent; the services do the work."""

from celery import shared_task

from notifications import services, waitlist, webhooks


@shared_task(ignore_result=True)
def dispatch_messages() -> int:
    """Beat's minute-by-minute sweep: send every due message."""
    return services.dispatch_due_messages()


@shared_task(ignore_result=True)
def send_message(*, message_id: int) -> str:
    """Send one message now, unless another worker already took it."""
    return services.send_message_now(message_id=message_id)


@shared_task(ignore_result=True)
def expire_waitlist_entries() -> int:
    """Beat's hourly end of waitlist entries whose dates have passed, and of old ended ones."""
    return waitlist.expire_waitlist_entries()


@shared_task(ignore_result=True)
def forget_old_webhook_events() -> int:
    """Beat's daily deletion of webhook events older than their retention period."""
    return webhooks.forget_old_webhook_events()


# The names the outbox's tasks had in booking before it moved here
# (notifications 0002 kept each reminder's id): a task a broker still
# holds from before the deploy runs instead of being dropped as unknown.
@shared_task(name="booking.tasks.dispatch_reminders", ignore_result=True)
def dispatch_reminders() -> int:
    """The sweep under its old name."""
    return services.dispatch_due_messages()


@shared_task(name="booking.tasks.send_reminder", ignore_result=True)
def send_reminder(*, reminder_id: int) -> str:
    """One message under its old name, by the id the reminder had and the message kept."""
    return services.send_message_now(message_id=reminder_id)
