"""Building blocks shared by every app's API: JWT auth, pagination, role guards, strict input
types, who may call an operation, and the OpenAPI document that says all of it."""

import datetime
import json
import re
from typing import Annotated, Any

import pydantic
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Field, NinjaAPI, Schema
from ninja.pagination import PaginationBase
from ninja.parser import Parser
from ninja.renderers import JSONRenderer
from ninja.responses import NinjaJSONEncoder
from ninja.security import HttpBearer
from ninja_jwt.exceptions import TokenError
from ninja_jwt.tokens import AccessToken

from . import error_codes, idempotency
from .errors import InvalidInput, NotAllowed
from .prepared import Prepared


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

        request.bearer_refusal = "token_invalid"  # the 401's code, unless it is only expired
        try:
            access = AccessToken(token)
            user_id = access["user_id"]
        except (TokenError, KeyError):
            if _only_expired(token):
                request.bearer_refusal = "token_expired"
            return None
        user = _ACTIVE_USER.first(user_id)
        if user is None or not is_current(access, user):
            return None  # unknown user, or a token issued before the last password change
        request.bearer_refusal = None
        request.user = user
        chosen = request.headers.get("Accept-Language") or request.COOKIES.get(
            settings.LANGUAGE_COOKIE_NAME
        )
        if not chosen and user.language in dict(settings.LANGUAGES):
            from django.utils import translation

            translation.activate(user.language)  # the account's language, unless asked otherwise
        return user


# Compiled once per database: every authenticated call runs it. A primary-key lookup needs no
# ORDER BY (first() would add the model's ordering).
_ACTIVE_USER = Prepared(
    lambda user_id: get_user_model().objects.filter(pk=user_id, is_active=True).order_by()
)

jwt_auth = JWTAuth()


def _only_expired(token):
    """A token refused only because its time is up (signed by us, `exp` past): the client
    should refresh rather than sign in again."""
    import jwt
    from ninja_jwt.state import token_backend

    try:
        claims = jwt.decode(
            token, token_backend.get_verifying_key(token), algorithms=[token_backend.algorithm],
            audience=token_backend.audience, issuer=token_backend.issuer,
            options={"verify_exp": False, "verify_aud": token_backend.audience is not None},
        )  # fmt: skip
    except jwt.InvalidTokenError:
        return False
    return (
        isinstance(claims.get("exp"), int | float) and claims["exp"] <= timezone.now().timestamp()
    )


def www_authenticate(refusal):
    """The WWW-Authenticate header of a 401 (RFC 6750): `invalid_token` when a bearer token
    was sent and refused."""
    if refusal is None:
        return 'Bearer realm="louage"'
    description = "The access token expired" if refusal == "token_expired" else (
        "The access token is invalid"
    )  # fmt: skip
    return f'Bearer realm="louage", error="invalid_token", error_description="{description}"'


def page_links(request, page, page_size, count):
    """`next` and `previous` of a page: this request's URL with the neighbouring `page` (null
    at either end)."""

    def link(number):
        query = request.GET.copy()
        query["page"] = number
        query["page_size"] = page_size
        return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")

    return {
        "next": link(page + 1) if page * page_size < count else None,
        "previous": link(page - 1) if page > 1 else None,
    }


PAGE_FIELDS = {
    "count": "items in the whole list",
    "next": "the URL of the next page; null on the last",
    "previous": "the URL of the previous page; null on the first",
}


