"""The waitlist API: anyone joins, like booking; the entry is reached by its manage token.

`POST /api/v1/waitlist/` answers `201` with the entry and its
`manage_token`; `GET` and `DELETE /api/v1/waitlist/{id}/` need that
token in the `X-Manage-Token` header (a wrong one is a plain 404).
"""

from __future__ import annotations

import secrets

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from booking.api import callers
from booking.api.docs import MANAGE_TOKEN, RATE_LIMITED
from booking.services.clients import ClientDetails
from notifications import waitlist
from notifications.api.serializers import (
    WaitlistCreatedSerializer,
    WaitlistCreateSerializer,
    WaitlistEntrySerializer,
)
from notifications.models import WaitlistEntry


class WaitlistApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        request=WaitlistCreateSerializer,
        responses={201: WaitlistCreatedSerializer, 429: RATE_LIMITED},
        description=(
            "Join the waitlist for an offering (optionally a therapist) within a date range "
            "and a window of start times (studio's local time). When a matching time frees "
            "up, the first in line gets an offer by e-mail and SMS that holds it for "
            "`STUDIO_WAITLIST_OFFER_MINUTES`. `400` names the bad field."
        ),
    )
    def post(self, request: Request) -> Response:
        given = WaitlistCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        fields = given.validated_data
        with callers.limited(request, fields["client"]):
            entry = waitlist.join_waitlist(
                details=ClientDetails(**fields["client"]),
                offering=fields["offering"],
                therapist=fields.get("therapist"),
                people=fields["people"],
                date_from=fields["date_from"],
                date_to=fields["date_to"],
                time_from=fields["time_from"],
                time_to=fields["time_to"],
                language=request.LANGUAGE_CODE,
                actor=callers.actor_for(request),
            )
        return Response(WaitlistCreatedSerializer(entry).data, status=status.HTTP_201_CREATED)


def _entry(request: Request, pk: int) -> WaitlistEntry:
    token = request.headers.get("X-Manage-Token", "")
    entry = waitlist.entry_for_token(token)
    if entry is None or entry.pk != pk or not secrets.compare_digest(entry.manage_token, token):
        raise Http404
    return entry


class WaitlistEntryApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(parameters=[MANAGE_TOKEN], responses={200: WaitlistEntrySerializer})
    def get(self, request: Request, pk: int) -> Response:
        return Response(WaitlistEntrySerializer(_entry(request, pk)).data)

    @extend_schema(parameters=[MANAGE_TOKEN], responses={200: WaitlistEntrySerializer})
    def delete(self, request: Request, pk: int) -> Response:
        entry = waitlist.withdraw_entry(entry=_entry(request, pk))
        return Response(WaitlistEntrySerializer(entry).data)
