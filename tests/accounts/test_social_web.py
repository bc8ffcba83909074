"""Google, Facebook and OpenID Connect sign-in on the web pages, against real local providers:
the OpenID Connect provider (also standing in for Google) and Facebook's Graph API."""

import uuid
from urllib.parse import parse_qs, urlencode, urlparse

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount

from louage.accounts.models import Role, User
from louage.core.models import AuditEntry
from tests.factories import PASSWORD, ChiefFactory, ClientFactory

pytestmark = pytest.mark.django_db

GOOGLE = "/accounts/google/login/"
FACEBOOK = "/accounts/facebook/login/"
OIDC = "/accounts/oidc/oidc/login/"


def person(provider, *, verified=True, **claims):
    """A new identity at the local OpenID Connect provider; returns (sub, email)."""
    sub = uuid.uuid4().hex[:12]
    email = claims.pop("email", f"{sub}@example.tn")
    provider.set_user(
        sub,
        email=email,
        email_verified=verified,
        given_name=claims.pop("given_name", "Amel"),
        family_name=claims.pop("family_name", "Trabelsi"),
        **claims,
    )
    return sub, email


def start(web, login_url, **params):
    """The visitor presses a provider's button: the site sends the browser to the provider."""
    response = web.post(login_url + (f"?{urlencode(params)}" if params else ""))
    assert response.status_code == 302, response.content[:300]
    return response["Location"]


def sign_in_with(web, provider, login_url, sub, **params):
    """Button, the provider's page, back to the site's callback: the callback's response."""
    return web.get(provider.sign_in(start(web, login_url, **params), sub))


def logged_in_user(web):
    response = web.get("/compte/")
    if response.status_code != 200:
        return None
    return response.wsgi_request.user


def test_login_and_signup_pages_show_one_button_per_configured_provider(web, social_providers):
    for page in ("/accounts/login/", "/accounts/signup/"):
        html = web.get(page).content.decode()
        assert "Continuer avec Google" in html
        assert "Continuer avec Facebook" in html
        assert "Continuer avec Université de Tunis" in html


