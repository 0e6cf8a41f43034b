"""The studio's identity as the owner edits it in the admin."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class StudioProfile(models.Model):
    """The studio's name, address, phone, e-mail, opening hours and map link.

    One row at most (pk 1): until the owner saves it, the STUDIO_* settings
    are the studio's identity (studio/identity.py). The name, address and
    hours note have a column per language (studio/translation.py).
    """

    SINGLETON_ID = 1

    name = models.CharField(max_length=120, verbose_name=_("name"))
    address = models.CharField(
        max_length=300,
        blank=True,
        help_text=_("One line, as a client types it into a map: street, postcode, city."),
        verbose_name=_("address"),
    )
    phone = models.CharField(
        max_length=40,
        blank=True,
        help_text=_("The number clients call, with the country code, e.g. +49 30 1234567."),
        verbose_name=_("phone"),
    )
    email = models.EmailField(blank=True, verbose_name=_("e-mail"))
    hours_note = models.CharField(
        max_length=200,
        blank=True,
        help_text=_("The opening hours in one line, e.g. Mon–Sat 9:00–19:00."),
        verbose_name=_("opening hours"),
    )
    map_url = models.URLField(
        blank=True,
        help_text=_("A link to the studio on a map, e.g. from OpenStreetMap or Google Maps."),
        verbose_name=_("map link"),
    )
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("studio profile")
        verbose_name_plural = _("studio profile")
        constraints = [
            # The identity is one row: a second one would leave pages and
            # messages choosing between two names.
            models.CheckConstraint(
                condition=models.Q(id=1), name="studio_studioprofile_single_row"
            ),
        ]

    def __str__(self) -> str:
        return self.name
