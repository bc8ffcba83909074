import io

import pytest
from allauth.account.models import EmailAddress
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from louage.accounts.models import Role, User
from louage.core.models import AuditEntry
from tests.factories import PASSWORD, AdminFactory, ChiefFactory, ClientFactory

pytestmark = pytest.mark.django_db

NEW_USER = {
    "email": "Leila.Mansour@Example.tn",
    "password": "s0us-le-jasmin!",
    "first_name": "Leïla",
    "last_name": "Mansour",
    "phone": "98 765 432",
}


def png_bytes(size=(800, 600), color=(200, 30, 30)):
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return buffer.getvalue()


# --- register -------------------------------------------------------------------------------


def test_register_creates_an_unconfirmed_client_with_normalised_email_and_phone(
    api, mailoutbox, django_capture_on_commit_callbacks, settings
):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    with django_capture_on_commit_callbacks(execute=True):
        response = api().post("auth/register", NEW_USER)
    assert response.status_code == 202, response.content
    assert response.json() == {
        "detail": "Un e-mail vient d'être envoyé à leila.mansour@example.tn : "
        "ouvrez son lien pour activer le compte."
    }
    user = User.objects.get(email="leila.mansour@example.tn")
    assert (user.phone, user.role) == ("+21698765432", "client")
    assert user.password.startswith("argon2")
    assert AuditEntry.objects.filter(action="user.created", object_id=str(user.pk)).exists()
    assert not EmailAddress.objects.get(user=user).verified
    [message] = mailoutbox
    assert message.to == ["leila.mansour@example.tn"]
    assert "/accounts/confirm-email/" in message.body


def test_an_unconfirmed_account_gets_a_new_link_instead_of_tokens(
    api, mailoutbox, django_capture_on_commit_callbacks
):
    api().post("auth/register", NEW_USER)
    with django_capture_on_commit_callbacks(execute=True):
        response = obtain(api, NEW_USER["email"], NEW_USER["password"])
    assert response.status_code == 403
    assert response.json()["code"] == "email_unverified"
    assert len(mailoutbox) == 1
    # Asking again at once sends nothing more (one link every 3 minutes).
    with django_capture_on_commit_callbacks(execute=True):
        assert obtain(api, NEW_USER["email"], NEW_USER["password"]).status_code == 403
    assert len(mailoutbox) == 1


@pytest.mark.parametrize(
    "change, field",
    [
        ({"email": "not-an-email"}, "email"),
        ({"phone": "12345"}, "phone"),
        ({"phone": "+33 6 12 34 56 78"}, "phone"),
        ({"password": "123"}, "password"),
        ({"first_name": ""}, "first_name"),
    ],
)
def test_register_refuses_bad_fields_and_writes_nothing(api, change, field):
    response = api().post("auth/register", {**NEW_USER, **change})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid"
    assert any(err["field"] == field for err in body["errors"]), body
    assert User.objects.count() == 0


def test_register_with_missing_fields_is_422(api):
    response = api().post("auth/register", {"email": "a@b.tn"})
    assert response.status_code == 422
    fields = {err["field"] for err in response.json()["errors"]}
    assert {"password", "first_name", "last_name"} <= fields
    assert User.objects.count() == 0


def test_register_with_malformed_json_is_422(api):
    response = api().post("auth/register", raw='{"email": "a@b.tn",')
    assert response.status_code == 422
    assert response.json()["code"] == "malformed_json"
    assert User.objects.count() == 0


def test_register_cannot_choose_its_role(api):
    response = api().post("auth/register", {**NEW_USER, "role": "admin"})
    assert response.status_code == 422
    assert not User.objects.filter(role=Role.ADMIN).exists()