def test_an_unconfigured_provider_has_no_button_and_its_pages_answer_404(web, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {}
    assert "Continuer avec" not in web.get("/accounts/login/").content.decode()
    assert web.post(GOOGLE).status_code == 404
    assert web.get("/accounts/google/login/callback/?code=x&state=y").status_code == 404
    assert web.post(FACEBOOK).status_code == 404
    assert web.post(OIDC).status_code == 404


def test_first_google_login_creates_a_logged_in_client_with_the_providers_name_and_email(
    web, social_providers, oidc_provider
):
    # A provider claiming a role gets nowhere: roles are given by administrators only.
    sub, email = person(oidc_provider, given_name="Amel", family_name="Trabelsi", role="admin")
    response = sign_in_with(web, oidc_provider, GOOGLE, sub)
    assert response.status_code == 302 and response["Location"] == "/"

    user = User.objects.get(email=email)
    assert (user.first_name, user.last_name, user.role, user.phone) == (
        "Amel",
        "Trabelsi",
        Role.CLIENT,
        "",
    )
    assert not user.has_usable_password()
    assert EmailAddress.objects.get(user=user).verified
    assert SocialAccount.objects.get(user=user).provider == "google"
    assert logged_in_user(web) == user
    assert "Amel Trabelsi" in web.get("/compte/").content.decode()
    assert AuditEntry.objects.filter(action="user.created", object_id=str(user.pk)).exists()


def test_a_returning_user_logs_in_to_the_same_account(web, client, social_providers, oidc_provider):
    sub, email = person(oidc_provider)
    sign_in_with(web, oidc_provider, OIDC, sub)
    web.post("/accounts/logout/")
    assert logged_in_user(web) is None

    response = sign_in_with(web, oidc_provider, OIDC, sub)
    assert response.status_code == 302
    assert User.objects.filter(email=email).count() == 1
    assert SocialAccount.objects.filter(provider="oidc").count() == 1
    assert logged_in_user(web).email == email


def test_the_visitor_comes_back_to_the_page_they_were_on(web, social_providers, oidc_provider):
    sub, _ = person(oidc_provider)
    response = sign_in_with(web, oidc_provider, OIDC, sub, next="/departs/")
    assert response["Location"] == "/departs/"


def test_a_verified_email_reaches_the_existing_account_and_links_the_provider(
    web, social_providers, oidc_provider
):
    chief = ChiefFactory(email="sonia.chef@example.tn")
    sub, _ = person(oidc_provider, email="Sonia.Chef@example.tn", verified=True)
    response = sign_in_with(web, oidc_provider, GOOGLE, sub)
    assert response.status_code == 302

    assert logged_in_user(web) == chief
    chief.refresh_from_db()
    assert chief.role == Role.CHIEF  # the provider changes no role
    assert chief.check_password(PASSWORD)  # the account's address was confirmed: kept
    assert SocialAccount.objects.get(provider="google").user == chief
    assert User.objects.count() == 1
    assert AuditEntry.objects.filter(
        action="user.provider_connected", object_id=str(chief.pk)
    ).exists()


def test_an_account_whose_address_was_never_confirmed_is_not_reached_through_a_provider(
    web, social_providers, oidc_provider, settings
):
    settings.ACCOUNT_EMAIL_VERIFICATION = "optional"  # the sign-in of an unconfirmed address
    # Only a confirmed login address is a way in. The provider's owner proves the address with
    # the password reset link instead, then links the provider from the account page.
    squatter = ClientFactory(email="hedi@example.tn")
    EmailAddress.objects.filter(user=squatter).update(verified=False)
    sub, _ = person(oidc_provider, email="hedi@example.tn", verified=True)
    response = sign_in_with(web, oidc_provider, OIDC, sub)
    assert response["Location"] == "/accounts/3rdparty/signup/"
    assert 'data-testid="email-taken"' in web.get(response["Location"]).content.decode()

    assert logged_in_user(web) is None
    assert not SocialAccount.objects.exists()
    assert User.objects.count() == 1


def test_an_unverified_email_does_not_link_and_the_page_says_how_to_connect(
    web, social_providers, oidc_provider, settings
):
    settings.ACCOUNT_EMAIL_VERIFICATION = "optional"  # the sign-in of an unconfirmed address
    owner = ClientFactory(email="mouna@example.tn")
    sub, _ = person(oidc_provider, email="mouna@example.tn", verified=False)
    response = sign_in_with(web, oidc_provider, OIDC, sub)
    assert response.status_code == 302 and response["Location"] == "/accounts/3rdparty/signup/"

    page = web.get("/accounts/3rdparty/signup/")
    html = page.content.decode()
    assert 'data-testid="email-taken"' in html
    assert "Connectez-vous avec votre mot de passe, puis liez Université de Tunis" in html
    # Submitting anyway is refused too.
    posted = web.post(
        "/accounts/3rdparty/signup/",
        {"email": "mouna@example.tn", "first_name": "X", "last_name": "Y", "phone": ""},
    )
    assert posted.status_code == 200
    assert "Un compte existe déjà avec cette adresse e-mail" in posted.content.decode()

    assert logged_in_user(web) is None
    assert not SocialAccount.objects.exists()
    assert User.objects.count() == 1
    owner.refresh_from_db()
    assert owner.check_password(PASSWORD)


def test_a_provider_without_email_asks_for_one_on_the_sign_up_form(
    web, social_providers, oidc_provider
):
    sub = uuid.uuid4().hex[:12]
    oidc_provider.set_user(sub, given_name="Nizar", family_name="Gharbi")
    response = sign_in_with(web, oidc_provider, OIDC, sub)
    assert response["Location"] == "/accounts/3rdparty/signup/"
    response = web.post(
        "/accounts/3rdparty/signup/",
        {"email": "nizar@example.tn", "first_name": "Nizar", "last_name": "Gharbi"},
    )
    assert response.status_code == 302
    user = User.objects.get(email="nizar@example.tn")
    assert (user.role, user.first_name) == (Role.CLIENT, "Nizar")
    assert SocialAccount.objects.get(user=user).provider == "oidc"


def test_facebook_first_login_creates_a_client(web, social_providers, facebook_graph, settings):
    settings.ACCOUNT_EMAIL_VERIFICATION = "optional"  # the sign-in of an unconfirmed address
    facebook_graph.add_user(
        "10001", email="yassine@example.tn", first_name="Yassine", last_name="Jlassi"
    )
    back = facebook_graph.sign_in(start(web, FACEBOOK), "10001")
    response = web.get(back)
    assert response.status_code == 302

    user = User.objects.get(email="yassine@example.tn")
    assert (user.first_name, user.last_name, user.role) == ("Yassine", "Jlassi", Role.CLIENT)
    assert SocialAccount.objects.get(user=user, provider="facebook").uid == "10001"
    assert logged_in_user(web) == user


def test_facebook_never_vouches_for_an_email_so_it_never_links_by_email(
    web, social_providers, facebook_graph, settings
):
    settings.ACCOUNT_EMAIL_VERIFICATION = "optional"  # the sign-in of an unconfirmed address
    ClientFactory(email="olfa@example.tn")
    facebook_graph.add_user("10002", email="olfa@example.tn", first_name="Olfa", last_name="M")
    response = web.get(facebook_graph.sign_in(start(web, FACEBOOK), "10002"))
    assert response["Location"] == "/accounts/3rdparty/signup/"
    assert "liez Facebook" in web.get("/accounts/3rdparty/signup/").content.decode()
    assert not SocialAccount.objects.exists()
    assert logged_in_user(web) is None


@pytest.mark.parametrize("login_url", [OIDC, GOOGLE, FACEBOOK])
def test_denied_consent_shows_the_cancelled_page_and_creates_nothing(
    web, social_providers, oidc_provider, facebook_graph, login_url
):
    provider = facebook_graph if login_url == FACEBOOK else oidc_provider
    response = web.get(provider.deny(start(web, login_url)), follow=True)
    assert response.status_code == 200
    assert "Connexion annulée" in response.content.decode()
    assert not User.objects.exists() and not SocialAccount.objects.exists()


def test_a_tampered_state_is_refused_with_a_clear_page(web, social_providers, oidc_provider):
    sub, _ = person(oidc_provider)
    back = urlparse(oidc_provider.sign_in(start(web, OIDC), sub))
    query = parse_qs(back.query)
    query["state"] = [query["state"][0][:-2] + "xx"]
    response = web.get(f"{back.path}?{urlencode(query, doseq=True)}")
    assert response.status_code == 400
    assert "a expiré ou a été modifiée" in response.content.decode()
    assert not User.objects.exists()


def test_a_callback_from_another_browser_is_refused(web, client, social_providers, oidc_provider):
    # An attacker's own code and state, sent to the victim's browser (login CSRF).
    sub, _ = person(oidc_provider)
    from django.test import Client

    attacker = Client()
    back = oidc_provider.sign_in(start(attacker, OIDC), sub)
    response = web.get(back)
    assert response.status_code == 400
    assert not User.objects.exists()
    assert logged_in_user(web) is None


def test_a_provider_down_during_the_callback_gets_a_503_page(web, social_providers, oidc_provider):
    sub, _ = person(oidc_provider)
    back = oidc_provider.sign_in(start(web, GOOGLE), sub)
    with oidc_provider.down():
        response = web.get(back)
    assert response.status_code == 503
    assert "Google ne répond pas pour le moment" in response.content.decode()
    assert not User.objects.exists()


def test_a_provider_down_before_the_redirect_gets_a_503_page(web, social_providers, oidc_provider):
    with oidc_provider.down():
        response = web.post(OIDC)
    assert response.status_code == 503
    assert "Université de Tunis ne répond pas" in response.content.decode()


def test_facebook_down_during_the_callback_gets_a_503_page(web, social_providers, facebook_graph):
    facebook_graph.add_user("10003", email="amine@example.tn", first_name="Amine", last_name="K")
    back = facebook_graph.sign_in(start(web, FACEBOOK), "10003")
    with facebook_graph.down():
        response = web.get(back)
    assert response.status_code == 503
    assert not User.objects.exists()


def test_the_account_page_lists_connects_and_disconnects_providers(
    web, social_providers, oidc_provider
):
    user = ClientFactory(email="rim@example.tn")
    web.force_login(user)
    profile = web.get("/compte/").content.decode()
    assert "Aucun compte lié" in profile
    page = web.get("/accounts/3rdparty/").content.decode()
    assert "Lier Google" in page and "Lier Université de Tunis" in page

    # Another identity than the account's address, linked on purpose from the account page.
    sub, _ = person(oidc_provider, email="rim.perso@example.tn", verified=False)
    response = sign_in_with(web, oidc_provider, OIDC, sub, process="connect")
    assert response.status_code == 302
    account = SocialAccount.objects.get(user=user)
    assert account.provider == "oidc"
    assert 'data-provider="oidc"' in web.get("/compte/").content.decode()

    response = web.post("/accounts/3rdparty/", {"account": account.pk})
    assert response.status_code == 302
    assert not SocialAccount.objects.exists()
    assert AuditEntry.objects.filter(action="user.provider_disconnected").count() == 1


def test_the_last_way_in_is_kept_until_the_user_sets_a_password(
    web, social_providers, oidc_provider
):
    sub, email = person(oidc_provider)
    sign_in_with(web, oidc_provider, GOOGLE, sub)
    account = SocialAccount.objects.get()

    page = web.get("/accounts/3rdparty/").content.decode()
    assert 'data-testid="set-password"' in page
    response = web.post("/accounts/3rdparty/", {"account": account.pk})
    assert response.status_code == 200
    assert "votre seul moyen de connexion" in response.content.decode()
    assert SocialAccount.objects.filter(pk=account.pk).exists()

    response = web.post(
        "/accounts/password/set/",
        {"password1": "Gafsa-Tozeur-2024", "password2": "Gafsa-Tozeur-2024"},
    )
    assert response.status_code == 302
    assert web.post("/accounts/3rdparty/", {"account": account.pk}).status_code == 302
    assert not SocialAccount.objects.exists()
    web.post("/accounts/logout/")
    assert (
        web.post("/accounts/login/", {"login": email, "password": "Gafsa-Tozeur-2024"}).status_code
        == 302
    )


def test_a_provider_account_linked_to_someone_else_is_not_moved(
    web, social_providers, oidc_provider
):
    sub, _ = person(oidc_provider)
    sign_in_with(web, oidc_provider, OIDC, sub)
    first_owner = SocialAccount.objects.get().user
    web.post("/accounts/logout/")

    other = ClientFactory()
    web.force_login(other)
    response = sign_in_with(web, oidc_provider, OIDC, sub, process="connect")
    page = web.get(response["Location"]).content.decode()
    assert "Ce compte social est déjà connecté à un autre compte." in page
    assert SocialAccount.objects.get().user == first_owner


@pytest.mark.parametrize("provider", ["google", "facebook"])
def test_allauths_token_sign_in_pages_are_closed(web, social_providers, provider):
    # Google One Tap and Facebook's JS SDK post tokens there; our pages use neither, and a
    # crafted token (no key id) made allauth's view fail with a 500.
    import jwt

    crafted = jwt.encode({"sub": "x"}, "a-shared-secret-of-32-bytes-at-least!!", "HS256")
    web.cookies["g_csrf_token"] = "t"
    response = web.post(
        f"/accounts/{provider}/login/token/",
        {"credential": crafted, "g_csrf_token": "t", "access_token": crafted},
    )
    assert response.status_code == 404
    assert not User.objects.exists()
