"""The JSON API under /api/v1: one NinjaAPI assembling the apps' routers.

Every error leaves as {"detail", "code"} (plus "errors" for field problems).
"""

import logging

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError

from louage.accounts.api import auth_router, me_router, users_router
from louage.accounts.social_api import social_router
from louage.auditlog.api import router as audit_router
from louage.booking.api import router as reservations_router
from louage.core.api import (
    LocalTimeRenderer,
    LouageAPI,
    MalformedBody,
    StrictJSONParser,
    validation_message,
    www_authenticate,
)
from louage.core.db import is_unavailable
from louage.core.errors import DomainError, InvalidInput
from louage.core.observability import RETRY_AFTER_SECONDS
from louage.core.throttles import ApiTraffic
from louage.notifications.api import notices_router
from louage.notifications.api import router as notifications_router
from louage.payments.api import router as payments_router
from louage.queues.api import router as queues_router
from louage.reporting.api import router as reports_router
from louage.stations.api import places_router, stations_router, vehicles_router
from louage.tickets.api import router as tickets_router
from louage.trips.api import fares_router
from louage.trips.api import router as trips_router
from louage.webhooks.api import router as webhooks_router
from louage.webhooks.api import webhooks_document

logger = logging.getLogger("louage.api")

api = LouageAPI(
    title="Louage API",
    version="1",
    description="Réservation de places dans les louages tunisiens.",
    urls_namespace="api",
    parser=StrictJSONParser(),
    renderer=LocalTimeRenderer(),
    docs_url="/docs",
    openapi_url="/openapi.json",
    throttle=[ApiTraffic()],
)
api.webhooks_document = webhooks_document


def _error(request, status, detail, code, errors=None):
    body = {"detail": str(detail), "code": code}
    if errors:
        body["errors"] = errors
    if status >= 500:
        body["request_id"] = getattr(request, "id", "")  # for the traveller to quote
    response = api.create_response(request, body, status=status)
    if status == 401:
        response["WWW-Authenticate"] = www_authenticate(getattr(request, "bearer_refusal", None))
    return response


@api.exception_handler(DomainError)
def domain_error(request, exc):
    response = _error(request, exc.status, exc.message, exc.code, exc.errors)
    if exc.retry_after:
        response["Retry-After"] = str(exc.retry_after)
    return response


@api.exception_handler(DjangoValidationError)
def django_validation_error(request, exc):
    err = InvalidInput.from_django(exc)
    return _error(request, 422, err.message, err.code, err.errors)


@api.exception_handler(ValidationError)
def validation_error(request, exc):
    errors = []
    for item in exc.errors:
        loc = [
            str(part)
            for part in item.get("loc", [])
            if part not in ("body", "payload", "query", "path", "form", "file")
        ]
        errors.append({"field": ".".join(loc) or None, "message": validation_message(item)})
    fields = ", ".join(dict.fromkeys(e["field"] for e in errors if e["field"]))
    detail = _("Données invalides : %(fields)s.") % {"fields": fields} if fields else None
    return _error(request, 422, detail or _("Données invalides."), "invalid", errors)


@api.exception_handler(AuthenticationError)
def authentication_error(request, exc):
    refusal = getattr(request, "bearer_refusal", None)
    if refusal == "token_expired":
        return _error(request, 401, _("Jeton d'accès expiré : rafraîchissez-le."), refusal)
    if refusal == "token_invalid":
        return _error(request, 401, _("Jeton d'accès invalide."), refusal)
    return _error(request, 401, _("Authentification requise."), "not_authenticated")


@api.exception_handler(HttpError)
def http_error(request, exc):
    if isinstance(exc, Throttled):
        return _error(
            request, 429, _("Trop de requêtes. Réessayez dans un moment."), "rate_limited"
        )
    if isinstance(exc.__cause__, MalformedBody):
        return _error(
            request, 422, _("Le corps de la requête n'est pas du JSON valide."), "malformed_json"
        )
    return _error(request, exc.status_code, exc.message, "http_error")


@api.exception_handler(Http404)
def not_found(request, exc):
    return _error(request, 404, _("Introuvable."), "not_found")


@api.exception_handler(PermissionDenied)
def permission_denied(request, exc):
    return _error(request, 403, _("Vous n'avez pas le droit de faire cela."), "forbidden")


@api.exception_handler(MultiPartParserError)
def malformed_multipart(request, exc):
    # e.g. multipart/form-data without its boundary: the body cannot be read at all.
    return _error(
        request, 422, _("Le corps multipart de la requête est illisible."), "malformed_body"
    )


@api.exception_handler(OverflowError)
def overflow_error(request, exc):
    return _error(request, 422, _("Nombre trop grand."), "invalid")


@api.exception_handler(Exception)
def unexpected_error(request, exc):
    if is_unavailable(exc):
        # The database is away (or aborted us twice): say when to come back, not "bug".
        logger.warning("database unavailable: %s", exc)
        response = _error(
            request, 503,
            _("Service momentanément indisponible : réessayez dans quelques secondes."),
            "unavailable",
        )  # fmt: skip
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    logger.exception("Unhandled API error")
    return _error(request, 500, _("Erreur interne. L'incident a été enregistré."), "server_error")


api.add_router("/auth", auth_router)
api.add_router("/auth/social", social_router)
api.add_router("/me", me_router)
api.add_router("/users", users_router)
api.add_router("/stations", stations_router)
api.add_router("/places", places_router)
api.add_router("/vehicles", vehicles_router)
api.add_router("/trips", trips_router)
api.add_router("/reservations", reservations_router)
api.add_router("/tickets", tickets_router)
api.add_router("", payments_router)
api.add_router("/notifications", notifications_router)
api.add_router("/notices", notices_router)
api.add_router("/reports", reports_router)
api.add_router("/queues", queues_router)
api.add_router("/webhooks", webhooks_router)
api.add_router("/audit", audit_router)
api.add_router("/fares", fares_router)
