"""The studio's catalog, written from its own article on leg massage.

The content is frozen here rather than imported from the app, so this
migration gives the same catalog whatever the code looks like later.
Rows that already exist (matched by slug) are left as staff edited them.
"""

from decimal import Decimal

from django.conf import settings
from django.db import migrations

RESOURCE_KINDS = [
    {
        "slug": "room",
        "name": "Treatment room",
        "description": "A quiet room with a massage table.",
    },
    {
        "slug": "vacuum-device",
        "name": "Vacuum device",
        "description": "The studio's cupping device, which lifts the skin with gentle suction.",
    },
    {
        "slug": "thai-sticks",
        "name": "Thai sticks",
        "description": "Small smooth wooden sticks that the therapist presses into the foot's points.",
    },
]

BODY_AREAS = [
    {
        "slug": "hip",
        "name": "Hip",
        "description": "The thigh, from the knee up to the hip.",
        "position": 1,
    },
    {
        "slug": "shin",
        "name": "Shin",
        "description": "The lower leg and the calf, from the knee down to the ankle.",
        "position": 2,
    },
    {
        "slug": "foot",
        "name": "Foot",
        "description": "The sole, arch, heel and toes, where many nerve endings meet.",
        "position": 3,
    },
]

MASSAGE_TYPES = [
    {
        "slug": "therapeutic",
        "name": "Therapeutic massage",
        "summary": (
            "Rehabilitation work for legs that are recovering: it helps muscles come back "
            "after strain, injury or a long rest."
        ),
        "description": (
            "Therapeutic, or rehabilitation, massage is the studio's most focused work. "
            "The therapist looks for what is not working as it should in the muscles of the "
            "thigh, the lower leg or the foot, and works on it with slow, deliberate pressure.\n\n"
            "It suits people coming back from a sprain or an operation, people who stand or "
            "run all day, and anyone whose legs have been still for a long time and need "
            "help to get going again."
        ),
        "benefits": (
            "Helps correct how strained or overworked muscles work\n"
            "Shortens the time the muscles need to recover\n"
            "Keeps resting muscles from wasting away after an injury\n"
            "Eases spasms and pain in the legs"
        ),
        "equipment": [],
        "position": 1,
    },
    {
        "slug": "classical",
        "name": "Classical massage",
        "summary": (
            "The studio's everyday massage: keeps the leg muscles toned and the blood moving."
        ),
        "description": (
            "Classical massage uses the familiar strokes of stroking, kneading, rubbing and "
            "tapping, from the foot up towards the thigh. It is the massage to come back to "
            "regularly, to look after legs that carry you through busy days.\n\n"
            "Many clients book it at the end of the working day, to let go of the day's "
            "tiredness and heaviness in the legs."
        ),
        "benefits": (
            "Keeps the muscles in good tone\n"
            "Improves blood circulation in the legs\n"
            "Supports elastic, healthy blood vessels\n"
            "Relieves tiredness and swelling after a long day"
        ),
        "equipment": [],
        "position": 2,
    },
    {
        "slug": "vacuum",
        "name": "Vacuum massage",
        "summary": (
            "Massage with a special suction device that lifts the skin to make it firmer and "
            "get the circulation going."
        ),
        "description": (
            "For vacuum massage the therapist uses the studio's vacuum device. Its cups lift "
            "the skin and the tissue beneath it with gentle suction while they glide over the "
            "leg, which feels quite different from massage by hand.\n\n"
            "The studio uses it to make the skin more elastic and to help the body clear what "
            "builds up in the tissues. There is only one device, so these sessions depend on "
            "it being free."
        ),
        "benefits": (
            "Makes the skin more elastic\n"
            "Helps the body clear what has built up in the tissues\n"
            "Improves blood circulation"
        ),
        "equipment": ["vacuum-device"],
        "position": 3,
    },
    {
        "slug": "anti-cellulite",
        "name": "Anti-cellulite massage",
        "summary": (
            "Intensive work on the thighs and buttocks against the \u201corange peel\u201d look of "
            "the skin."
        ),
        "description": (
            "Anti-cellulite massage works deeply and briskly on the thighs and the buttocks, "
            "where cellulite shows most. The therapist kneads and rolls the tissue to smooth "
            "the uneven, dimpled \u201corange peel\u201d look of the skin.\n\n"
            "It works best as a course of several sessions, together with movement in "
            "everyday life."
        ),
        "benefits": (
            "Smooths the \u201corange peel\u201d look on the thighs and buttocks\n"
            "Helps the metabolism in the tissues\n"
            "Improves blood circulation"
        ),
        "equipment": [],
        "position": 4,
    },
    {
        "slug": "thai",
        "name": "Thai massage",
        "summary": (
            "A relaxing foot and leg massage in the Thai tradition, given by a trained master "
            "with small wooden sticks."
        ),
        "description": (
            "Thai massage is given by a therapist trained in its particular technique. Besides "
            "the hands, the master uses small wooden sticks to press the points of the foot, "
            "where, in the old belief, the body's important energy points lie.\n\n"
            "The focus is on relaxation. In the Thai tradition it is said to open the energy "
            "centres and restore the flow of energy, so that the body and the mind are "
            "refreshed together."
        ),
        "benefits": (
            "Deep relaxation of body and mind\n"
            "In the Thai tradition, restores the flow of energy through the body\n"
            "Relieves tiredness in the feet and legs"
        ),
        "equipment": ["thai-sticks"],
        "position": 5,
    },
]