def test_register_twice_with_the_same_email_answers_the_same_and_tells_the_owner(
    api, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = api().post("auth/register", NEW_USER)
        second = api().post("auth/register", {**NEW_USER, "email": NEW_USER["email"].upper()})
    assert (second.status_code, second.json()) == (first.status_code, first.json())
    assert User.objects.count() == 1
    assert len(mailoutbox) == 2
    assert mailoutbox[1].to == ["leila.mansour@example.tn"]
    assert "/accounts/confirm-email/" not in mailoutbox[1].body


# --- tokens ---------------------------------------------------------------------------------


def obtain(api, email, password=PASSWORD):
    return api().post("auth/token", {"email": email, "password": password})


def test_token_for_good_credentials_and_401_for_bad(api, client_user):
    ok = obtain(api, client_user.email.upper())
    assert ok.status_code == 200
    assert set(ok.json()) == {"access", "refresh"}
    bad = obtain(api, client_user.email, "wrong-password")
    assert bad.status_code == 401
    assert bad.json() == {"detail": "E-mail ou mot de passe incorrect.", "code": "bad_credentials"}


def test_access_token_opens_me(api, client_user):
    tokens = obtain(api, client_user.email).json()
    response = api().get("me", headers={"Authorization": f"Bearer {tokens['access']}"})
    assert response.status_code == 200
    assert response.json()["email"] == client_user.email


@pytest.mark.parametrize(
    "header, code, challenge",
    [
        (None, "not_authenticated", 'Bearer realm="louage"'),
        ("Basic abc", "not_authenticated", 'Bearer realm="louage"'),
        ("Bearer ", "token_invalid", 'error="invalid_token"'),
        ("Bearer nonsense", "token_invalid", 'error="invalid_token"'),
    ],
)
def test_me_without_a_valid_token_is_401_with_its_challenge(api, header, code, challenge):
    headers = {"Authorization": header} if header else {}
    response = api().get("me", headers=headers)
    assert response.status_code == 401
    assert response.json()["code"] == code
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert challenge in response["WWW-Authenticate"]


def test_an_expired_access_token_says_so_apart_from_a_bad_one(api, client_user):
    import jwt

    from louage.accounts.sessions import tokens_for

    access = tokens_for(client_user)["access"]
    claims = jwt.decode(access, options={"verify_signature": False})
    claims["exp"] = claims["iat"] - 60
    from ninja_jwt.state import token_backend

    expired = token_backend.encode(claims)
    response = api().get("me", headers={"Authorization": f"Bearer {expired}"})
    assert response.status_code == 401
    assert response.json()["code"] == "token_expired"
    assert 'error="invalid_token"' in response["WWW-Authenticate"]
    assert "expired" in response["WWW-Authenticate"]
    tampered = expired[:-4] + ("AAAA" if not expired.endswith("AAAA") else "BBBB")
    refused = api().get("me", headers={"Authorization": f"Bearer {tampered}"})
    assert refused.json()["code"] == "token_invalid"


def test_refresh_rotates_and_a_used_refresh_token_is_refused(api, client_user):
    first = obtain(api, client_user.email).json()
    rotated = api().post("auth/token/refresh", {"refresh": first["refresh"]})
    assert rotated.status_code == 200
    assert rotated.json()["refresh"] != first["refresh"]
    replay = api().post("auth/token/refresh", {"refresh": first["refresh"]})
    assert replay.status_code == 401
    # The new one still works once.
    assert (
        api().post("auth/token/refresh", {"refresh": rotated.json()["refresh"]}).status_code == 200
    )


def test_refresh_with_an_access_token_or_garbage_is_401(api, client_user):
    tokens = obtain(api, client_user.email).json()
    assert api().post("auth/token/refresh", {"refresh": tokens["access"]}).status_code == 401
    assert api().post("auth/token/refresh", {"refresh": "x.y.z"}).status_code == 401


def test_logout_revokes_the_refresh_token(api, client_user):
    tokens = obtain(api, client_user.email).json()
    auth = {"Authorization": f"Bearer {tokens['access']}"}
    response = api().post("auth/logout", {"refresh": tokens["refresh"]}, headers=auth)
    assert response.status_code == 204
    assert api().post("auth/token/refresh", {"refresh": tokens["refresh"]}).status_code == 401


def test_logout_with_someone_elses_refresh_token_is_refused(api, client_user):
    other = ClientFactory()
    mine = obtain(api, client_user.email).json()
    theirs = obtain(api, other.email).json()
    auth = {"Authorization": f"Bearer {mine['access']}"}
    assert (
        api().post("auth/logout", {"refresh": theirs["refresh"]}, headers=auth).status_code == 401
    )
    assert api().post("auth/token/refresh", {"refresh": theirs["refresh"]}).status_code == 200


def test_failed_logins_are_limited_per_account_and_say_when_to_come_back(
    api, client_user, settings
):
    settings.ACCOUNT_RATE_LIMITS = {
        **settings.ACCOUNT_RATE_LIMITS,
        "login_failed": "30/m/ip,3/5m/key",
    }
    codes = [obtain(api, client_user.email, "wrong").status_code for _ in range(5)]
    assert codes[:3] == [401, 401, 401]
    assert codes[3:] == [429, 429]
    locked = obtain(api, client_user.email)  # the right password waits too: no guessing game
    assert locked.status_code == 429
    assert locked.json()["code"] == "too_many_login_failures"
    assert 0 < int(locked["Retry-After"]) <= 300


# --- /me --------------------------------------------------------------------------------------


def test_patch_me_changes_name_and_phone(api, client_user):
    response = api(client_user).patch("me", {"first_name": "Sami", "phone": "0021671123456"})
    assert response.status_code == 200, response.content
    client_user.refresh_from_db()
    assert client_user.first_name == "Sami"
    assert client_user.phone == "+21671123456"


def test_client_cannot_set_its_own_role_through_patch_me(api, client_user):
    response = api(client_user).patch("me", {"role": "admin", "first_name": "X"})
    assert response.status_code == 422
    client_user.refresh_from_db()
    assert client_user.role == Role.CLIENT
    assert client_user.first_name != "X"


def test_patch_me_to_a_taken_email_is_refused(api, client_user):
    other = ClientFactory()
    response = api(client_user).patch("me", {"email": other.email})
    assert response.status_code == 422  # no password: refused before anything is looked up
    client_user.refresh_from_db()
    assert client_user.email != other.email


def test_change_password_checks_the_old_one_and_revokes_refresh_tokens(api, client_user):
    tokens = obtain(api, client_user.email).json()
    wrong = api(client_user).post(
        "me/password", {"old_password": "nope", "new_password": "n0uveau-mot!"}
    )
    assert (wrong.status_code, wrong.json()["code"]) == (403, "wrong_password")
    ok = api(client_user).post(
        "me/password", {"old_password": PASSWORD, "new_password": "n0uveau-mot!"}
    )
    assert ok.status_code == 200
    assert obtain(api, client_user.email, "n0uveau-mot!").status_code == 200
    assert obtain(api, client_user.email, PASSWORD).status_code == 401
    assert api().post("auth/token/refresh", {"refresh": tokens["refresh"]}).status_code == 401


def test_avatar_upload_resizes_a_real_image(api, client_user):
    upload = SimpleUploadedFile("me.png", png_bytes(), content_type="image/png")
    response = api(client_user).upload("me/avatar", {"avatar": upload})
    assert response.status_code == 200, response.content
    client_user.refresh_from_db()
    with client_user.avatar.open("rb") as stored, Image.open(stored) as image:
        assert image.size == (256, 256)
        assert image.format == "WEBP"
        assert not image.getexif()
    assert response.json()["avatar_url"].endswith(".webp")


def test_avatar_upload_refuses_a_text_file_named_png(api, client_user):
    upload = SimpleUploadedFile("me.png", b"this is not an image at all", content_type="image/png")
    response = api(client_user).upload("me/avatar", {"avatar": upload})
    assert response.status_code == 422
    assert "image" in response.json()["detail"]
    client_user.refresh_from_db()
    assert not client_user.avatar


def test_avatar_upload_refuses_a_20_mb_file(api, client_user):
    upload = SimpleUploadedFile("big.png", b"\0" * (20 * 1024 * 1024), content_type="image/png")
    response = api(client_user).upload("me/avatar", {"avatar": upload})
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    client_user.refresh_from_db()
    assert not client_user.avatar


def test_avatar_between_5_and_8_mb_gets_a_clear_field_error(api, client_user):
    upload = SimpleUploadedFile("big.png", b"\0" * (6 * 1024 * 1024), content_type="image/png")
    response = api(client_user).upload("me/avatar", {"avatar": upload})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "avatar"


def test_delete_me_needs_the_password_then_erases_personal_data(api, client_user):
    email = client_user.email
    assert api(client_user).delete("me", {"password": "wrong"}).status_code == 403
    assert User.objects.get(pk=client_user.pk).is_active
    response = api(client_user).delete("me", {"password": PASSWORD})
    assert response.status_code == 204
    user = User.objects.get(pk=client_user.pk)
    assert not user.is_active
    assert user.email != email and user.first_name == "" and user.phone == ""
    assert not user.has_usable_password()
    assert api(client_user).get("me").status_code == 401
    assert obtain(api, email).status_code == 401


# --- /users (admins) --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "method, path, data",
    [
        ("get", "users", None),
        ("post", "users", {**NEW_USER, "role": "chief"}),
        ("get", "users/{id}", None),
        ("patch", "users/{id}", {"role": "admin"}),
        ("delete", "users/{id}", None),
    ],
)
def test_user_management_is_for_admins_only(api, client_user, chief_user, method, path, data):
    target = ClientFactory()
    url = path.format(id=target.pk)
    anonymous = getattr(api(), method)(url, data) if data else getattr(api(), method)(url)
    assert anonymous.status_code == 401
    for user in (client_user, chief_user):
        caller = api(user)
        response = getattr(caller, method)(url, data) if data else getattr(caller, method)(url)
        assert response.status_code == 403, (user.role, response.content)
    target.refresh_from_db()
    assert target.role == Role.CLIENT and target.is_active
    assert not User.objects.filter(email=NEW_USER["email"].lower()).exists()


