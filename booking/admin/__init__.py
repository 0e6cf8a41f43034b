"""The staff admin of the booking app, a module per concern.

Importing the modules registers their admins with the site.
"""

from booking.admin import appointments, schedules, visits

__all__ = ["appointments", "schedules", "visits"]
