"""Reads of therapists and appointments, each with the joins its caller needs."""

from __future__ import annotations

import hmac
from datetime import date, datetime, time, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import QuerySet

from booking.models import Appointment, Therapist


def active_therapists() -> QuerySet[Therapist]:
    return (
        Therapist.objects.filter(is_active=True)
        .prefetch_related("massage_types")
        .order_by("name", "id")
    )


def appointments(
    *, on: date | None = None, therapist_id: int | None = None, status: str | None = None
) -> QuerySet[Appointment]:
    """Appointments for staff and integrations, in start order, with what a list shows."""
    query = Appointment.objects.select_related("client", "offering", "therapist")
    if on is not None:
        zone = ZoneInfo(settings.STUDIO_TIME_ZONE)
        day_start = datetime.combine(on, time(0), tzinfo=zone)
        day_end = datetime.combine(on + timedelta(days=1), time(0), tzinfo=zone)
        query = query.filter(start_at__gte=day_start, start_at__lt=day_end)
    if therapist_id is not None:
        query = query.filter(therapist_id=therapist_id)
    if status is not None:
        query = query.filter(status=status)
    return query.order_by("start_at", "id")


def appointment_for_guest(*, appointment_id: UUID, manage_token: str) -> Appointment | None:
    """The appointment, only if the token is its own; compared in constant time."""
    appointment = (
        Appointment.objects.select_related("client", "offering", "therapist")
        .filter(pk=appointment_id)
        .first()
    )
    if appointment is None or not hmac.compare_digest(
        appointment.manage_token.encode(), manage_token.encode()
    ):
        return None
    return appointment
