"""Factories for the booking domain. Catalog rows come from the data migration."""

from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any

import factory
from factory.declarations import LazyFunction, PostGeneration, Sequence

from booking.models import Appointment, Client, Resource, Therapist, Visit, WorkingHours
from booking.services import Actor
from catalog.models import MassageType, Offering, ResourceKind
from notifications.models import WaitlistEntry
from payments.models import GiftCard
from payments.services import sell_gift_card_at_desk


class TherapistFactory(factory.django.DjangoModelFactory[Therapist]):
    class Meta:
        model = Therapist
        skip_postgeneration_save = True

    name = Sequence(lambda n: f"Therapist {n}")
    slug = Sequence(lambda n: f"therapist-{n}")

    skills = PostGeneration(
        lambda therapist, create, extracted, **_: _give_skills(therapist, create, extracted)
    )


def _give_skills(therapist: Therapist, create: bool, extracted: list[str] | None) -> None:
    """`skills=["vacuum", "classical"]`: the massage types they give (default: all)."""
    if not create:
        return
    query = MassageType.objects.all()
    if extracted is not None:
        query = query.filter(slug__in=extracted)
    therapist.massage_types.set(query)


class ResourceFactory(factory.django.DjangoModelFactory[Resource]):
    class Meta:
        model = Resource

    name = Sequence(lambda n: f"Resource {n}")
    kind = LazyFunction(lambda: ResourceKind.objects.get(slug="room"))


class WaitlistEntryFactory(factory.django.DjangoModelFactory[WaitlistEntry]):
    """An entry written straight with the ORM; pass `offering` and the dates."""

    class Meta:
        model = WaitlistEntry

    contact_name = Sequence(lambda n: f"Waiting Client {n}")
    contact_email = Sequence(lambda n: f"waiting{n}@example.com")
    language = "en"
    time_from = time(9)
    time_to = time(12)
    manage_token = Sequence(lambda n: f"waitlist-token-{n}")


def give_hours(
    therapist: Therapist,
    *intervals: tuple[time, time],
    weekdays: range | list[int] = range(7),
) -> None:
    """Working hours on the given weekdays (default every day), one row an interval."""
    WorkingHours.objects.bulk_create(
        WorkingHours(therapist=therapist, weekday=day, start_time=start, end_time=end)
        for day in weekdays
        for start, end in intervals
    )


def rooms(count: int = 2) -> list[Resource]:
    return [ResourceFactory.create(name=f"Room {n}") for n in range(1, count + 1)]


def vacuum_device() -> Resource:
    return ResourceFactory.create(
        name="Vacuum device", kind=ResourceKind.objects.get(slug="vacuum-device")
    )


def visit_for(client: Client, start_at: datetime, end_at: datetime, **fields: Any) -> Visit:
    """A visit saved straight with the ORM, for appointments the tests write by hand."""
    return Visit.objects.create(
        client=client,
        contact_name=client.name,
        contact_email=client.email,
        start_at=start_at,
        end_at=end_at,
        source=fields.pop("source", "admin"),
        **fields,
    )


def appointment_in(
    visit: Visit, offering: Offering, therapist: Therapist, start_at: datetime, **fields: Any
) -> Appointment:
    """An appointment of `visit` saved straight with the ORM, with the visit's details copied."""
    appointment = unsaved_appointment_in(visit, offering, therapist, start_at, **fields)
    appointment.save(force_insert=True)
    return appointment


def unsaved_appointment_in(
    visit: Visit, offering: Offering, therapist: Therapist, start_at: datetime, **fields: Any
) -> Appointment:
    """An appointment of `visit` not saved yet, for `bulk_create`."""
    end_at = start_at + timedelta(minutes=offering.duration_minutes)
    return Appointment(
        visit=visit,
        manage_token=visit.manage_token,
        client=visit.client,
        contact_name=visit.contact_name,
        contact_email=visit.contact_email,
        contact_phone=visit.contact_phone,
        status=visit.status,
        hold_expires_at=visit.hold_expires_at,
        source=visit.source,
        language=visit.language,
        offering=offering,
        therapist=therapist,
        start_at=start_at,
        end_at=end_at,
        blocked_until=end_at + timedelta(minutes=offering.buffer_minutes),
        price=offering.price,
        currency=offering.currency,
        **fields,
    )


def sold_gift_card(amount: str = "50.00", **fields: Any) -> tuple[GiftCard, str]:
    """A gift card sold at the desk for cash, through the service; returns it and its code."""
    return sell_gift_card_at_desk(
        amount=Decimal(amount),
        currency="EUR",
        buyer=fields.pop("buyer", None),
        recipient_name=fields.pop("recipient_name", ""),
        recipient_email=fields.pop("recipient_email", ""),
        message="",
        language=fields.pop("language", "en"),
        method=fields.pop("method", "cash"),
        actor=Actor(label="desk", is_staff=True),
        **fields,
    )