class Page(PaginationBase):
    """`?page=&page_size=` (max 100) → `{"items": [...], "count": N, "next": url | null,
    "previous": url | null}`: the one shape of every list."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=1_000_000)
        page_size: int = Field(20, ge=1, le=100)

    class Output(Schema):
        items: list[Any]
        count: int = Field(description=PAGE_FIELDS["count"])
        next: str | None = Field(description=PAGE_FIELDS["next"])
        previous: str | None = Field(description=PAGE_FIELDS["previous"])

    items_attribute = "items"

    def paginate_queryset(self, queryset, pagination, request, **params):
        answer = self.page_of(queryset, pagination, request)
        return {**answer, **page_links(request, pagination.page, pagination.page_size,
                                       answer["count"])}  # fmt: skip

    def page_of(self, queryset, pagination, request):
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

    def page_of(self, queryset, pagination, request):
        from louage.trips import search_cache

        # `queryset` may come as a function that builds it: a hit then skips even that.
        build = queryset if callable(queryset) else lambda: queryset
        key = search_cache.key(request.GET.dict())
        answer = search_cache.get(key) if key else None
        if answer is None:
            answer = super().page_of(build(), pagination, request)
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


class FieldErrorOut(Schema):
    field: str | None = Field(description="the input field (dotted path), null for the whole")
    message: str


class ErrorOut(Schema):
    detail: str = Field(description="a message for people, in the caller's language")
    code: str = Field(description="a stable code for programs (e.g. `not_enough_seats`)")
    errors: list[FieldErrorOut] | None = Field(None, description="422: one item per problem")
    request_id: str | None = Field(None, description="5xx: the id to quote when reporting it")


def error_responses(*statuses):
    return {status: ErrorOut for status in statuses}


# --- Strict input types ------------------------------------------------------------------------
# JSON bodies take exactly the JSON type their schema says: `true` or `"2"` is never a number of
# seats, `1` never a boolean. Query and path parameters are text by nature and stay converted.

MAX_ID = 2**63 - 1  # the database's bigint


def _integral(value):
    """JSON Schema counts 2.0 as an integer: so do we (never `true`, never `"2"`)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [_integral(item) for item in value]
    return value


class InputSchema(Schema):
    """A JSON body: strict types, and unknown fields refused (`additionalProperties: false`)."""

    model_config = pydantic.ConfigDict(extra="forbid", strict=True, regex_engine="python-re")

    @pydantic.model_validator(mode="wrap")
    @classmethod
    def _run_root_validator(cls, values, handler, info):
        # Replaces ninja's (made for reading model objects): a body is a plain JSON object.
        if isinstance(values, dict):
            values = {key: _integral(value) for key, value in values.items()}
        return handler(values)


ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)


def _iso_date_text(value):
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value
    if not isinstance(value, str) or not ISO_DATE.match(value):
        raise ValueError("expected a date as YYYY-MM-DD")
    return value


def _iso_datetime_text(value):
    if isinstance(value, datetime.datetime):
        return value
    if not isinstance(value, str):
        raise ValueError("expected a date and time in ISO 8601 with its offset")
    return value


Id = Annotated[int, pydantic.Field(ge=1, le=MAX_ID)]

