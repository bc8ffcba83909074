import logging

import requests
from django.shortcuts import render

logger = logging.getLogger(__name__)


class ProviderOutageMiddleware:
    """A sign-in provider that does not answer (allauth fetches an OpenID Connect provider's
    configuration before sending the browser there) gets a 503 page saying so, not a 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, requests.RequestException) or not request.path.startswith(
            "/accounts/"
        ):
            return None
        logger.warning("Sign-in provider unreachable on %s: %s", request.path, exception)
        context = {"auth_error": {"provider": _provider(request)}, "reason": "outage"}
        return render(request, "socialaccount/authentication_error.html", context, status=503)


def _provider(request):
    from allauth.socialaccount.adapter import get_adapter
    from allauth.socialaccount.models import SocialApp
    from django.core.exceptions import ImproperlyConfigured, MultipleObjectsReturned

    match = request.resolver_match
    if match is None:
        return None
    provider_id = match.kwargs.get("provider_id") or (match.url_name or "").rsplit("_", 1)[0]
    try:
        return get_adapter(request).get_provider(request, provider_id)
    except (SocialApp.DoesNotExist, ImproperlyConfigured, MultipleObjectsReturned):
        return None
