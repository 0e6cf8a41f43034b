"""The website's booking pages: choose a time, book, and manage the booking.

The pages book what the API books: they ask the availability engine
which times are free and hand every change to the booking services,
which alone decide; a refusal comes back to the page as the service
worded it. Times are shown on the studio's clock (STUDIO_TIME_ZONE),
whatever the visitor's own.

- `slots`: the slot picker, and the free times nearest a wanted one.
- `book`: the booking form, booking a visit once per form: one
  massage, two people side by side, or one massage after another.
- `course`: a course's dates from its first time, each replaceable,
  booked as one.
- `client_details`: the e-mailed link that puts a booking's details on
  the client record.
- `guest`: a guest's booking, by its manage token exchanged for the
  session: confirmation, calendar file, manage page, cancel and
  reschedule; and the old links with the token in the path.
"""

from booking.views.book import booking_form
from booking.views.client_details import client_details
from booking.views.course import course
from booking.views.guest import calendar, cancel, confirmation, manage, old_link, reschedule
from booking.views.slots import slot_picker

__all__ = [
    "booking_form",
    "calendar",
    "cancel",
    "client_details",
    "confirmation",
    "course",
    "manage",
    "old_link",
    "reschedule",
    "slot_picker",
]
