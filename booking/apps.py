from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BookingConfig(AppConfig):
    name = "booking"
    verbose_name = _("Booking")

    def ready(self) -> None:
        # Register the Celery tasks in every process, web included: beat
        # and other processes name them, without importing them.
        from booking import tasks  # noqa: F401, PLC0415 - registration is the import's effect
