from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from booking import outbox  # noqa: PLC0415 (apps are ready now)
        from notifications.services import BookingOutbox  # noqa: PLC0415

        # Booking writes its messages through this, importing nothing of
        # notifications (dependencies point notifications -> booking).
        outbox.install(BookingOutbox())
        # Register the Celery tasks in every process, web included: the
        # services hand messages to them by name, without importing them.
        from notifications import (  # noqa: PLC0415 (apps are ready now)
            tasks,  # noqa: F401 - registration is the import's effect
            webhooks,  # noqa: F401 - the webhook senders register themselves on import
        )
