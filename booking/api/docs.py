"""The OpenAPI pieces the booking endpoints share: headers, answers, examples."""

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.serializers import BaseSerializer

from booking.api.callers import MANAGE_TOKEN_HEADER
from booking.api.serializers import AppointmentCancelSerializer, AppointmentRescheduleSerializer
from studio.api import ErrorSerializer

MANAGE_TOKEN = OpenApiParameter(
    MANAGE_TOKEN_HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="A guest's manage token, from the booking's answer or e-mail.",
)
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description=(
        "Up to 255 printable characters, unique per booking. For a day, the same key and body "
        "from the same caller (a user, or for guests the client e-mail) answer with the "
        "booking it made; a refusal is not kept, so a corrected request may reuse the key."
    ),
)
# The client of the examples in the docs.
EXAMPLE_CLIENT = {"name": "Mira Example", "email": "mira@example.com", "phone": "+49 30 1234567"}
CONFLICT = OpenApiResponse(
    ErrorSerializer, description="The time is not free (`slot_unavailable`)."
)
UNPROCESSABLE = OpenApiResponse(
    ErrorSerializer, description="Refused by a rule, e.g. the guests' cancellation cut-off."
)
RATE_LIMITED = OpenApiResponse(
    ErrorSerializer,
    description=(
        "Refused by the studio's limits (`rate_limited`) or the request throttle "
        "(`throttled`): the `Retry-After` header says after how many seconds to try again, "
        "and the message what else to do (call the studio)."
    ),
)
BOOKING_CONFLICT = OpenApiResponse(
    ErrorSerializer,
    description=(
        "A time is not free (`slot_unavailable`): nothing was booked. Or a request with "
        "this Idempotency-Key still runs (`idempotency_key_in_progress`)."
    ),
)
NOT_ACTIVE = OpenApiResponse(
    ErrorSerializer,
    description="Nothing left to cancel: it is cancelled or over already (`not_active`).",
)
PAYMENT_CONFLICT = OpenApiResponse(
    ErrorSerializer,
    description=(
        "The hold has run out and the time was released (`hold_expired`), or the booking "
        "waits for no payment (`not_awaiting_payment`)."
    ),
)
PAYMENT_NOT_STARTED = OpenApiResponse(
    ErrorSerializer,
    description=(
        "The gateway could not be asked, or refused to start the payment "
        "(`payment_not_started`); when it refused, the time was released."
    ),
)
KEY_REUSED = OpenApiResponse(
    ErrorSerializer,
    description=(
        "Refused by a rule (`ruled_out` by a health answer), or the Idempotency-Key was used "
        "before with a different body or for another kind of booking "
        "(`idempotency_key_reused`)."
    ),
)


def guest_detail_schemas(
    serializer: type[BaseSerializer[Any]],
    *,
    what: str,
    cancelling: str,
    moving: str | None = None,
) -> dict[str, Any]:
    """The docs of the actions of a `callers.BookingViewSet`, for `extend_schema_view`.

    `what` names the booking and what its answer holds; `cancelling`
    says what cancelling it does, `moving` what moving it does (for a
    `MovableBookingViewSet`).
    """
    schemas = {
        "retrieve": extend_schema(
            parameters=[MANAGE_TOKEN],
            responses={200: serializer},
            description=(
                f"{what}: for a guest by its manage token, for staff and integrations by "
                "their credentials."
            ),
        ),
        "cancel": extend_schema(
            parameters=[MANAGE_TOKEN],
            request=AppointmentCancelSerializer,
            responses={200: serializer, 409: NOT_ACTIVE, 422: UNPROCESSABLE},
            description=cancelling,
        ),
    }
    if moving is not None:
        schemas["reschedule"] = extend_schema(
            parameters=[MANAGE_TOKEN],
            request=AppointmentRescheduleSerializer,
            responses={200: serializer, 409: CONFLICT, 422: UNPROCESSABLE, 429: RATE_LIMITED},
            description=(
                f"{moving} The studio limits how often a guest may move one booking (429). "
                "A held booking moves only once confirmed (409 `not_confirmed`)."
            ),
        )
    return schemas
