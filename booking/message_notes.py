"""Lines other apps add to a visit's messages, read for a whole batch of messages at once.

Booking knows nothing of money (DESIGN.md: payments stands above
booking, never the other way): an app with something to say about a
visit in its e-mails ("Paid with your package: 3 of 10 sessions left")
registers a provider here from its `AppConfig.ready`. A provider takes
the ids of the visits a batch of messages is about and answers, for the
visits it has something for, their notes, in a fixed number of queries
whatever the batch holds, so the reminder dispatcher's queries do not
grow with its batch. A note's `str()` is its text in the active
language: the batch is read once, and each message is then written in
its own visit's language.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Protocol
from uuid import UUID

from booking.models import Visit


class Note(Protocol):
    """A line about a visit; `str()` writes it in the active language."""

    def __str__(self) -> str: ...


# The visits' ids in; for each visit the provider has something to say of, its notes.
Provider = Callable[[Sequence[UUID]], Mapping[UUID, Sequence[Note]]]

_providers: dict[str, Provider] = {}
# Where `load` leaves a visit's notes on the visit read with its message.
_CACHE = "_message_notes"


def register(name: str, provider: Provider) -> None:
    """Add (or, under the same name, replace) a provider of notes; call it from `ready()`."""
    _providers[name] = provider


def load(visits: Iterable[Visit]) -> None:
    """Read the notes of these visits at once, and keep each with its visit for `of`."""
    visits = list(visits)
    found: dict[UUID, list[Note]] = {}
    ids = sorted({visit.pk for visit in visits}, key=str)
    if ids:
        for provider in _providers.values():
            for visit_id, notes in provider(ids).items():
                found.setdefault(visit_id, []).extend(notes)
    for visit in visits:
        setattr(visit, _CACHE, found.get(visit.pk, []))


def of(visit: Visit) -> list[str]:
    """The visit's notes in the active language; read for it alone when no batch read them."""
    notes: Any = getattr(visit, _CACHE, None)
    if notes is None:
        load([visit])
        notes = getattr(visit, _CACHE)
    return [str(note) for note in notes]
