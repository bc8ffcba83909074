from django.conf import settings
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme


def client_ip(request):
    """The caller's address for rate limits. Behind TRUSTED_PROXY_COUNT reverse proxies, the
    address the outermost trusted proxy saw; otherwise REMOTE_ADDR, so a forged
    X-Forwarded-For header never buys a fresh rate-limit budget."""
    count = settings.TRUSTED_PROXY_COUNT
    forwarded = request.headers.get("X-Forwarded-For", "")
    if count and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if len(hops) >= count:
            return hops[-count]
    return request.META.get("REMOTE_ADDR", "")


def safe_next(request):
    """The `next` the form or link carried when it points into this site (same host, and
    HTTPS when the request was), else "". Every view that honours a `next` reads it here or
    through redirect_back, so none becomes an open redirect."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


def redirect_back(request, fallback, *args):
    """Redirect to the checked `next` (safe_next), else to `fallback`."""
    target = safe_next(request)
    return redirect(target) if target else redirect(fallback, *args)
