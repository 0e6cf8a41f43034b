from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "payments"
    verbose_name = _("Payments")

    def ready(self) -> None:
        from booking import message_notes  # noqa: PLC0415 (apps are ready now)
        from booking.signals import visit_cancelled  # noqa: PLC0415 (apps are ready now)

        # Register the Celery tasks in every process, web included: the
        # services hand receipts to them by name, without importing them.
        from payments import tasks  # noqa: F401, PLC0415 - registration is the import's effect
        from payments.package_notes import notes_for_visits  # noqa: PLC0415
        from payments.receivers import (  # noqa: PLC0415
            give_back_sessions,
            settle_cancelled_visit,
        )

        visit_cancelled.connect(settle_cancelled_visit, dispatch_uid="payments.settle_cancelled")
        visit_cancelled.connect(give_back_sessions, dispatch_uid="payments.give_back_sessions")
        # A visit paid with a package says what is left of it in its e-mails.
        message_notes.register("payments.packages", notes_for_visits)