def test_admin_lists_searches_and_filters_users_with_pagination(api, admin_user):
    ClientFactory.create_batch(25)
    ChiefFactory(first_name="Hédi", last_name="Zouari")
    response = api(admin_user).get("users", {"page_size": 10, "page": 2})
    body = response.json()
    assert body["count"] == 27
    assert len(body["items"]) == 10
    chiefs = api(admin_user).get("users", {"role": "chief"}).json()
    assert [u["last_name"] for u in chiefs["items"]] == ["Zouari"]
    found = api(admin_user).get("users", {"q": "zouari"}).json()
    assert found["count"] == 1
    assert api(admin_user).get("users", {"page_size": 101}).status_code == 422
    assert api(admin_user).get("users", {"role": "pilot"}).status_code == 422


def test_admin_creates_a_chief_and_changes_a_role(api, admin_user):
    response = api(admin_user).post("users", {**NEW_USER, "role": "chief"})
    assert response.status_code == 201
    user_id = response.json()["id"]
    assert User.objects.get(pk=user_id).role == Role.CHIEF
    patched = api(admin_user).patch(f"users/{user_id}", {"role": "client", "last_name": "Ben Ali"})
    assert patched.status_code == 200
    assert patched.json()["role"] == "client"
    assert patched.json()["last_name"] == "Ben Ali"


