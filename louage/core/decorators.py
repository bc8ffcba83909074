from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _


class Forbidden(PermissionDenied):
    """A refusal whose reason the 403 page may show (third-party refusals carry English or
    technical text, so only ours are shown)."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


# Who a page is for, said on the 403 page to whoever else opens it.
REASONS = {
    frozenset({"admin"}): _("Cette page est réservée aux administrateurs."),
    frozenset({"chief"}): _("Cette page est réservée aux chefs de station."),
    frozenset({"admin", "chief"}): _(
        "Cette page est réservée aux chefs de station et aux administrateurs."
    ),
    frozenset({"client"}): _("Cette page est réservée aux voyageurs (comptes clients)."),
}


def role_required(*roles):
    """Web views: anonymous → login page; a logged-in user of another role → 403 saying who
    the page is for."""
    reason = REASONS.get(frozenset(str(role) for role in roles))

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if request.user.role not in roles:
                raise Forbidden(reason) if reason else PermissionDenied
            return view(request, *args, **kwargs)

        wrapper.allowed_roles = frozenset(roles)  # read by the permission matrix test
        return wrapper

    return decorator
