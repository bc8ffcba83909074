"""Demo data (design.md §7). Idempotent: running it twice changes nothing the second time."""

from allauth.account.models import EmailAddress
from django.db import transaction

from louage.accounts.models import Role, User

DEMO_PASSWORD = "louage-demo-2024"  # noqa: S105 - documented demo password, DEBUG only
DEMO_CLIENTS = [
    ("client1@louage.tn", "Amira", "Ben Salah", "+21698123401"),
    ("client2@louage.tn", "Youssef", "Trabelsi", "+21698123402"),
    ("client3@louage.tn", "Salma", "Jebali", "+21698123403"),
    ("client4@louage.tn", "Mehdi", "Gharbi", "+21698123404"),
    ("client5@louage.tn", "Ines", "Chaabane", "+21698123405"),
]


def ensure_user(email, *, first_name, last_name, role, phone="", superuser=False):
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User(email=email, first_name=first_name, last_name=last_name, role=role, phone=phone)
        user.is_staff = superuser
        user.is_superuser = superuser
        user.set_password(DEMO_PASSWORD)
        user.save()
    EmailAddress.objects.get_or_create(
        user=user, email=email, defaults={"primary": True, "verified": True}
    )
    return user


@transaction.atomic
def seed_accounts():
    admin = ensure_user(
        "admin@louage.tn", first_name="Nadia", last_name="Admin", role=Role.ADMIN, superuser=True
    )
    clients = [
        ensure_user(email, first_name=first, last_name=last, role=Role.CLIENT, phone=phone)
        for email, first, last, phone in DEMO_CLIENTS
    ]
    return admin, clients


def seed(stdout=None):
    from louage.booking.demo import seed_bookings
    from louage.queues.demo import seed_queues
    from louage.reporting.demo import seed_reporting
    from louage.stations.demo import seed_network
    from louage.trips.demo import seed_fares

    admin, clients = seed_accounts()
    seed_network(stdout=stdout)
    seed_fares(stdout=stdout)
    seed_bookings(stdout=stdout)
    seed_reporting(stdout=stdout)
    seed_queues(stdout=stdout)
    return admin