def test_admin_deletes_a_user_but_not_itself(api, admin_user):
    target = ClientFactory()
    assert api(admin_user).delete(f"users/{target.pk}").status_code == 204
    assert not User.objects.get(pk=target.pk).is_active
    assert api(admin_user).get(f"users/{target.pk}").status_code == 404
    assert api(admin_user).delete(f"users/{admin_user.pk}").status_code == 409
    assert User.objects.get(pk=admin_user.pk).is_active


def test_admin_cannot_demote_itself(api, admin_user):
    response = api(admin_user).patch(f"users/{admin_user.pk}", {"role": "client"})
    assert response.status_code == 409
    admin_user.refresh_from_db()
    assert admin_user.role == Role.ADMIN


def test_unknown_user_is_404(api):
    admin = AdminFactory()
    assert api(admin).get("users/999999").status_code == 404


def test_openapi_schema_lists_the_account_endpoints(api):
    schema = api().get("/api/v1/openapi.json").json()
    for path in [
        "/api/v1/auth/token",
        "/api/v1/auth/token/refresh",
        "/api/v1/me",
        "/api/v1/users/{user_id}",
    ]:
        assert path in schema["paths"]


def test_a_password_change_unlinks_every_provider_and_says_so_in_the_audit(api, client_user):
    from allauth.socialaccount.models import SocialAccount

    SocialAccount.objects.create(user=client_user, provider="google", uid="g-1", extra_data={})
    SocialAccount.objects.create(user=client_user, provider="oidc", uid="o-1", extra_data={})
    response = api(client_user).post(
        "me/password", {"old_password": PASSWORD, "new_password": "n0uveau-mot-de-passe!"}
    )
    assert response.status_code == 200
    assert not SocialAccount.objects.filter(user=client_user).exists()
    entry = AuditEntry.objects.get(action="user.providers_unlinked")
    assert entry.data == {"providers": ["google", "oidc"], "reason": "password_changed"}
    assert entry.actor_id == client_user.pk
