"""The address a request comes from, the one answer for the whole project.

Behind reverse proxies, `REMOTE_ADDR` is the nearest proxy's address and
the client's is in `X-Forwarded-For`, which each proxy extends with the
address it received the request from. Anyone can send that header, so
only the entries the studio's own proxies appended can be believed:
with `TRUSTED_PROXIES` = N, the client is the N-th address from the
right. With none (the default), the header is ignored, so a forged one
changes nothing.
"""

from ipaddress import ip_address

from django.conf import settings
from django.http import HttpRequest
from rest_framework.request import Request


def client_ip(request: HttpRequest | Request) -> str:
    """The client's IP address, as seen through `TRUSTED_PROXIES` proxies.

    An entry that is not an IP address (a proxy misconfigured, or a
    client that wrote the header itself where the proxies only pass it
    on) is not believed either: the request then counts as the nearest
    proxy's, which the limits treat as one busy client.
    """
    remote = str(request.META.get("REMOTE_ADDR") or "")
    hops: int = settings.TRUSTED_PROXIES
    if hops <= 0:
        return remote
    forwarded = [
        entry.strip()
        for entry in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",")
        if entry.strip()
    ]
    if not forwarded:
        return remote
    # Fewer entries than proxies: the request skipped the outer ones, so
    # the leftmost entry is the furthest any proxy saw.
    candidate = forwarded[-min(hops, len(forwarded))]
    try:
        return str(ip_address(candidate))
    except ValueError:
        return remote
