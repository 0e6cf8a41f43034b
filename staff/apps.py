from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StaffConfig(AppConfig):
    """The staff workspace at /staff/: the front desk and the therapists' own day.

    An interface, like the admin, the website and the API: it owns no
    models, reads through the booking selectors and writes through the
    booking services. The admin stays for configuration.
    """

    name = "staff"
    verbose_name = _("Front desk")
