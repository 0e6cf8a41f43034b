"""Offerings for visits: a classical massage for two, and courses of sessions.

The studio's text gives the two ways these are sold. Classical massage
is the one that suits two friends side by side: the everyday massage
that keeps the legs in tone, given in the room for two, each with a
therapist of their own. Anti-cellulite and therapeutic (rehabilitation)
massage work over a course: "the best result comes from a course of
several sessions", and rehabilitation shortens the muscles' recovery
session by session. So both are sold also as ten weekly sessions.

The content is frozen here, like 0002 and 0006. A row that exists is
left as staff edited it: the offering for two is made only when its
slug is free, and a course is set only on an offering that has none.
"""

from decimal import Decimal

from django.conf import settings
from django.db import migrations

FOR_TWO = {
    "slug": "classical-for-two-60",
    "massage_type": "classical",
    "name_en": "Classical for two: whole leg",
    "name_ru": "Классический для двоих: вся нога",
    "areas": ["hip", "shin", "foot"],
    "duration_minutes": 60,
    # Each person's price: every appointment of the visit carries its own.
    "price": "62.00",
    "buffer_minutes": 15,
    "resource_kinds": ["room"],
    "max_people": 2,
    "position": 6,
}

# (offering, sessions, days between them)
COURSES = [
    ("anti-cellulite-hip-shin-60", 10, 7),
    ("therapeutic-shin-foot-45", 10, 7),
]


def add_visit_offerings(apps, schema_editor):
    Offering = apps.get_model("catalog", "Offering")
    MassageType = apps.get_model("catalog", "MassageType")
    BodyArea = apps.get_model("catalog", "BodyArea")
    ResourceKind = apps.get_model("catalog", "ResourceKind")

    massage_type = MassageType.objects.filter(slug=FOR_TWO["massage_type"]).first()
    if massage_type is not None and not Offering.objects.filter(slug=FOR_TWO["slug"]).exists():
        offering = Offering.objects.create(
            slug=FOR_TWO["slug"],
            massage_type=massage_type,
            name=FOR_TWO["name_en"],
            name_en=FOR_TWO["name_en"],
            name_ru=FOR_TWO["name_ru"],
            duration_minutes=FOR_TWO["duration_minutes"],
            price=Decimal(FOR_TWO["price"]),
            currency=settings.STUDIO_CURRENCY,
            buffer_minutes=FOR_TWO["buffer_minutes"],
            max_people=FOR_TWO["max_people"],
            position=FOR_TWO["position"],
        )
        offering.areas.set(BodyArea.objects.filter(slug__in=FOR_TWO["areas"]))
        offering.resource_kinds.set(ResourceKind.objects.filter(slug__in=FOR_TWO["resource_kinds"]))

    for slug, sessions, days in COURSES:
        Offering.objects.filter(slug=slug, course_sessions__isnull=True).update(
            course_sessions=sessions, course_interval_days=days
        )


class Migration(migrations.Migration):
    dependencies = [("catalog", "0008_visits")]

    operations = [migrations.RunPython(add_visit_offerings, migrations.RunPython.noop)]
