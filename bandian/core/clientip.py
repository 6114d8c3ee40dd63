"""The client's address, for every limit (progress guesses, SMS codes, login throttling).

Behind a reverse proxy REMOTE_ADDR is the proxy's address, shared by every client. The address
is taken from X-Forwarded-For only when the request comes from a proxy named in the setting
TRUSTED_PROXIES (addresses or networks); the header is then read from the right, skipping the
trusted proxies, and the first address that is not one of them is the client. Whatever a client
writes into the header itself stands to the left of that and is never believed.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(trusted: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(item, strict=False) for item in trusted)


def _ip(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str:
    """The address of the client that sent this request, as text."""
    remote = str(request.META.get("REMOTE_ADDR", ""))[:64]
    networks = _networks(tuple(getattr(settings, "TRUSTED_PROXIES", ())))
    if not networks:
        return remote

    def trusted(ip: ipaddress.IPv4Address | ipaddress.IPv6Address | None) -> bool:
        return ip is not None and any(ip in network for network in networks)

    remote_ip = _ip(remote)
    if not trusted(remote_ip):
        return remote
    hops = [hop for hop in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",") if hop.strip()]
    client = remote_ip
    for hop in reversed(hops):
        ip = _ip(hop)
        if ip is None:
            # A trusted proxy appends only addresses: this came from the client. Stop at the
            # last address a trusted proxy vouched for.
            break
        client = ip
        if not trusted(ip):
            break
    return str(client)
