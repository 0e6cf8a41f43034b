"""Celery tasks: thin, by id, idempotent; the services do the work."""

from celery import shared_task

from booking.services import appointments, idempotency, privacy


@shared_task(ignore_result=True)
def forget_idempotency_keys() -> int:
    """Beat's hourly clean-up of Idempotency-Key answers no client will replay."""
    return idempotency.forget_old_keys()


@shared_task(ignore_result=True)
def purge_old_health_answers() -> int:
    """Beat's daily drop of health answers older than the retention period."""
    return privacy.purge_old_health_answers()


@shared_task(ignore_result=True)
def release_expired_holds() -> int:
    """Beat's minute-by-minute release of held bookings nobody confirmed in time."""
    return appointments.release_expired_holds()


@shared_task(ignore_result=True)
def forget_booking_addresses() -> int:
    """Beat's hourly clearing of the hashed addresses of bookings no longer to come."""
    return privacy.forget_booking_addresses()
