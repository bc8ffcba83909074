"""What an operator sees: a request id on every answer, one JSON log line per request,
Prometheus metrics, and 503 (never 500) while the database cannot answer.
"""

import hmac
import logging
import os
import re
import sys
import time
import uuid

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse, HttpResponseNotFound, JsonResponse
from django.template.loader import render_to_string
from django.utils.functional import SimpleLazyObject, empty
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from .audit import request_origin
from .db import is_unavailable
from .net import client_ip

request_log = logging.getLogger("louage.request")

# An id from the proxy (nginx's $request_id) is kept so one id follows the request end to end;
# only behind TRUSTED_PROXY_COUNT proxies (which set it), since a client's own would otherwise
# name its requests in the logs and the audit log.
REQUEST_ID_PATTERN = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
RETRY_AFTER_SECONDS = 5


def _metrics():
    from . import metrics

    return metrics


# The method is the client's to choose: any other word is "other", so that a scanner sending
# made-up methods cannot grow the metrics without bound (one series per label value).
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class RequestObservabilityMiddleware:
    """Outermost middleware: gives the request its id, times it, logs it, counts it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "") if settings.TRUSTED_PROXY_COUNT else ""
        request.id = incoming if REQUEST_ID_PATTERN.match(incoming) else uuid.uuid4().hex
        started = time.perf_counter()
        with request_origin(ip=client_ip(request), request_id=request.id):
            response = self.get_response(request)
        duration = time.perf_counter() - started
        response["X-Request-ID"] = request.id
        match = getattr(request, "resolver_match", None)
        route = (match.view_name if match else None) or "unmatched"
        request_log.info(
            "%s %s %s",
            request.method,
            route,
            response.status_code,
            extra={
                "request_id": request.id,
                "method": request.method,
                "route": route,
                "status": response.status_code,
                "duration_ms": round(duration * 1000, 1),
                "user_id": _user_id(request),
                "pid": os.getpid(),
            },
        )
        try:
            method = request.method if request.method in KNOWN_METHODS else "other"
            _metrics().observe_request(route, method, response.status_code, duration)
        except Exception:  # metrics must never break an answer
            logging.getLogger("louage.metrics").exception("could not record request metrics")
        return response


def _user_id(request):
    """The user when the request already knew it; never a database query for the log."""
    user = request.__dict__.get("user")
    if isinstance(user, SimpleLazyObject):
        user = None if user._wrapped is empty else user._wrapped
    return getattr(user, "pk", None) if getattr(user, "is_authenticated", False) else None


def unavailable_response(request):
    """503 with Retry-After: JSON under /api/, a page (in the request's language) elsewhere.
    Rendered without context processors, which would query the database again."""
    request_id = getattr(request, "id", "")
    message = _("Service momentanément indisponible : réessayez dans quelques secondes.")
    if request.path.startswith("/api/"):
        response = JsonResponse(
            {"detail": message, "code": "unavailable", "request_id": request_id}, status=503
        )
    else:
        page = render_to_string("errors/503.html", {"message": message, "request_id": request_id})
        response = HttpResponse(page, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def server_error(request):
    """handler500: the database being away is a 503 with Retry-After, anything else a 500."""
    exc = sys.exc_info()[1]
    if exc is not None and is_unavailable(exc):
        return unavailable_response(request)
    request_id = getattr(request, "id", "")
    if request.path.startswith("/api/"):
        body = {
            "detail": _("Erreur interne. L'incident a été enregistré."),
            "code": "server_error",
            "request_id": request_id,
        }
        return JsonResponse(body, status=500)
    return HttpResponse(render_to_string("errors/500.html", {"request_id": request_id}), status=500)


@login_not_required
@csrf_exempt
@never_cache
def metrics_view(request):
    """Prometheus text format, for whoever holds METRICS_TOKEN (absent without one)."""
    token = settings.METRICS_TOKEN
    if not token:
        return HttpResponseNotFound()
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not hmac.compare_digest(given.encode(), token.encode()):
        response = HttpResponse(status=401)
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    body, content_type = _metrics().render()
    return HttpResponse(body, content_type=content_type)
