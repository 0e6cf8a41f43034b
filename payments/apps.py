from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "payments"
    verbose_name = _("Payments")

    def ready(self) -> None:
        from booking.signals import visit_cancelled  # noqa: PLC0415 (apps are ready now)
        from payments.receivers import give_back_sessions  # noqa: PLC0415

        visit_cancelled.connect(give_back_sessions, dispatch_uid="payments.give_back_sessions")
