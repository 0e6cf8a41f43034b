"""What a visit's messages and pages say of the package that paid for it.

"Paid with your package: 3 of 10 sessions left, valid until 1 March
2028." The payments app registers `notes_for_visits` with booking's
message notes (`booking.message_notes`, from `PaymentsConfig.ready`), so
the confirmation and reminder e-mails of a visit paid with a package say
what is left of it, read for a whole batch of reminders at once; the
manage page says the same through the `package_note` template tag.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from uuid import UUID

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import ngettext

from payments import selectors


@dataclass(frozen=True)
class PackageNote:
    """The note on a visit paid with a package; `str()` writes it in the active language."""

    state: selectors.PackageState

    def __str__(self) -> str:
        owned = self.state.client_package
        return ngettext(
            "Paid with your package: %(left)d of %(total)d session left, valid until %(date)s.",
            "Paid with your package: %(left)d of %(total)d sessions left, valid until %(date)s.",
            self.state.left,
        ) % {
            "left": self.state.left,
            "total": owned.sessions,
            "date": date_format(owned.expires_at, "DATE_FORMAT"),
        }


def notes_for_visits(visit_ids: Sequence[UUID]) -> Mapping[UUID, Sequence[PackageNote]]:
    """The package note of each of these visits paid with one: two queries for them all."""
    found = selectors.packages_of_visits(visit_ids, now=timezone.now())
    return {visit_id: [PackageNote(state)] for visit_id, state in found.items()}
