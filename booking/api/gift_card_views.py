"""`POST /api/v1/visits/{id}/payment/gift-card/`: a gift card pays a visit held for its payment.

By the visit's `X-Manage-Token` or staff credentials, as the visit's
other actions (`callers.BookingViewSet.reach`). The rule is the
payments app's (`gift_card_holds.pay_hold_with_gift_card`); tries of
codes are counted per address and per visit (`limit_code_tries`).
"""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from booking import selectors
from booking.api import callers
from booking.api.docs import RATE_LIMITED
from booking.api.visit_serializers import VisitSerializer
from booking.api.visit_views import VisitViewSet
from payments.services import limit_code_tries
from payments.services.gift_card_holds import pay_hold_with_gift_card
from studio.clientip import client_ip


class GiftCardCodeSerializer(serializers.Serializer[dict[str, Any]]):
    code = serializers.CharField(
        max_length=40, help_text="The gift card's code, with or without dashes, in any case."
    )


class VisitGiftCardApi(APIView):
    permission_classes = [AllowAny]  # the visit's token or the user is checked by `reach`

    @extend_schema(
        request=GiftCardCodeSerializer,
        responses={200: VisitSerializer, 429: RATE_LIMITED},
        description=(
            "Pay what a visit held for its payment (`awaiting_payment`) asks online with a "
            "gift card: its balance pays up to what is still asked. If that is everything, "
            'the visit is confirmed at once (`status: "confirmed"`, no card needed); '
            "otherwise the answer's `payment` is a new card payment of the rest. By the "
            "visit's `X-Manage-Token` or staff credentials. A code that is no gift card's "
            "answers 400 naming `code` (and counts against the tries: 429 after too many); "
            "an expired or spent card 409 naming `code`; a visit not waiting for a payment "
            "409 `not_awaiting_payment`."
        ),
    )
    def post(self, request: Request, pk: str) -> Response:
        visit = VisitViewSet().reach(request, pk, change=True)
        given = GiftCardCodeSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        with limit_code_tries(ip=client_ip(request), session_key=f"visit:{visit.pk}"):
            pay_hold_with_gift_card(
                visit=visit, code=given.validated_data["code"], actor=callers.actor_for(request)
            )
        context = {"can_see_health": callers.may_read_health(request)}
        return Response(VisitSerializer(selectors.visits().get(pk=visit.pk), context=context).data)