# Patterns say what services accept; bodies check them with Python's `re` (the engine that
# generates test data from the OpenAPI document too).
LINE = r"^[^\x00-\x1f\x7f]*$"  # one line of text, no control character
NAME = r"^[^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f][^\x00-\x1f\x7f]*$"  # ... not blank
TEXT = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*[^\s\x00-\x1f\x7f][^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
# A Tunisian number: 8 digits (spaces allowed between them), optionally after +216 or 00216.
PHONE = r"^$|^(?:(?:\+|00)216 ?)?(?:[259][0-9]|3[0-2]|4[0-8]|7[0-9]|88)(?: ?[0-9]){6}$"
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
EMAIL = (  # what Django's EmailValidator takes, in ASCII, with 64 characters before the @ at most
    rf"^(?=[^@]{{1,64}}@){_ATOM}(?:\.{_ATOM})*@"
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"
)
IsoDate = Annotated[datetime.date, pydantic.Strict(False), pydantic.BeforeValidator(_iso_date_text)]
IsoDateTime = Annotated[
    pydantic.AwareDatetime, pydantic.Strict(False), pydantic.BeforeValidator(_iso_datetime_text)
]


def lax(annotation):
    """An enum field inside a strict body: its JSON string is taken (not only the Python enum)."""
    return Annotated[annotation, pydantic.Strict(False)]


def omittable(**constraints):
    """A field one may leave out, but not send as null (PATCH bodies): unset means unchanged.
    (Its `default: null` leaves the OpenAPI document, where null is not a valid value.)"""
    return Field(None, **constraints)


def _accepts_null(schema):
    return schema.get("type") == "null" or any(
        _accepts_null(option) for option in schema.get("anyOf", []) + schema.get("oneOf", [])
    )


# Files some operations answer instead of JSON (declared with `openapi_extra`).
PDF = {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}
CSV = {"text/csv": {"schema": {"type": "string"}}}


# --- Who may call an operation -----------------------------------------------------------------

SCOPES = {
    "all": "",
    "own": "own objects",
    "station": "own station",
}


def access(*, anonymous=False, client=None, chief=None, admin=None):
    """`openapi_extra` saying who may call an operation, in `x-roles` (role → scope: `all`,
    `own` objects, own `station`) and in its description. The permission matrix in
    tests/security checks every operation against it; anonymous callers get 401 unless
    `anonymous`."""
    roles = {"anonymous": "all"} if anonymous else {}
    roles.update(
        {role: scope for role, scope in (("client", client), ("chief", chief), ("admin", admin))
         if scope}
    )  # fmt: skip
    return {"x-roles": roles}


def raises(*codes):
    """`openapi_extra` naming an operation's own refusals (the codes its services raise, beyond
    those any operation answers): the document lists each under the statuses it comes with.
    A code not in core.error_codes, or none of whose statuses the operation declares, stops
    the document being built."""
    return {"x-raises": list(codes)}


def _who(roles):
    if "anonymous" in roles:
        return "anyone"
    parts = []
    for role, scope in roles.items():
        parts.append(f"{role} ({SCOPES[scope]})" if SCOPES.get(scope) else role)
    return ", ".join(parts)


ERROR_DESCRIPTIONS = {
    400: "Bad request",
    401: "Not authenticated: no bearer access token (`not_authenticated`), a bad one "
    "(`token_invalid`) or an expired one (`token_expired`)",
    403: "Not allowed for this account",
    404: "Not found (or not visible to this account)",
    409: "Conflict with the current state (not enough seats, wrong status, taken…)",
    412: "Precondition failed: the resource changed since the ETag sent as If-Match",
    413: "Request body too large",
    422: "Invalid input: `errors` lists each problem",
    429: "Too many requests or failures: `Retry-After` says when to come back",
    503: "Temporarily unavailable (database away): `Retry-After` says when to come back",
}
IDEMPOTENCY_KEY_PARAMETER = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "A key of your choice (a UUID) to retry safely: the same key and body "
    "answer the first answer again (with `Idempotent-Replayed: true`), never a second one; "
    "the same key with another body is refused (409 `idempotency_key_reused`), as is a retry "
    "while the first still runs (409 `idempotency_key_in_use`). Keys are per operation and "
    "account, kept 24 hours.",
    "schema": {"type": "string", "pattern": idempotency.KEY_PATTERN},
}
ERROR_CONTENT = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
ETAG_HEADER = {
    "ETag": {
        "description": "the version of what was answered: send it back as If-Match to change it",
        "schema": {"type": "string"},
    }
}
IF_MATCH_PARAMETER = {
    "name": "If-Match",
    "in": "header",
    "required": False,
    "description": "the ETag you read: the change is refused (412 `precondition_failed`) if "
    "someone changed the resource since",
    "schema": {"type": "string"},
}
LOCATION_HEADER = {
    "Location": {"description": "the URL of what was created", "schema": {"type": "string"}}
}
WWW_AUTHENTICATE_HEADER = {
    "WWW-Authenticate": {
        "description": '`Bearer realm="louage"`; with `error="invalid_token"` when the token '
        "sent was refused (code `token_expired`: refresh it; `token_invalid`: sign in again)",
        "schema": {"type": "string"},
    }
}
RETRY_AFTER_HEADER = {
    "Retry-After": {"description": "seconds to wait", "schema": {"type": "integer", "minimum": 1}}
}
RATE_LIMIT_HEADERS = {  # core.throttles.rate_limit_headers (IETF httpapi RateLimit draft)
    "RateLimit-Policy": {
        "description": 'the API traffic limit this request was counted under: `"api";q=<quota>;'
        "w=<window in seconds>` (per account with a token, per address without)",
        "schema": {"type": "string"},
    },
    "RateLimit": {
        "description": 'what is left of it: `"api";r=<requests left>;t=<seconds until the '
        "window ends>`",
        "schema": {"type": "string"},
    },
}
# Answers given once the request was counted (after authentication, before parsing): the
# 401s and the middleware's 413 come earlier, a 503 or 500 may come before, and files
# (PDF, CSV) are answered by the view itself.
COUNTED_STATUSES = {"403", "404", "409", "412", "422", "429"}


