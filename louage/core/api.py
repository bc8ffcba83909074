"""Building blocks shared by every app's API: JWT auth, pagination, role guards, throttling."""

import datetime
import json
from typing import Any

import pydantic
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_ratelimit.core import is_ratelimited
from ninja import Field, Schema
from ninja.pagination import PaginationBase
from ninja.parser import Parser
from ninja.renderers import JSONRenderer
from ninja.responses import NinjaJSONEncoder
from ninja.security import HttpBearer
from ninja_jwt.exceptions import TokenError
from ninja_jwt.tokens import AccessToken

from .errors import InvalidInput, NotAllowed, RateLimited


class MalformedBody(ValueError):
    pass


class StrictJSONParser(Parser):
    """Marks unparseable bodies so the error handler can answer 422 with a clear message."""

    def parse_body(self, request):
        try:
            return json.loads(request.body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise MalformedBody(str(exc)) from exc


class JWTAuth(HttpBearer):
    """Bearer access token of an active user, issued under their current password → the
    user; anything else is 401 (never a 500)."""

    def authenticate(self, request, token):
        from louage.accounts.sessions import is_current

        try:
            access = AccessToken(token)
            user_id = access["user_id"]
        except (TokenError, KeyError):
            return None
        user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
        if user is None or not is_current(access, user):
            return None  # unknown user, or a token issued before the last password change
        request.user = user
        chosen = request.headers.get("Accept-Language") or request.COOKIES.get(
            settings.LANGUAGE_COOKIE_NAME
        )
        if not chosen and user.language in dict(settings.LANGUAGES):
            from django.utils import translation

            translation.activate(user.language)  # the account's language, unless asked otherwise
        return user


jwt_auth = JWTAuth()


class Page(PaginationBase):
    """`?page=&page_size=` (max 100) → `{"items": [...], "count": N}`."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=1_000_000)
        page_size: int = Field(20, ge=1, le=100)

    class Output(Schema):
        items: list[Any]
        count: int

    items_attribute = "items"

    def paginate_queryset(self, queryset, pagination, request, **params):
        start = (pagination.page - 1) * pagination.page_size
        items = list(queryset[start : start + pagination.page_size])
        # A short page is the last one: its rows give the count, no COUNT(*) query. Most
        # searches (one route, one day) fit on the first page.
        if 0 < len(items) < pagination.page_size or (start == 0 and not items):
            count = start + len(items)
        else:
            count = self._items_count(queryset)
        return {"items": items, "count": count}


class CachedSearchPage(Page):
    """Page of search results answered from the search cache (trips.search_cache) when the
    same search was answered moments ago and no departure has changed since."""

    def paginate_queryset(self, queryset, pagination, request, **params):
        from louage.trips import search_cache

        # `queryset` may come as a function that builds it: a hit then skips even that.
        build = queryset if callable(queryset) else lambda: queryset
        key = search_cache.key(request.GET.dict())
        answer = search_cache.get(key) if key else None
        if answer is None:
            answer = super().paginate_queryset(build(), pagination, request, **params)
            if key:
                search_cache.put(key, answer)
        return answer


# The validation errors of request bodies and query strings in the reader's language: pydantic
# writes English, keyed by a type with its context ({"ge": 1}, {"max_length": 120}…).
VALIDATION_MESSAGES = {
    "missing": gettext_lazy("Ce champ est obligatoire."),
    "extra_forbidden": gettext_lazy("Champ inconnu."),
    "string_type": gettext_lazy("Un texte est attendu."),
    "string_too_short": gettext_lazy("Texte trop court (minimum : %(min_length)s)."),
    "string_too_long": gettext_lazy("%(max_length)s caractères au plus."),
    "string_pattern_mismatch": gettext_lazy("Format invalide."),
    "int_type": gettext_lazy("Un nombre entier est attendu."),
    "int_parsing": gettext_lazy("Un nombre entier est attendu."),
    "int_from_float": gettext_lazy("Un nombre entier est attendu."),
    "float_type": gettext_lazy("Un nombre est attendu."),
    "float_parsing": gettext_lazy("Un nombre est attendu."),
    "decimal_parsing": gettext_lazy("Un nombre est attendu."),
    "bool_type": gettext_lazy("Vrai ou faux (true ou false) est attendu."),
    "bool_parsing": gettext_lazy("Vrai ou faux (true ou false) est attendu."),
    "greater_than": gettext_lazy("Doit être supérieur à %(gt)s."),
    "greater_than_equal": gettext_lazy("Doit être supérieur ou égal à %(ge)s."),
    "less_than": gettext_lazy("Doit être inférieur à %(lt)s."),
    "less_than_equal": gettext_lazy("Doit être inférieur ou égal à %(le)s."),
    "date_type": gettext_lazy("Une date AAAA-MM-JJ est attendue."),
    "date_parsing": gettext_lazy("Une date AAAA-MM-JJ est attendue."),
    "date_from_datetime_parsing": gettext_lazy("Une date AAAA-MM-JJ est attendue."),
    "datetime_type": gettext_lazy("Une date et une heure ISO 8601 sont attendues."),
    "datetime_parsing": gettext_lazy("Une date et une heure ISO 8601 sont attendues."),
    "datetime_from_date_parsing": gettext_lazy("Une date et une heure ISO 8601 sont attendues."),
    "list_type": gettext_lazy("Une liste est attendue."),
    "dict_type": gettext_lazy("Un objet JSON est attendu."),
    "model_type": gettext_lazy("Un objet JSON est attendu."),
    "model_attributes_type": gettext_lazy("Un objet JSON est attendu."),
    "enum": gettext_lazy("Valeur non prise en charge."),
    "literal_error": gettext_lazy("Valeur non prise en charge."),
    "json_invalid": gettext_lazy("Le corps de la requête n'est pas du JSON valide."),
    "too_long": gettext_lazy("Liste trop longue."),
    "too_short": gettext_lazy("Liste trop courte."),
}


def validation_message(error):
    """One pydantic error as a sentence in the active language (its own text when unknown)."""
    message = VALIDATION_MESSAGES.get(error.get("type"))
    if message is None:
        return error.get("msg", "")
    context = {key: value for key, value in (error.get("ctx") or {}).items()}
    try:
        return str(message) % context if "%(" in str(message) else str(message)
    except (KeyError, TypeError, ValueError):
        return error.get("msg", "")


def optional_body(request, schema):
    """Parse an optional JSON body with `schema` (None when the body is empty)."""
    if not request.content_type.endswith("json") or not request.body.strip():
        return None
    try:
        data = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput(
            _("Le corps de la requête n'est pas du JSON valide."), code="malformed_json"
        ) from None
    try:
        return schema.model_validate(data)
    except pydantic.ValidationError as exc:
        errors = [
            {"field": ".".join(str(p) for p in e["loc"]) or None, "message": validation_message(e)}
            for e in exc.errors()
        ]
        raise InvalidInput(errors=errors) from None


def require_role(request, *roles):
    if request.auth.role not in roles:
        raise NotAllowed()


def throttle(request, group, rate):
    """Shared (cache-backed) per-IP rate limit; raises RateLimited past `rate`."""
    if is_ratelimited(request, group=group, key="ip", rate=rate, increment=True):
        raise RateLimited()


class ErrorOut(Schema):
    detail: str
    code: str
    errors: list[dict] | None = None


def error_responses(*statuses):
    return {status: ErrorOut for status in statuses}


__all__ = ["Page", "jwt_auth", "require_role", "throttle", "ErrorOut", "settings"]


class LocalTimeEncoder(NinjaJSONEncoder):
    """Times leave the API in Africa/Tunis with their offset (…T07:30:00+01:00), not in UTC."""

    def default(self, o):
        if isinstance(o, datetime.datetime) and timezone.is_aware(o):
            from .times import local

            o = local(o)
        return super().default(o)


class LocalTimeRenderer(JSONRenderer):
    encoder_class = LocalTimeEncoder
