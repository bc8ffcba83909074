from django.conf import settings


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
    }
