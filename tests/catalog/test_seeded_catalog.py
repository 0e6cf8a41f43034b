import importlib

import pytest
from django.apps import apps

from catalog.models import (
    BodyArea,
    Contraindication,
    HealthQuestion,
    MassageType,
    Offering,
    ResourceKind,
)

pytestmark = pytest.mark.django_db

content = importlib.import_module("catalog.migrations.0002_catalog_content")


def test_a_fresh_database_has_the_five_massage_types_of_the_studio():
    assert list(MassageType.objects.values_list("slug", flat=True)) == [
        "therapeutic",
        "classical",
        "vacuum",
        "anti-cellulite",
        "thai",
    ]


def test_a_fresh_database_has_the_three_body_areas_from_hip_to_foot():
    assert list(BodyArea.objects.values_list("slug", flat=True)) == ["hip", "shin", "foot"]


def test_every_massage_type_can_be_booked_in_at_least_one_offering():
    for massage_type in MassageType.objects.all():
        assert massage_type.offerings.filter(is_active=True).exists(), massage_type.slug


def test_every_massage_type_has_a_summary_a_description_and_benefits():
    for massage_type in MassageType.objects.all():
        assert massage_type.summary
        assert len(massage_type.description) > 200
        assert len(massage_type.benefit_list()) >= 3


def test_vacuum_and_thai_massage_name_the_equipment_they_need():
    assert [k.slug for k in MassageType.objects.get(slug="vacuum").equipment.all()] == [
        "vacuum-device"
    ]
    assert [k.slug for k in MassageType.objects.get(slug="thai").equipment.all()] == ["thai-sticks"]
    assert not MassageType.objects.get(slug="classical").equipment.exists()


def test_every_offering_takes_a_room_and_the_equipment_its_massage_needs():
    for offering in Offering.objects.prefetch_related("resource_kinds", "massage_type__equipment"):
        kinds = {kind.slug for kind in offering.resource_kinds.all()}
        needed = {kind.slug for kind in offering.massage_type.equipment.all()}
        assert kinds == {"room"} | needed, offering.slug


def test_offerings_have_real_durations_prices_and_areas():
    for offering in Offering.objects.prefetch_related("areas"):
        assert 30 <= offering.duration_minutes <= 90
        assert offering.price > 0
        assert offering.currency == "EUR"
        assert offering.areas.exists()


def test_loading_the_catalog_again_adds_nothing_and_keeps_staff_edits():
    MassageType.objects.filter(slug="classical").update(name="Classic leg massage")
    counts = [m.objects.count() for m in (ResourceKind, BodyArea, MassageType, Offering)]

    content.add_catalog(apps, None)

    assert [m.objects.count() for m in (ResourceKind, BodyArea, MassageType, Offering)] == counts
    assert MassageType.objects.get(slug="classical").name == "Classic leg massage"


def test_vein_problems_rule_out_vacuum_and_anti_cellulite_massage_only():
    ruled_out = set(
        Contraindication.objects.filter(
            question=HealthQuestion.VEIN_PROBLEMS, severity=Contraindication.Severity.RULES_OUT
        ).values_list("massage_type__slug", flat=True)
    )

    assert ruled_out == {"vacuum", "anti-cellulite"}


def test_every_massage_type_names_what_to_mention_before_booking():
    for massage_type in MassageType.objects.all():
        assert massage_type.contraindications.exists(), massage_type.slug


visit_offerings = importlib.import_module("catalog.migrations.0009_visit_offerings")


def test_a_fresh_database_has_a_classical_massage_for_two_in_both_languages():
    offering = Offering.objects.get(slug="classical-for-two-60")

    assert (offering.massage_type.slug, offering.max_people) == ("classical", 2)
    names = Offering.objects.filter(pk=offering.pk).values_list("name_en", "name_ru").get()
    assert names == ("Classical for two: whole leg", "Классический для двоих: вся нога")
    assert [kind.slug for kind in offering.resource_kinds.all()] == ["room"]


def test_anti_cellulite_and_therapeutic_massage_are_sold_as_ten_weekly_sessions():
    courses = Offering.objects.filter(course_sessions__isnull=False)

    assert {
        (offering.massage_type.slug, offering.course_sessions, offering.course_interval_days)
        for offering in courses
    } == {("anti-cellulite", 10, 7), ("therapeutic", 10, 7)}


def test_adding_the_visit_offerings_again_adds_nothing_and_keeps_staff_edits():
    Offering.objects.filter(slug="classical-for-two-60").update(max_people=3)
    Offering.objects.filter(slug="anti-cellulite-hip-shin-60").update(course_sessions=6)
    count = Offering.objects.count()

    visit_offerings.add_visit_offerings(apps, None)

    assert Offering.objects.count() == count
    assert Offering.objects.get(slug="classical-for-two-60").max_people == 3
    assert Offering.objects.get(slug="anti-cellulite-hip-shin-60").course_sessions == 6