SERVERS = [
    {
        "url": "/",
        "description": "This Louage server (paths start with /api/v1; the document is served "
        "by the server it describes)",
    }
]


def camel_case(name):
    first, *rest = name.split("_")
    return first + "".join(part[:1].upper() + part[1:] for part in rest)


def _check_unique_operation_ids(schema):
    seen = {}
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            other = seen.setdefault(operation["operationId"], (method, path))
            if other != (method, path):
                raise ValueError(f"operationId {operation['operationId']} twice: {other}")


ERROR_CODE_DOCUMENT = {
    "description": "a stable code for programs (e.g. `not_enough_seats`). `x-error-codes` "
    "lists every code with its statuses and meaning; each operation's `x-error-codes` names "
    "the codes any operation answers with each status it declares (the services' own codes, "
    "such as `not_enough_seats`, are in the whole list). New codes may come: treat an unknown "
    "one by its status.",
    "x-error-codes": {
        code: f"{'/'.join(map(str, known.statuses))}: {known.meaning}"
        for code, known in sorted(error_codes.CODES.items())
    },
}


def _error_codes(operation, responses):
    """Status → the codes an operation answers with it, of those any operation answers."""
    codes = {}
    for status in responses:
        if not status.startswith(("4", "5")):
            continue
        if status == "401" and not operation.get("security"):
            continue  # a sign-in's own refusals (bad_credentials…), not a token's
        named = list(error_codes.GENERIC.get(int(status), ()))
        if operation.get("x-idempotent"):
            named += error_codes.IDEMPOTENT.get(int(status), ())
        if named:
            codes[status] = named
    for code in operation.pop("x-raises", []):
        error_codes.check(code)
        statuses = [str(status) for status in error_codes.CODES[code].statuses]
        declared = [status for status in statuses if status in responses]
        if not declared:
            raise ValueError(f"{operation['operationId']} raises {code} without its status")
        for status in declared:
            codes.setdefault(status, []).append(code)
    return codes


