"""The courses API: a series of sessions at the same local time, booked as one.

The plan is public; anyone may book a course; a guest reaches their
course by the `X-Manage-Token` header, staff and integrations by their
credentials (`booking.api.callers`). Each session is a visit, reachable
by the visits endpoints with the same token.
"""

from datetime import datetime
from uuid import UUID

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import exceptions
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from booking import selectors, services
from booking.api import callers, payment_fields
from booking.api.docs import (
    BOOKING_CONFLICT,
    EXAMPLE_CLIENT,
    IDEMPOTENCY_KEY,
    KEY_REUSED,
    RATE_LIMITED,
    guest_detail_schemas,
)
from booking.api.visit_serializers import (
    CourseCreatedSerializer,
    CourseCreateSerializer,
    CoursePlanQuerySerializer,
    CoursePlanSerializer,
    CourseSerializer,
)
from booking.api.visit_views import booked_once
from booking.models import Course, Source, Visit
from booking.services import access, idempotency
from booking.visits import plan_course
from payments.models import ClientPackage
from payments.services import packages


class CoursePlanApi(APIView):
    """The dates of a course from its first start, and which of them are free. Public."""

    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[CoursePlanQuerySerializer],
        responses={200: CoursePlanSerializer},
        description=(
            "Every session at the first start's local time of day, every `interval_days` days "
            "(the same time on the clock across daylight-saving changes). Each says whether it "
            "`fits`; one that does not offers the nearest free starts as `alternatives`. Book "
            "the starts chosen with `POST /courses/`."
        ),
    )
    def get(self, request: Request) -> Response:
        query = CoursePlanQuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        wanted = query.validated_data
        offering = wanted["offering"]
        therapist = wanted.get("therapist")
        interval_days = wanted.get("interval_days") or offering.course_interval_days
        sessions = plan_course(
            offering=offering,
            first_start=wanted["start"],
            sessions=wanted.get("sessions") or offering.course_sessions,
            interval_days=interval_days,
            therapist_id=therapist.id if therapist else None,
        )
        plan = {
            "offering": offering.id,
            "time_zone": settings.STUDIO_TIME_ZONE,
            "interval_days": interval_days,
            "sessions": sessions,
        }
        return Response(CoursePlanSerializer(plan).data)


@extend_schema_view(
    **guest_detail_schemas(
        CourseSerializer,
        what="One course with its sessions",
        cancelling=(
            "Cancel every session still to come; those past stay as they are. Guests may "
            "until the studio's cut-off before each session."
        ),
    )
)
class CourseViewSet(callers.BookingViewSet[Course]):
    """Book, read and cancel courses."""

    serializer_class = CourseSerializer
    queryset = Course.objects.none()
    # Booking is open; the other actions check the token or the user.
    permission_classes = [AllowAny]

    @extend_schema(
        request=CourseCreateSerializer,
        examples=[
            OpenApiExample(
                "Ten weekly sessions, the fourth moved",
                request_only=True,
                value={
                    "offering": 7,
                    "starts": [
                        "2027-03-02T10:00:00+01:00",
                        "2027-03-09T10:00:00+01:00",
                        "2027-03-16T10:00:00+01:00",
                        "2027-03-23T11:30:00+01:00",
                        "2027-03-30T10:00:00+02:00",
                        "2027-04-06T10:00:00+02:00",
                        "2027-04-13T10:00:00+02:00",
                        "2027-04-20T10:00:00+02:00",
                        "2027-04-27T10:00:00+02:00",
                        "2027-05-04T10:00:00+02:00",
                    ],
                    "client": EXAMPLE_CLIENT,
                    "health": {"vein_problems": False},
                    "consent": True,
                },
            )
        ],
        parameters=[IDEMPOTENCY_KEY],
        responses={
            201: CourseCreatedSerializer,
            409: BOOKING_CONFLICT,
            422: KEY_REUSED,
            429: RATE_LIMITED,
        },
        description=(
            "Book every session of a course in one go, all or none: each start is placed and "
            "checked like a visit of its own. Ask `GET /courses/plan/` for the starts. Open to "
            "anyone, with the same limits and holds as booking an appointment; the "
            "`manage_token` manages the course and each of its sessions. When the studio's "
            "payment policy asks for a deposit or the full price online, a course booked by a "
            'client (not by staff) answers `status: "awaiting_payment"` with the hold\'s '
            "`expires_at` and one `payment` for the whole course (the policy applied to each "
            "session, summed); the gateway's webhook confirms every session, or all of them "
            "are released at `expires_at`. With `package_token` (the token of the private "
            "link a package's buyer was e-mailed) and the package's client's e-mail, each "
            "session is paid with one session of that package instead: nothing is paid "
            "online, and a package that cannot pay for every session books nothing (`409` "
            "`package_too_few_sessions`, `package_expired`, …)."
        ),
    )
    def create(self, request: Request) -> Response:
        first, status_code = booked_once(
            request,
            book=lambda claimed: self._first_session(self._book(request, claimed)),
            is_course=True,
        )
        course = first.course
        if course is None:  # never: claim_visit replays only a course's session here
            raise exceptions.NotFound()
        # After the booking committed: the gateway is called outside it.
        payment_fields.start_payment(first)
        return self.render(
            request, course, serializer=CourseCreatedSerializer, status_code=status_code
        )

    def _book(self, request: Request, claimed: idempotency.Claim | None) -> Course:
        given = CourseCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        fields = given.validated_data
        actor = callers.actor_for(request)
        client_package = _package_of(fields.get("package_token", ""))
        with callers.limited(request, fields["client"]) as booked_from:

            def book(hold: datetime | None = None) -> Course:
                return services.book_course(
                    offering=fields["offering"],
                    starts=fields["starts"],
                    client=services.ClientDetails(**fields["client"]),
                    source=Source.API,
                    actor=actor,
                    therapist=fields.get("therapist"),
                    health=fields.get("health") or {},
                    notes=fields.get("notes", ""),
                    has_consent=fields["consent"],
                    booked_from=booked_from,
                    language=request.LANGUAGE_CODE,
                    idempotency_key=claimed,
                    hold_for_payment_until=hold,
                )

            if client_package is not None:
                # The package pays, one session per session: nothing online.
                return packages.book_course_with_package(
                    client_package=client_package,
                    offering=fields["offering"],
                    email=fields["client"]["email"],
                    book=book,
                    actor=actor,
                )
            return book(payment_fields.hold_for_payment([fields["offering"]], actor))

    def _first_session(self, course: Course) -> Visit:
        """The visit an Idempotency-Key keeps for the course: its first session."""
        return course.visits.order_by("start_at", "id")[0]

    def for_guest(self, booking_id: UUID, token: str) -> Course | None:
        return selectors.course_for_guest(
            course_id=booking_id, manage_token=token, now=timezone.now()
        )

    def visible_to(self, user: access.User) -> QuerySet[Course]:
        return access.courses_visible_to(user)

    def cancel_booking(self, booking: Course, *, actor: services.Actor, reason: str) -> Course:
        return services.cancel_course(course=booking, actor=actor, reason=reason)

    def stored(self, booking: Course) -> Course:
        """The course as it is stored now, with every session."""
        return selectors.courses().get(pk=booking.pk)


def _package_of(token: str) -> ClientPackage | None:
    """The package a `package_token` is the private link's token of; a 400 for any other."""
    if not token:
        return None
    client_package = packages.package_for_token(token)
    if client_package is None:
        message = gettext("This is not the token of a package.")
        raise exceptions.ValidationError({"package_token": [message]})
    return client_package
