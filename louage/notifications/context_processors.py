def unread(request):
    """Unread notification count for the bell in the header (one cheap indexed query)."""
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {}
    from .services import unread_count

    return {"unread_notifications": unread_count(user)}
