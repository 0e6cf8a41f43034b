"""The visit engine and the visit services agree, whatever the schedule.

Hypothesis draws a studio as `test_properties` does (therapists with
random skills and hours, rooms and equipment, time off, bookings), plus
rooms for two. Then for a couples massage, for two massages one after
the other and for a course: every start the engine offers books, with
any therapist it names for the first massage, and every start it does
not offer is refused with a BookingError (DESIGN.md, invariant 2).
"""

from datetime import datetime, timedelta

import pytest
from django.conf import settings as django_settings
from hypothesis import event, given, note
from hypothesis import strategies as st

from booking import errors
from booking.models import Course, Resource, Visit
from booking.services import ClientDetails, WantedAppointment, book_course, book_visit
from booking.services.visits import waives_notice
from booking.visits import Part, place_visit, plan_course, visit_slots
from catalog.models import Offering, ResourceKind
from tests.booking.test_properties import (
    DESK,
    EXAMPLES,
    Studio,
    build_studio,
    draw_rules,
    local_midnight,
)

pytestmark = pytest.mark.django_db

# Who books the visits under test: not GUEST, who booked the studio's own.
VISITOR = ClientDetails(name="Vera Visitor", email="vera@example.com", phone="+49 30 7654321")


def build_visit_studio(data: st.DataObject) -> Studio:
    # A course's visits keep their course (and its client) from going first.
    Visit.objects.all().delete()
    Course.objects.all().delete()
    studio = build_studio(data)
    room = ResourceKind.objects.get(slug="room")
    for number in range(data.draw(st.integers(0, 2), label="rooms for two")):
        Resource.objects.create(name=f"Room for two {number}", kind=room, capacity=2)
    return studio


def wanted(parts: list[Part], together: bool, start_at: datetime) -> list[WantedAppointment]:
    """The appointments of a visit from `start_at`, each where the one before ends."""
    appointments = []
    moment = start_at
    for part in parts:
        appointments.append(WantedAppointment(offering=part.offering, start_at=moment))
        if not together:
            moment += timedelta(minutes=part.offering.duration_minutes)
    return appointments


def day_starts(studio: Studio) -> list[datetime]:
    """Every start on the studio's grid that day, local midnight to midnight."""
    step = timedelta(minutes=django_settings.STUDIO_SLOT_STEP_MINUTES)
    first = local_midnight(studio.day)
    last = local_midnight(studio.day + timedelta(days=1))
    starts = []
    while first < last:
        starts.append(first)
        first += step
    return starts


def check_visit(data: st.DataObject, studio: Studio, parts: list[Part], *, together: bool) -> None:
    # The desk books below, so the listing and the placing are the desk's: no minimum notice.
    at_the_desk = waives_notice(actor=DESK, source="admin")
    slots = visit_slots(
        parts=parts,
        together=together,
        start_on=studio.day,
        end_on=studio.day,
        now=studio.now,
        staff=at_the_desk,
    )
    event("starts offered" if slots else "no start offered")
    offered = {slot.start_at for slot in slots}
    for slot in data.draw(
        st.lists(st.sampled_from(slots), max_size=4, unique=True) if slots else st.just([]),
        label="booked",
    ):
        # Each therapist the listing names can take the first massage.
        for therapist_id in slot.therapist_ids:
            first = Part(offering=parts[0].offering, therapist_id=therapist_id)
            place_visit(
                parts=[first, *parts[1:]],
                together=together,
                start_at=slot.start_at,
                now=studio.now,
                staff=at_the_desk,
            )
        visit = book_visit(
            appointments=wanted(parts, together, slot.start_at),
            client=VISITOR,
            source="admin",
            actor=DESK,
            now=studio.now,
        )
        lead = visit.appointments.order_by("start_at", "id").first()
        assert visit.start_at == slot.start_at
        assert lead is not None and lead.therapist_id in slot.therapist_ids
        # Gone again, so that the next booking meets the same schedule.
        visit.delete()

    refused = [start for start in day_starts(studio) if start not in offered]
    for start in data.draw(
        st.lists(st.sampled_from(refused), max_size=6, unique=True) if refused else st.just([]),
        label="refused",
    ):
        note(f"refused start {start}")
        with pytest.raises(errors.BookingError):
            book_visit(
                appointments=wanted(parts, together, start),
                client=VISITOR,
                source="admin",
                actor=DESK,
                now=studio.now,
            )
    assert not Visit.objects.filter(contact_email=VISITOR.email).exists()


@EXAMPLES
@given(data=st.data())
def test_every_couples_start_offered_books_and_every_other_is_refused(data):
    with draw_rules(data):
        studio = build_visit_studio(data)
        Offering.objects.filter(pk=studio.offering.pk).update(max_people=2)
        studio.offering.max_people = 2
        parts = [Part(offering=studio.offering), Part(offering=studio.offering)]
        check_visit(data, studio, parts, together=True)


@EXAMPLES
@given(data=st.data())
def test_every_start_offered_for_two_massages_in_turn_books_and_every_other_is_refused(data):
    with draw_rules(data):
        studio = build_visit_studio(data)
        second = data.draw(
            st.sampled_from(list(Offering.objects.filter(is_active=True).order_by("id"))),
            label="second offering",
        )
        parts = [Part(offering=studio.offering), Part(offering=second)]
        if data.draw(st.booleans(), label="three massages"):
            parts.append(Part(offering=studio.offering))
        check_visit(data, studio, parts, together=False)


@EXAMPLES
@given(data=st.data())
def test_a_course_books_where_every_session_fits_and_is_refused_otherwise(data):
    with draw_rules(data):
        studio = build_visit_studio(data)
        sessions = data.draw(st.integers(2, 3), label="sessions")
        interval = data.draw(st.integers(1, 8), label="interval days")
        offering = studio.offering
        Offering.objects.filter(pk=offering.pk).update(
            course_sessions=sessions, course_interval_days=interval
        )
        offering.course_sessions, offering.course_interval_days = sessions, interval
        first_start = data.draw(st.sampled_from(day_starts(studio)), label="first start")

        planned = plan_course(
            offering=offering,
            first_start=first_start,
            sessions=sessions,
            interval_days=interval,
            now=studio.now,
        )
        event("every session fits" if all(s.fits for s in planned) else "a session does not fit")

        # Each alternative the plan offers books on its own.
        for session in planned:
            for alternative in session.alternatives:
                place_visit(
                    parts=[Part(offering=offering)],
                    together=False,
                    start_at=alternative,
                    now=studio.now,
                )
        starts = [session.start_at for session in planned]
        if all(session.fits for session in planned):
            course = book_a_course(offering, starts, studio.now)
            stored = course.visits.order_by("start_at").values_list("start_at", flat=True)
            assert list(stored) == starts
        else:
            with pytest.raises(errors.BookingError):
                book_a_course(offering, starts, studio.now)
            assert not Course.objects.exists()


def book_a_course(offering: Offering, starts: list[datetime], now: datetime) -> Course:
    return book_course(
        offering=offering, starts=starts, client=VISITOR, source="admin", actor=DESK, now=now
    )
