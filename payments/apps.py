from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "payments"
    verbose_name = _("Payments")

    def ready(self) -> None:
        # Register the Celery tasks in every process, web included: the
        # services hand receipts to them by name, without importing them.
        from payments import tasks  # noqa: F401, PLC0415 - registration is the import's effect
