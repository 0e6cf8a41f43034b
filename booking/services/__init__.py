"""Every write of the booking app, one module per concern.

- `appointments`: book, cancel, reschedule and mark appointments.
- `clients`: the client record: which one a booking links to, and who changes it.
- `access`: who may see and change which appointments.
- `reminders`: the outbox of messages about them, and its dispatch.
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
from booking.services.privacy import (
    can_see_health,
    erase_client,
    export_client,
    forget_booking_addresses,
    purge_old_health_answers,
)
from booking.services.reminders import (
    claim_due_reminders,
    deliver_reminder,
    dispatch_due_reminders,
    retry_reminders,
    send_reminder_now,
)

__all__ = [
    "Actor",
    "ClientDetails",
    "book_appointment",
    "can_guest_change",
    "can_see_health",
    "cancel_appointment",
    "change_client",
    "claim_due_reminders",
    "confirm_held_appointment",
    "deliver_reminder",
    "dispatch_due_reminders",
    "erase_client",
    "export_client",
    "forget_booking_addresses",
    "guest_change_deadline",
    "mark_appointment",
    "merge_clients",
    "purge_old_health_answers",
    "release_expired_holds",
    "reschedule_appointment",
    "retry_reminders",
    "send_reminder_now",
    "update_client_from_booking",
]
