"""Domain errors raised by services; the web turns them into messages, the API into JSON.

One mapping to HTTP statuses lives here so every app answers the same way.
"""

from django.utils.translation import gettext_lazy as _

from . import error_codes


class DomainError(Exception):
    status = 400
    code = "error"
    default_message = _("La demande n'a pas pu être traitée.")
    retry_after = None  # seconds, sent as Retry-After by the API

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        error_codes.check(cls.code, cls.status)  # the document lists every code

    def __init__(self, message=None, *, code=None, errors=None):
        self.message = str(message or self.default_message)
        if code:
            self.code = code
        self.errors = errors or []
        super().__init__(self.message)


class NotAuthenticated(DomainError):
    status = 401
    code = "not_authenticated"
    default_message = _("Authentification requise.")


class NotAllowed(DomainError):
    status = 403
    code = "forbidden"
    default_message = _("Vous n'avez pas le droit de faire cela.")


class NotFound(DomainError):
    status = 404
    code = "not_found"
    default_message = _("Introuvable.")


class Conflict(DomainError):
    status = 409
    code = "conflict"
    default_message = _("Cette action est impossible dans l'état actuel.")


class InvalidTransition(Conflict):
    code = "invalid_transition"


class PreconditionFailed(DomainError):
    """An `If-Match` that names another version than the current one (someone changed it)."""

    status = 412
    code = "precondition_failed"
    default_message = _(
        "Cette ressource a changé depuis votre lecture : relisez-la, puis réessayez."
    )


class InvalidInput(DomainError):
    """Bad input a form could not catch; `errors` holds {"field", "message"} items."""

    status = 422
    code = "invalid"
    default_message = _("Données invalides.")

    @classmethod
    def from_django(cls, exc):
        """Build from a django ValidationError (with or without a field mapping)."""
        errors = []
        if hasattr(exc, "error_dict"):
            for field, field_errors in exc.message_dict.items():
                for message in field_errors:
                    errors.append({"field": field, "message": message})
        else:
            for message in exc.messages:
                errors.append({"field": None, "message": message})
        first = errors[0]["message"] if errors else None
        return cls(first, errors=errors)


class RateLimited(DomainError):
    status = 429
    code = "rate_limited"
    default_message = _("Trop de requêtes. Réessayez dans un moment.")

    def __init__(self, message=None, *, retry_after=None, **kwargs):
        super().__init__(message, **kwargs)
        if retry_after is not None:
            self.retry_after = max(1, int(retry_after))


def field_error(field, message):
    """An InvalidInput about one field, for services to raise."""
    return InvalidInput(message, errors=[{"field": field, "message": str(message)}])


def field_conflict(field, message, code="conflict"):
    """A well-formed value that clashes with what exists (taken, in use): 409 about one field."""
    return Conflict(message, code=code, errors=[{"field": field, "message": str(message)}])


def field_not_found(field, message):
    """An id in a request body that names nothing (visible): 404 about one field."""
    return NotFound(message, errors=[{"field": field, "message": str(message)}])
