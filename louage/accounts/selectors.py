from django.db.models import Q

from .models import User


def active_users():
    """Accounts that have not been deleted (deleted ones stay, anonymised, for the books)."""
    return User.objects.filter(deleted_at__isnull=True)


def search_users(*, query="", role=None):
    users = active_users()
    query = (query or "").strip()
    if query:
        for word in query.split()[:5]:
            users = users.filter(
                Q(email__icontains=word)
                | Q(first_name__icontains=word)
                | Q(last_name__icontains=word)
            )
    if role:
        users = users.filter(role=role)
    return users.order_by("last_name", "first_name", "email", "pk")
