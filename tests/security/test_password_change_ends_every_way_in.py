"""Finding 1: a new password must end every other way in.

Attack: someone holds a victim's API refresh token (or a logged-in browser); the victim resets
or changes the password; the old token kept minting new pairs. Whatever path sets the
password, every refresh token, every access token and every other web session must end.
"""

import io
import json

import pytest
from django.core.management import call_command
from django.test import Client

from louage.accounts.models import User
from louage.accounts.sessions import tokens_for
from tests.factories import PASSWORD, AdminFactory, ClientFactory
from tests.support.web import WebSession, api_call, link_in_text

NEW_PASSWORD = "n0uveau-mot-de-passe!"


def refresh(api, token):
    return api().post("auth/token/refresh", {"refresh": token})


def other_browser(user):
    browser = Client()
    browser.force_login(user)
    assert browser.get("/compte/").status_code == 200
    return browser


def assert_every_other_way_in_is_closed(api, user, pair, browser):
    assert refresh(api, pair["refresh"]).status_code == 401
    me = api().get("me", headers={"Authorization": f"Bearer {pair['access']}"})
    assert me.status_code == 401
    assert browser.get("/compte/").status_code == 302  # sent to the login page


def reset_by_allauth(client, user, smtp):
    client.post("/accounts/password/reset/", {"email": user.email})
    message = smtp.wait_for(lambda m: user.email in m["To"])
    path = link_in_text(smtp.text_of(message), "/accounts/password/reset/key/")
    page = client.get(path, follow=True)
    target = page.redirect_chain[-1][0] if page.redirect_chain else path
    client.post(target, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})


def change_by_allauth(client, user, smtp):
    client.force_login(user)
    client.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )


def change_by_api(client, user, smtp):
    access = tokens_for(user)["access"]
    client.post(
        "/api/v1/me/password",
        json.dumps({"old_password": PASSWORD, "new_password": NEW_PASSWORD}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {access}"},
    )


def change_in_django_admin(client, user, smtp):
    superuser = AdminFactory(is_staff=True, is_superuser=True)
    client.force_login(superuser)
    client.post(
        f"/django-admin/accounts/user/{user.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )


def change_with_manage_py(client, user, smtp):
    answers = iter([NEW_PASSWORD, NEW_PASSWORD])
    import django.contrib.auth.management.commands.changepassword as command

    original = command.getpass.getpass
    command.getpass.getpass = lambda prompt="": next(answers)
    try:
        call_command("changepassword", user.email, stdout=io.StringIO())
    finally:
        command.getpass.getpass = original


def set_password_anywhere(client, user, smtp):
    fresh = User.objects.get(pk=user.pk)
    fresh.set_password(NEW_PASSWORD)
    fresh.save()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "set_new_password",
    [
        reset_by_allauth,
        change_by_allauth,
        change_by_api,
        change_in_django_admin,
        change_with_manage_py,
        set_password_anywhere,
    ],
    ids=lambda f: f.__name__,
)
def test_a_new_password_ends_old_tokens_and_other_sessions(api, smtp_settings, set_new_password):
    victim = ClientFactory()
    pair = tokens_for(victim)
    browser = other_browser(victim)
    set_new_password(Client(), victim, smtp_settings)
    victim.refresh_from_db()
    assert victim.check_password(NEW_PASSWORD), set_new_password.__name__
    assert_every_other_way_in_is_closed(api, victim, pair, browser)
    # The new password works and gives working tokens.
    fresh = api().post("auth/token", {"email": victim.email, "password": NEW_PASSWORD})
    assert fresh.status_code == 200
    assert refresh(api, fresh.json()["refresh"]).status_code == 200


@pytest.mark.django_db
def test_the_api_password_change_hands_the_caller_a_fresh_pair(api, client_user):
    response = api(client_user).post(
        "me/password", {"old_password": PASSWORD, "new_password": NEW_PASSWORD}
    )
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"detail", "access", "refresh"}
    me = api().get("me", headers={"Authorization": f"Bearer {body['access']}"})
    assert me.status_code == 200


@pytest.mark.django_db
def test_a_hash_upgrade_at_login_is_not_a_password_change(api, client_user, settings):
    # The stored hash is made with an older hasher: logging in upgrades it silently.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.Argon2PasswordHasher",
    ]
    client_user.set_password(PASSWORD)
    client_user.save()
    pair = tokens_for(client_user)
    settings.PASSWORD_HASHERS = list(reversed(settings.PASSWORD_HASHERS))
    login = api().post("auth/token", {"email": client_user.email, "password": PASSWORD})
    assert login.status_code == 200
    client_user.refresh_from_db()
    assert client_user.password.startswith("argon2")
    assert refresh(api, pair["refresh"]).status_code == 200


@pytest.mark.live
def test_password_reset_on_the_web_revokes_a_stolen_refresh_token_on_a_live_server(
    live_app, smtp_server
):
    server = live_app(
        "sqlite",
        workers=2,
        env={"EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": smtp_server.port},
    )
    server.manage(
        "shell",
        "-c",
        "from tests.factories import ClientFactory; ClientFactory(email='victim@example.tn')",
    )
    status, stolen = api_call(
        server.url, "POST", "/api/v1/auth/token", payload={"email": "victim@example.tn",
                                                           "password": PASSWORD},
    )  # fmt: skip
    assert status == 200
    thief_browser = WebSession(server.url).login("victim@example.tn", PASSWORD)

    victim = WebSession(server.url)
    response = victim.post("/accounts/password/reset/", {"email": "victim@example.tn"})
    assert response.status_code == 302
    message = smtp_server.wait_for(lambda m: "victim@example.tn" in m["To"])
    path = link_in_text(smtp_server.text_of(message), "/accounts/password/reset/key/")
    form = victim.get(path)
    target = form.headers.get("location", path)
    done = victim.post(target, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert done.status_code == 302, done.text[-1500:]

    status, body = api_call(
        server.url, "POST", "/api/v1/auth/token/refresh", payload={"refresh": stolen["refresh"]}
    )
    assert (status, body["code"]) == (401, "token_invalid")
    assert api_call(server.url, "GET", "/api/v1/me", token=stolen["access"])[0] == 401
    assert not thief_browser.is_logged_in()
