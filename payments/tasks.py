"""Payments' Celery tasks: thin, they call the services."""

from celery import shared_task

from payments.services import online


@shared_task(ignore_result=True)
def cancel_released_payments() -> int:
    """Beat's minute-by-minute cancelling of payments whose visit's hold ran out."""
    return online.cancel_released_payments()
