from allauth.account.models import EmailAddress
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


def account_with_confirmed_login(email):
    """The account whose login email is `email` and confirmed, or None. A pending address (an
    email change waiting for its link) or an unconfirmed sign-up never answers here."""
    address = (
        EmailAddress.objects.filter(email__iexact=email, verified=True, user__email__iexact=email)
        .select_related("user")
        .first()
    )
    return address.user if address is not None else None
