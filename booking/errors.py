"""Why a booking was refused: each reason with a stable code for programs."""

from django.utils.translation import gettext_lazy as _

from studio.errors import StudioError


class BookingError(StudioError):
    code = "booking_error"
    status_code = 422
    default_message = _("The booking could not be made.")


class SlotUnavailable(BookingError):
    """The time was free by the rules but someone else holds it now (409)."""

    code = "slot_unavailable"
    status_code = 409
    default_message = _("That time is no longer free. Please choose another time.")


class InvalidStart(BookingError):
    """A start time that no rule would ever offer: bad input (400), not a conflict."""

    status_code = 400
    field = "start"


class OutsideHours(InvalidStart):
    code = "outside_hours"
    default_message = _("The studio does not offer this massage at that time.")


class TooSoon(InvalidStart):
    code = "too_soon"
    default_message = _("That time is too soon to book.")


class BeyondHorizon(InvalidStart):
    code = "beyond_horizon"
    default_message = _("That time is too far ahead to book yet.")


class OffStep(InvalidStart):
    code = "off_step"
    default_message = _("Appointments start on the studio's time grid.")


class NotQualified(BookingError):
    code = "not_qualified"
    status_code = 400
    field = "therapist"
    default_message = _("This therapist does not give this massage.")


class RuledOut(BookingError):
    """A health answer rules this massage out; the message says why."""

    code = "ruled_out"
    default_message = _("This massage is not given with one of the health conditions you named.")


class NotBookable(BookingError):
    code = "not_bookable"
    status_code = 400
    field = "offering"
    default_message = _("This massage cannot be booked at the moment.")


class InvalidVisit(BookingError):
    """A visit whose appointments do not go together: bad input (400)."""

    code = "invalid_visit"
    status_code = 400
    field = "appointments"
    default_message = _(
        "The massages of one visit either start together or each where the one before ends."
    )


class CancellationClosed(BookingError):
    code = "cancellation_closed"
    default_message = _("It is too late to change this appointment online. Please call the studio.")


class NotActive(BookingError):
    code = "not_active"
    status_code = 409
    default_message = _("This appointment is no longer active.")


class NotConfirmed(BookingError):
    code = "not_confirmed"
    status_code = 409
    default_message = _(
        "This booking is held until you confirm it: open the link in the e-mail we sent, "
        "then change it."
    )


class StaffOnly(BookingError):
    """What only staff do at the desk, asked by someone else (403)."""

    code = "staff_only"
    status_code = 403
    default_message = _("Only the studio's staff can do this.")


class NothingToChange(BookingError):
    """A move to the same time with the same therapists (400)."""

    code = "nothing_to_change"
    status_code = 400
    default_message = _("Choose another time or another therapist.")


class NotToday(BookingError):
    """A client marked arrived on another day than their appointment's (409)."""

    code = "not_today"
    status_code = 409
    default_message = _("A client can be marked arrived only on the day of the appointment.")


class NothingToUndo(BookingError):
    """An undo asked for an appointment with no mark on it (409)."""

    code = "nothing_to_undo"
    status_code = 409
    default_message = _("This appointment has no mark to undo.")


class HoldExpired(BookingError):
    code = "hold_expired"
    status_code = 409
    default_message = _(
        "This booking was not confirmed in time, so its time has been released. Please book again."
    )


class RateLimited(BookingError):
    """A limit the studio sets on what one source books or changes online (429).

    `retry_after` is how many seconds until the limit may let the request
    through; the API sends it as `Retry-After`, and so does the website.
    """

    code = "rate_limited"
    status_code = 429
    default_message = _("Too many requests. Please try again later, or call the studio.")

    def __init__(self, message: str | None = None, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = max(1, retry_after)


class ConsentRequired(BookingError):
    """Health answers or notes given without the client's consent to keep them (400)."""

    code = "consent_required"
    status_code = 400
    field = "consent"
    default_message = _(
        "Health answers and notes are kept only with the client's consent: "
        "send consent: true, or leave them out."
    )


class StillBooked(BookingError):
    """A client with appointments to come cannot be erased: cancel those first (409)."""

    code = "still_booked"
    status_code = 409
    default_message = _(
        "This client has appointments to come. Cancel them first, then erase the client's data."
    )


class CannotMerge(BookingError):
    code = "cannot_merge"
    status_code = 400
    default_message = _("Choose the client to keep and at least one other client to merge into it.")


class NotTheirAppointment(BookingError):
    """A treatment note written by someone who did not give the massage (403)."""

    code = "not_their_appointment"
    status_code = 403
    default_message = _("Only the therapist who gives this massage writes its treatment note.")


class NoteTooEarly(BookingError):
    """A treatment note for a massage that has not started yet (409)."""

    code = "note_too_early"
    status_code = 409
    default_message = _("A treatment note can be written once the massage has started.")


class NothingToNote(BookingError):
    """A treatment note for a massage that was cancelled or missed (409)."""

    code = "nothing_to_note"
    status_code = 409
    default_message = _("This massage was cancelled or missed: there is nothing to note.")


class NotTheirFeed(BookingError):
    """A calendar feed turned on or off by someone other than its therapist or reception (403)."""

    code = "not_their_feed"
    status_code = 403
    default_message = _("Only the therapist or reception change this calendar feed.")


class AwaitingPayment(BookingError):
    code = "awaiting_payment"
    status_code = 409
    default_message = _(
        "This booking is held until its payment arrives: it is confirmed by the payment, "
        "not by a link."
    )
