"""The first administrator of a production installation: Django's own
`createsuperuser --noinput` with DJANGO_SUPERUSER_EMAIL and DJANGO_SUPERUSER_PASSWORD makes an
admin who logs in at once, on the web pages and the API (no emailed link to wait for)."""

import pytest
from allauth.account.models import EmailAddress
from django.core.management import call_command

from louage.accounts.models import Role, User

pytestmark = pytest.mark.django_db

PASSWORD = "Premier-Admin-2024!"


@pytest.fixture
def first_admin(monkeypatch, settings):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "Chef.Reseau@Louage.tn")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", PASSWORD)
    call_command("createsuperuser", "--noinput", verbosity=0)
    return User.objects.get(email="chef.reseau@louage.tn")


def test_createsuperuser_makes_a_confirmed_administrator(first_admin):
    assert (first_admin.role, first_admin.is_staff, first_admin.is_superuser) == (
        Role.ADMIN, True, True,
    )  # fmt: skip
    address = EmailAddress.objects.get(user=first_admin)
    assert (address.email, address.verified, address.primary) == (first_admin.email, True, True)


def test_the_first_admin_logs_in_on_the_api_at_once(first_admin, api):
    response = api().post("auth/token", {"email": "chef.reseau@louage.tn", "password": PASSWORD})
    assert response.status_code == 200, response.content
    me = api().get("me", headers={"Authorization": f"Bearer {response.json()['access']}"})
    assert me.json()["role"] == "admin"


def test_the_first_admin_logs_in_on_the_web_at_once(first_admin, client):
    response = client.post(
        "/accounts/login/", {"login": "chef.reseau@louage.tn", "password": PASSWORD}
    )
    assert response.status_code == 302, response.content[:300]
    assert "confirm" not in response["Location"]
    assert client.get("/gestion/utilisateurs/").status_code == 200  # an admin's page


def test_a_user_signing_up_is_still_asked_to_confirm(api, settings):
    # Only the operator's createsuperuser skips the emailed link.
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    user = User.objects.create_user("voyageur@louage.tn", PASSWORD)
    assert not EmailAddress.objects.filter(user=user, verified=True).exists()
    response = api().post("auth/token", {"email": "voyageur@louage.tn", "password": PASSWORD})
    assert response.status_code == 403 and response.json()["code"] == "email_unverified"