class LouageAPI(NinjaAPI):
    """The API whose OpenAPI document says what the server does: every error an operation can
    answer (with the error schema), and who may call it."""

    webhooks_document = None  # () → (webhooks, component schemas): what partners receive

    def create_response(self, request, data, *args, **kwargs):
        from .throttles import rate_limit_headers

        response = super().create_response(request, data, *args, **kwargs)
        for name, value in rate_limit_headers(request).items():
            response[name] = value
        return response

    def get_openapi_operation_id(self, operation):
        """`reserveSeats` for the view `reserve_seats`: what generated clients name their
        methods (the view names are unique across the API, checked as the document is built)."""
        return camel_case(operation.view_func.__name__)

    def get_openapi_schema(self, **kwargs):
        schema = super().get_openapi_schema(**kwargs)
        schema["servers"] = SERVERS
        if self.webhooks_document is not None:
            webhooks, components = self.webhooks_document()
            schema["webhooks"] = webhooks
            schema.setdefault("components", {}).setdefault("schemas", {}).update(components)
        _check_unique_operation_ids(schema)
        error_out = schema.get("components", {}).get("schemas", {}).get("ErrorOut")
        if error_out is not None:
            error_out["properties"]["code"].update(ERROR_CODE_DOCUMENT)
        for component in schema.get("components", {}).get("schemas", {}).values():
            for prop in component.get("properties", {}).values():
                if "default" in prop and prop["default"] is None and not _accepts_null(prop):
                    del prop["default"]
        for path, operations in schema["paths"].items():
            for method, operation in operations.items():
                self._complete(path, method, operation)
        return schema

    @staticmethod
    def _complete(path, method, operation):
        for parameter in operation.get("parameters", []):
            prop = parameter.get("schema", {})
            if "default" in prop and prop["default"] is None and not _accepts_null(prop):
                del prop["default"]
        if operation.get("x-idempotent"):
            operation.setdefault("parameters", []).append(IDEMPOTENCY_KEY_PARAMETER)
        responses = {str(status): value for status, value in operation["responses"].items()}
        needed = {429, 503}
        if operation.get("security"):
            needed.add(401)
        if operation.get("parameters") or operation.get("requestBody"):
            needed.add(422)
        if operation.get("requestBody"):
            needed.add(413)
        if "{" in path:
            needed.add(404)
        for status in needed:
            responses.setdefault(
                str(status),
                {
                    "description": ERROR_DESCRIPTIONS[status],
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}
                    },
                },
            )
        codes = _error_codes(operation, responses)
        if codes:
            operation["x-error-codes"] = codes
        for status, response in responses.items():
            if status.startswith(("4", "5")):
                response["description"] = ERROR_DESCRIPTIONS.get(int(status), "Error")
                if status in codes:
                    named = ", ".join(f"`{code}`" for code in codes[status])
                    response["description"] += f". Codes: {named}"
            if status in ("429", "503"):
                response["headers"] = dict(RETRY_AFTER_HEADER)
            if status == "401":
                response["headers"] = WWW_AUTHENTICATE_HEADER
            json_or_empty = set(response.get("content", {})) <= {"application/json"}
            if (status.startswith("2") or status in COUNTED_STATUSES) and json_or_empty:
                response["headers"] = {**response.get("headers", {}), **RATE_LIMIT_HEADERS}
        if operation.get("x-etag"):
            if "200" in responses:
                responses["200"]["headers"] = {**responses["200"].get("headers", {}), **ETAG_HEADER}
            if method in ("patch", "put"):
                operation.setdefault("parameters", []).append(IF_MATCH_PARAMETER)
                responses.setdefault(
                    "412", {"description": ERROR_DESCRIPTIONS[412], "content": ERROR_CONTENT}
                )
        if operation.get("x-location") and "201" in responses:
            responses["201"]["headers"] = {**responses["201"].get("headers", {}), **LOCATION_HEADER}
        operation["responses"] = dict(sorted(responses.items()))
        roles = operation.get("x-roles")
        if roles is not None:
            who = f"Who: {_who(roles)}."
            operation["description"] = (
                f"{operation['description']}\n\n{who}" if operation.get("description") else who
            )


__all__ = ["Page", "jwt_auth", "require_role", "ErrorOut", "settings"]


class LocalTimeEncoder(NinjaJSONEncoder):
    """Times leave the API in Africa/Tunis with their offset (…T07:30:00+01:00), not in UTC."""

    def default(self, o):
        if isinstance(o, datetime.datetime) and timezone.is_aware(o):
            from .times import local

            o = local(o)
        return super().default(o)


class LocalTimeRenderer(JSONRenderer):
    encoder_class = LocalTimeEncoder