# (massage type, slug, name, areas, minutes, price, buffer minutes, resource kinds)
OFFERINGS = [
    ("therapeutic", "therapeutic-shin-foot-45", "Therapeutic: shin and foot",
     ["shin", "foot"], 45, "55.00", 10, ["room"]),
    ("therapeutic", "therapeutic-whole-leg-60", "Therapeutic: whole leg",
     ["hip", "shin", "foot"], 60, "70.00", 15, ["room"]),
    ("classical", "classical-foot-30", "Classical: foot",
     ["foot"], 30, "35.00", 10, ["room"]),
    ("classical", "classical-shin-foot-45", "Classical: shin and foot",
     ["shin", "foot"], 45, "48.00", 10, ["room"]),
    ("classical", "classical-whole-leg-60", "Classical: whole leg",
     ["hip", "shin", "foot"], 60, "62.00", 15, ["room"]),
    ("vacuum", "vacuum-hip-45", "Vacuum: hip",
     ["hip"], 45, "55.00", 15, ["room", "vacuum-device"]),
    ("vacuum", "vacuum-hip-shin-60", "Vacuum: hip and shin",
     ["hip", "shin"], 60, "70.00", 15, ["room", "vacuum-device"]),
    ("anti-cellulite", "anti-cellulite-hip-45", "Anti-cellulite: hip",
     ["hip"], 45, "52.00", 15, ["room"]),
    ("anti-cellulite", "anti-cellulite-hip-shin-60", "Anti-cellulite: hip and shin",
     ["hip", "shin"], 60, "66.00", 15, ["room"]),
    ("thai", "thai-foot-45", "Thai: foot with sticks",
     ["foot"], 45, "50.00", 10, ["room", "thai-sticks"]),
    ("thai", "thai-whole-leg-75", "Thai: whole leg",
     ["hip", "shin", "foot"], 75, "80.00", 15, ["room", "thai-sticks"]),
]  # fmt: skip


def add_catalog(apps, schema_editor):
    ResourceKind = apps.get_model("catalog", "ResourceKind")
    BodyArea = apps.get_model("catalog", "BodyArea")
    MassageType = apps.get_model("catalog", "MassageType")
    Offering = apps.get_model("catalog", "Offering")

    kinds = {}
    for fields in RESOURCE_KINDS:
        kinds[fields["slug"]], _ = ResourceKind.objects.get_or_create(
            slug=fields["slug"], defaults=fields
        )
    areas = {}
    for fields in BODY_AREAS:
        areas[fields["slug"]], _ = BodyArea.objects.get_or_create(
            slug=fields["slug"], defaults=fields
        )
    types = {}
    for fields in MASSAGE_TYPES:
        defaults = {key: value for key, value in fields.items() if key != "equipment"}
        massage_type, created = MassageType.objects.get_or_create(
            slug=fields["slug"], defaults=defaults
        )
        if created:
            massage_type.equipment.set([kinds[slug] for slug in fields["equipment"]])
        types[fields["slug"]] = massage_type

    for position, row in enumerate(OFFERINGS, start=1):
        type_slug, slug, name, area_slugs, minutes, price, buffer, kind_slugs = row
        offering, created = Offering.objects.get_or_create(
            slug=slug,
            defaults={
                "massage_type": types[type_slug],
                "name": name,
                "duration_minutes": minutes,
                "price": Decimal(price),
                "currency": settings.STUDIO_CURRENCY,
                "buffer_minutes": buffer,
                "position": position,
            },
        )
        if created:
            offering.areas.set([areas[area] for area in area_slugs])
            offering.resource_kinds.set([kinds[kind] for kind in kind_slugs])


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]

    operations = [migrations.RunPython(add_catalog, migrations.RunPython.noop)]
