"""Finding 2: changing the login email needs the password and a confirmation.

Attack: with a stolen 15-minute access token, PATCH /api/v1/me {"email": attacker's} changed
the login at once; a password reset of the new address then took the account for good, and
the old address never heard of it.
"""

import re

import pytest
from allauth.account.models import EmailAddress

from louage.accounts.models import User
from tests.factories import PASSWORD, AdminFactory, ClientFactory
from tests.support.web import WebSession, api_call, link_in_text

ATTACKER = "attacker@evil.example"


@pytest.mark.django_db
def test_a_stolen_access_token_alone_cannot_change_the_login_email(api, client_user):
    response = api(client_user).patch("me", {"email": ATTACKER})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "password"
    empty = api(client_user).patch("me", {"email": ATTACKER, "password": ""})
    assert empty.status_code == 422
    assert empty.json()["errors"][0]["field"] == "password"
    schema = api().get("openapi.json").json()["components"]["schemas"]["MePatch"]
    assert schema["properties"]["password"]["minLength"] == 1  # as the document says
    wrong = api(client_user).patch("me", {"email": ATTACKER, "password": "guess"})
    assert (wrong.status_code, wrong.json()["code"]) == (403, "wrong_password")
    client_user.refresh_from_db()
    assert (client_user.email, client_user.pending_email) != (ATTACKER, ATTACKER)
    assert not EmailAddress.objects.filter(email=ATTACKER).exists()


@pytest.mark.django_db
def test_the_profile_form_no_longer_changes_the_email(client, client_user):
    client.force_login(client_user)
    email = client_user.email
    client.post(
        "/compte/modifier/",
        {"first_name": "A", "last_name": "B", "email": ATTACKER, "phone": "", "language": "fr"},
    )
    client_user.refresh_from_db()
    assert client_user.email == email


@pytest.mark.django_db
def test_the_web_email_page_needs_the_password(client, client_user, mailoutbox):
    client.force_login(client_user)
    refused = client.post("/compte/email/", {"email": ATTACKER, "password": "guess"})
    assert refused.status_code == 200
    assert "Mot de passe incorrect" in refused.content.decode()
    assert not mailoutbox
    client_user.refresh_from_db()
    assert client_user.pending_email == ""


@pytest.mark.django_db
def test_allauths_own_email_page_is_closed(client, client_user):
    client.force_login(client_user)
    response = client.post("/accounts/email/", {"email": ATTACKER, "action_add": ""})
    assert response.status_code == 302
    assert not EmailAddress.objects.filter(email=ATTACKER).exists()


@pytest.mark.django_db
def test_a_pending_address_is_not_a_login(client_user, api):
    EmailAddress.objects.create(user=client_user, email=ATTACKER, verified=False, primary=False)
    response = api().post("auth/token", {"email": ATTACKER, "password": PASSWORD})
    assert response.status_code == 401
    assert not WebLogin(ATTACKER).succeeds()


class WebLogin:
    def __init__(self, email):
        from django.test import Client

        self.client = Client()
        self.email = email

    def succeeds(self):
        self.client.post("/accounts/login/", {"login": self.email, "password": PASSWORD})
        return self.client.get("/compte/").status_code == 200


@pytest.mark.django_db
def test_an_admin_cannot_point_a_users_login_at_another_address(api, client_user, mailoutbox):
    email = client_user.email
    response = api(AdminFactory()).patch(f"users/{client_user.pk}", {"email": ATTACKER})
    assert response.status_code == 403
    assert response.json()["code"] == "owner_only"
    client_user.refresh_from_db()
    assert (client_user.email, client_user.pending_email) == (email, "")
    assert not mailoutbox


@pytest.mark.live
def test_email_change_waits_for_the_link_tells_the_old_address_and_can_be_undone(
    live_app, smtp_server
):
    server = live_app(
        "sqlite", workers=2, env={"EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": smtp_server.port}
    )
    server.manage(
        "shell",
        "-c",
        "from tests.factories import ClientFactory; ClientFactory(email='owner@example.tn')",
    )
    status, pair = api_call(
        server.url, "POST", "/api/v1/auth/token",
        payload={"email": "owner@example.tn", "password": PASSWORD},
    )  # fmt: skip
    assert status == 200
    # The thief has the access token and, say, the password too: the change still waits.
    status, me = api_call(
        server.url, "PATCH", "/api/v1/me", token=pair["access"],
        payload={"email": ATTACKER, "password": PASSWORD},
    )  # fmt: skip
    assert status == 200, me
    assert (me["email"], me["pending_email"]) == ("owner@example.tn", ATTACKER)
    # The old address is still the login, the new one is not yet.
    assert api_call(server.url, "POST", "/api/v1/auth/token",
                    payload={"email": ATTACKER, "password": PASSWORD})[0] == 401  # fmt: skip
    link = smtp_server.wait_for(lambda m: ATTACKER in m["To"])
    confirm = link_in_text(smtp_server.text_of(link), "/accounts/confirm-email/")
    thief = WebSession(server.url)
    assert thief.post(confirm).status_code == 302
    status, me = api_call(server.url, "GET", "/api/v1/me", token=pair["access"])
    assert (me["email"], me["pending_email"]) == (ATTACKER, None)

    # The owner is told at the old address, with a link that takes the account back.
    notice = smtp_server.wait_for(lambda m: "owner@example.tn" in m["To"])
    text = smtp_server.text_of(notice)
    assert ATTACKER in text
    undo = link_in_text(text, "/compte/email/retablir/")
    owner = WebSession(server.url)
    assert owner.get(undo).status_code == 200
    assert owner.post(undo).status_code == 302
    # The thief's tokens and sessions are gone; the address is back; nobody knows a password.
    assert api_call(server.url, "GET", "/api/v1/me", token=pair["access"])[0] == 401
    assert api_call(server.url, "POST", "/api/v1/auth/token",
                    payload={"email": ATTACKER, "password": PASSWORD})[0] == 401  # fmt: skip
    state = server.shell_json(
        "import json; from louage.accounts.models import User; "
        f"u = User.objects.get(pk={me['id']}); "
        "print(json.dumps([u.email, u.has_usable_password()]))"
    )
    assert state == ["owner@example.tn", False]
    # The link works once.
    assert owner.post(undo).status_code == 400


@pytest.mark.django_db
def test_a_forged_undo_link_changes_nothing(client, client_user):
    response = client.post("/compte/email/retablir/forged-token/")
    assert response.status_code == 400
    client_user.refresh_from_db()
    assert client_user.has_usable_password()


@pytest.mark.django_db
@pytest.mark.parametrize("confirmed_by_the_other", [True, False])
def test_confirming_an_address_taken_since_by_another_account_changes_nothing(
    client, client_user, mailoutbox, django_capture_on_commit_callbacks, confirmed_by_the_other
):
    client.force_login(client_user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/compte/email/", {"email": "shared@example.tn", "password": PASSWORD})
    key = re.search(r"/accounts/confirm-email/([^/\s]+)/", mailoutbox[-1].body).group(1)
    # Another account took the address meanwhile (its owner confirmed it, or not yet).
    if confirmed_by_the_other:
        ClientFactory(email="shared@example.tn")
    else:
        User.objects.create_user("shared@example.tn", PASSWORD)
    response = client.post(f"/accounts/confirm-email/{key}/", follow=True)
    assert response.status_code == 200
    client_user.refresh_from_db()
    assert client_user.email != "shared@example.tn"
    assert (
        not EmailAddress.objects.filter(user=client_user, verified=True)
        .exclude(email=client_user.email)
        .exists()
    )
    assert User.objects.filter(email="shared@example.tn").count() == 1
