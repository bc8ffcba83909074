"""Where a webhook may be sent: never to a private, loopback, link-local or otherwise
internal address (server-side request forgery), unless WEBHOOKS_ALLOW_PRIVATE says so.

The address is checked when the endpoint is saved, and again at every delivery on the very
address the connection goes to (a hostname that resolves elsewhere later — DNS rebinding —
is caught): the HTTP client connects through `GuardedBackend`, which resolves the name
itself, checks every address and connects to a checked one.
"""

import ipaddress
import socket
from urllib.parse import urlsplit

import httpcore
from django.conf import settings


class ForbiddenAddress(ValueError):
    pass


NAT64 = ipaddress.ip_network("64:ff9b::/96")  # RFC 6052: the IPv4 address in the last 32 bits
# Local-use NAT64 (RFC 8215), where the operator picks where the IPv4 address sits, and the
# IPv4-compatible form (deprecated, RFC 4291): refused whole rather than guessed at.
REFUSED_V6 = (ipaddress.ip_network("64:ff9b:1::/48"), ipaddress.ip_network("::/96"))


def _embedded_ipv4(ip):
    """The IPv4 addresses an IPv6 address leads to: IPv4-mapped, NAT64, 6to4 (2002::/16),
    Teredo (2001::/32: its server and its client)."""
    if ip.ipv4_mapped:
        return [ip.ipv4_mapped]
    if ip in NAT64:
        return [ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)]
    if ip.sixtofour:
        return [ip.sixtofour]
    if ip.teredo:
        return list(ip.teredo)
    return []


def _public(address):
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address):
        if any(ip in network for network in REFUSED_V6):
            return False
        embedded = _embedded_ipv4(ip)
        if embedded:
            # A translated address reaches whatever IPv4 address it carries: that one decides
            # (http://[64:ff9b::7f00:1]/ and http://[2002:7f00:1::]/ are the loopback).
            return all(_public(str(v4)) for v4 in embedded)
    return ip.is_global and not ip.is_multicast


def resolve_checked(host, port):
    """The addresses `host` resolves to, all of them allowed; ForbiddenAddress otherwise."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, ValueError) as exc:
        raise ForbiddenAddress(f"cannot resolve {host}: {exc}") from None
    addresses = [info[4][0] for info in infos]
    if not addresses:
        raise ForbiddenAddress(f"{host} has no address")
    if not settings.WEBHOOKS_ALLOW_PRIVATE:
        for address in addresses:
            if not _public(address):
                raise ForbiddenAddress(f"{host} resolves to a private address ({address})")
    return addresses


def check_url(url):
    """Scheme and host of a webhook URL, resolved and checked (raises ForbiddenAddress)."""
    try:
        parts = urlsplit(url)
        port = parts.port  # raises ValueError for a port that is not a number in range
    except ValueError:
        raise ForbiddenAddress("the URL is not a valid address") from None
    if any(ord(c) < 33 or ord(c) == 127 for c in url):
        raise ForbiddenAddress("the URL contains spaces or control characters")
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ForbiddenAddress("the URL must be http(s)://host/…")
    if parts.scheme == "http" and not settings.WEBHOOKS_ALLOW_PRIVATE and not settings.DEBUG:
        raise ForbiddenAddress("webhooks go to https:// addresses")
    resolve_checked(parts.hostname, port or (443 if parts.scheme == "https" else 80))


class GuardedBackend(httpcore.SyncBackend):
    """httpcore's network backend, connecting only to checked addresses."""

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        last = None
        for address in resolve_checked(host, port):
            try:
                return super().connect_tcp(address, port, timeout, local_address, socket_options)
            except httpcore.ConnectError as exc:
                last = exc
        raise last
