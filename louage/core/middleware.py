from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy


class ProbeMiddleware:
    """`/healthz`, `/readyz` and `/metrics` answered for any Host: load balancers and
    Prometheus call each instance at its own address (`http://10.0.0.5:8000/readyz`), not at
    the site's name. For these three paths only, and only GET/HEAD, the request is served as
    if addressed to the site's first host name, so it goes through every other middleware
    (security headers, metrics) like any answer; every other route still answers 400 to an
    unknown Host. /metrics still needs METRICS_TOKEN; SECURE_REDIRECT_EXEMPT spares the probes
    the HTTPS redirect."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.host = next(
            (
                name.lstrip(".")
                for name in settings.ALLOWED_HOSTS
                if name != "*" and name.strip(".")
            ),
            None,
        )

    def __call__(self, request):
        if self.host and request.method in ("GET", "HEAD") and request.path_info in PROBE_PATHS:
            request.META["HTTP_HOST"] = self.host
            request.META.pop("HTTP_X_FORWARDED_HOST", None)
        return self.get_response(request)


PROBE_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})


class RequestSizeLimitMiddleware:
    """Refuse bodies over REQUEST_MAX_BYTES with 413 before anything reads them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.REQUEST_MAX_BYTES:
            limit_mb = settings.REQUEST_MAX_BYTES // (1024 * 1024)
            message = _("La requête est trop volumineuse (%(mb)s Mo au plus).") % {"mb": limit_mb}
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": message, "code": "too_large"}, status=413)
            return render(request, "errors/413.html", {"message": message}, status=413)
        return self.get_response(request)


class PreferredLanguageMiddleware:
    """French first: the language is the visitor's explicit choice (cookie set by the language
    menu), else the account's language, else French — never the browser's Accept-Language,
    so a traveller with an English phone still gets the French interface by default."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        api = request.path.startswith("/api/")
        # The API authenticates by token only, so the session's account is not its caller:
        # reading it would load the session for nothing (JWTAuth applies the token's account).
        # Without a session cookie nobody is signed in: no need to ask the session either.
        signed_in = settings.SESSION_COOKIE_NAME in request.COOKIES
        if language not in self.supported and not api and signed_in:
            user = getattr(request, "user", None)
            language = getattr(user, "language", None) if user and user.is_authenticated else None
        if language not in self.supported and api:
            # API clients (the mobile app) name their reader's language; a token's account
            # language applies once authenticated (louage.core.api.JWTAuth).
            language = (
                translation.get_supported_language_variant(
                    translation.get_language_from_request(request), strict=False
                )
                if request.headers.get("Accept-Language")
                else None
            )
            language = language[:2] if language else None
        if language not in self.supported:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        patch_vary_headers(response, ("Cookie",))
        return response


class ApiJsonErrorsMiddleware:
    """Under /api/, answers that Django produced outside the API (unknown path, wrong method)
    are turned into the API's JSON error format."""

    MESSAGES = {
        404: dict(code="not_found", message=_lazy("Introuvable.")),
        405: dict(
            code="method_not_allowed",
            message=_lazy("Méthode HTTP non autorisée pour cette adresse."),
        ),
    }

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            request.path.startswith("/api/")
            and response.status_code in self.MESSAGES
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            error = self.MESSAGES[response.status_code]
            json_response = JsonResponse(
                {"detail": str(error["message"]), "code": error["code"]},
                status=response.status_code,
            )
            if response.has_header("Allow"):
                json_response["Allow"] = response["Allow"]
            return json_response
        return response


class OverflowAsBadRequestMiddleware:
    """An id too large for the database (…/99999999999999999999/) is a bad request, not a
    server error."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, OverflowError):
            from django.shortcuts import render

            return render(request, "errors/400.html", status=400)
        return None
