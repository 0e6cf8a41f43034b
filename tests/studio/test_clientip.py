"""The client's address: X-Forwarded-For is believed only as far as TRUSTED_PROXIES says."""

import pytest
from django.test import RequestFactory

from studio.clientip import client_ip


def request(remote: str, forwarded: str | None = None):
    made = RequestFactory().get("/", REMOTE_ADDR=remote)
    if forwarded is not None:
        made.META["HTTP_X_FORWARDED_FOR"] = forwarded
    return made


def test_without_trusted_proxies_a_forged_header_is_ignored(settings):
    settings.TRUSTED_PROXIES = 0

    assert client_ip(request("198.51.100.7", "203.0.113.9")) == "198.51.100.7"


def test_behind_one_proxy_the_client_is_the_rightmost_entry(settings):
    settings.TRUSTED_PROXIES = 1

    # The client forged the first entry; the proxy appended the real one.
    assert client_ip(request("10.0.0.2", "203.0.113.9, 198.51.100.7")) == "198.51.100.7"


def test_behind_two_proxies_the_client_is_the_second_entry_from_the_right(settings):
    settings.TRUSTED_PROXIES = 2

    found = client_ip(request("10.0.0.3", "203.0.113.9, 198.51.100.7, 10.0.0.2"))

    assert found == "198.51.100.7"


@pytest.mark.parametrize("forwarded", ["", "not-an-address", "   ,  "])
def test_a_header_without_an_address_counts_as_the_proxy(settings, forwarded):
    settings.TRUSTED_PROXIES = 1

    assert client_ip(request("10.0.0.2", forwarded)) == "10.0.0.2"


def test_an_ipv6_client_is_written_one_way(settings):
    settings.TRUSTED_PROXIES = 1

    assert client_ip(request("10.0.0.2", "2001:DB8:0:0::1")) == "2001:db8::1"
