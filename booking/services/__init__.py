"""Every write of the booking app, one module per concern.

- `visits`: book, cancel and move visits (one or more appointments), and courses.
- `desk`: what staff do at the front desk: move and reassign a visit, marks and their undo.
- `appointments`: one appointment: book, cancel, reschedule (its visit), confirm, mark.
- `clients`: the client record: which one a booking links to, and who changes it.
- `access`: who may see and change which appointments.
- `reminders`: which messages about them go out when (the outbox is `notifications/`).
- `idempotency`: a booking asked for twice with one `Idempotency-Key` is made once.
- `privacy`: who may see health data; a client's export, erasure, and
  the retention of health answers.

The names callers use are re-exported here.
"""

from booking.services.appointments import (
    Actor,
    book_appointment,
    can_guest_change,
    cancel_appointment,
    confirm_held_appointment,
    confirm_held_visit,
    guest_change_deadline,
    mark_appointment,
    release_expired_holds,
    reschedule_appointment,
)
from booking.services.clients import (
    ClientDetails,
    change_client,
    merge_clients,
    update_client_from_booking,
)
from booking.services.desk import mark_arrived, move_visit, undo_mark
from booking.services.privacy import (
    can_see_health,
    erase_client,
    export_client,
    forget_booking_addresses,
    purge_old_health_answers,
)
from booking.services.visits import (
    WantedAppointment,
    book_course,
    book_visit,
    cancel_course,
    cancel_visit,
    reschedule_visit,
)

__all__ = [
    "Actor",
    "ClientDetails",
    "WantedAppointment",
    "book_appointment",
    "book_course",
    "book_visit",
    "can_guest_change",
    "can_see_health",
    "cancel_appointment",
    "cancel_course",
    "cancel_visit",
    "change_client",
    "confirm_held_appointment",
    "confirm_held_visit",
    "erase_client",
    "export_client",
    "forget_booking_addresses",
    "guest_change_deadline",
    "mark_appointment",
    "mark_arrived",
    "merge_clients",
    "move_visit",
    "purge_old_health_answers",
    "release_expired_holds",
    "reschedule_appointment",
    "reschedule_visit",
    "undo_mark",
    "update_client_from_booking",
]
