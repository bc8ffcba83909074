from django.conf import settings
from django.utils.translation import get_language_bidi


def navigation(request):
    """Role flags for the navigation bar, so templates never test raw role strings."""
    user = getattr(request, "user", None)
    role = getattr(user, "role", None) if user and user.is_authenticated else None
    return {
        "nav_role": role,
        "is_admin_role": role == "admin",
        "is_chief_role": role == "chief",
        "is_client_role": role == "client",
        "LANGUAGES": settings.LANGUAGES,
        # Arrows are not mirrored by the browser: a route reads "Tunis ← Sousse" in Arabic.
        "arrow": "←" if get_language_bidi() else "→",
        "back_arrow": "→" if get_language_bidi() else "←",
    }
