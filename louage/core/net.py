from django.conf import settings


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
