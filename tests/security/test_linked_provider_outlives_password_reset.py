"""Finding 1 of the second review, the way back in: a linked provider outlived the owner's reset.

Attack: a thief with the password links a provider identity of their own to the account (from
the account page, or by making an address of theirs the login first). The owner notices and
resets the password, changes it, or undoes the email change: every session and token ends,
but the provider link stayed, and the thief signed in through it again. Now each of these
removes every linked provider, and the owner is emailed, in their language, whenever a
provider is linked to the account.
"""

import uuid

import pytest

from tests.factories import PASSWORD
from tests.support.web import api_call, link_in_text

pytestmark = pytest.mark.live

NEW_PASSWORD = "n0uveau-mot-de-passe!"


def owner_address():
    return f"proprio.{uuid.uuid4().hex[:8]}@example.tn"


def thief_links_a_provider(site, owner_email, owner_id):
    """The thief logs in with the password and links their own identity from the account page;
    → the identity's subject."""
    thief = site.browser().login(owner_email, PASSWORD)
    sub = site.identity(f"voleur.{uuid.uuid4().hex[:8]}@evil.example")
    assert site.web_sign_in(thief, sub, process="connect").status_code == 302
    assert site.links_of(sub) == [(owner_id,)]
    return sub


def assert_the_provider_is_no_way_in(site, owner_id, owner_email, sub):
    assert site.state(owner_id)["providers"] == []
    # The identity signs up an account of its own now; it never reaches the owner's again.
    browser = site.browser()
    assert site.web_sign_in(browser, sub).status_code == 302
    assert owner_email not in browser.get("/compte/").text
    status, body = site.api_sign_in(sub)
    assert status == 200, body
    assert api_call(site.url, "GET", "/api/v1/me", token=body["access"])[1]["id"] != owner_id
    assert len(site.links_of(sub)) == 1 and site.links_of(sub) != [(owner_id,)]
    assert site.state(owner_id)["providers"] == []


def test_a_password_reset_removes_the_provider_a_thief_linked(social_site):
    site = social_site
    owner_email = owner_address()
    [owner_id] = site.accounts(owner_email)
    sub = thief_links_a_provider(site, owner_email, owner_id)

    owner = site.browser()
    assert owner.post("/accounts/password/reset/", {"email": owner_email}).status_code == 302
    message = site.smtp.wait_for(
        lambda m: owner_email in m["To"] and "/password/reset/key/" in site.smtp.text_of(m)
    )
    path = link_in_text(site.smtp.text_of(message), "/accounts/password/reset/key/")
    target = owner.get(path).headers.get("location", path)
    done = owner.post(target, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert done.status_code == 302, done.text[-1500:]

    assert_the_provider_is_no_way_in(site, owner_id, owner_email, sub)
    assert site.password_token(owner_email, NEW_PASSWORD)[0] == 200


@pytest.mark.parametrize("where", ["web", "api"])
def test_a_password_change_by_the_owner_removes_the_provider_a_thief_linked(social_site, where):
    site = social_site
    owner_email = owner_address()
    [owner_id] = site.accounts(owner_email)
    sub = thief_links_a_provider(site, owner_email, owner_id)

    if where == "web":
        owner = site.browser().login(owner_email, PASSWORD)
        changed = owner.post(
            "/accounts/password/change/",
            {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        )
        assert changed.status_code == 302, changed.text[-1500:]
    else:
        status, pair = site.password_token(owner_email)
        status, body = api_call(
            site.url, "POST", "/api/v1/me/password", token=pair["access"],
            payload={"old_password": PASSWORD, "new_password": NEW_PASSWORD},
        )  # fmt: skip
        assert status == 200, body

    assert_the_provider_is_no_way_in(site, owner_id, owner_email, sub)


def test_the_email_change_undo_removes_the_provider_a_thief_linked(social_site):
    site = social_site
    owner_email = owner_address()
    thief_email = f"voleur.{uuid.uuid4().hex[:8]}@evil.example"
    [owner_id] = site.accounts(owner_email)
    # The thief, with the password, makes an address of theirs the login (opening its link)...
    status, pair = site.password_token(owner_email)
    status, me = api_call(
        site.url, "PATCH", "/api/v1/me", token=pair["access"],
        payload={"email": thief_email, "password": PASSWORD},
    )  # fmt: skip
    assert status == 200, me
    link = site.smtp.wait_for(lambda m: thief_email in m["To"])
    confirm = link_in_text(site.smtp.text_of(link), "/accounts/confirm-email/")
    assert site.browser().post(confirm).status_code == 302
    assert site.state(owner_id)["email"] == thief_email
    # ...then signs in with a provider vouching for it: now a confirmed login, it links.
    sub = site.identity(thief_email)
    assert site.web_sign_in(site.browser(), sub).status_code == 302
    assert site.links_of(sub) == [(owner_id,)]

    # The owner takes the account back from the notice sent to the previous address.
    notice = site.smtp.wait_for(
        lambda m: owner_email in m["To"] and "/compte/email/retablir/" in site.smtp.text_of(m)
    )
    undo = link_in_text(site.smtp.text_of(notice), "/compte/email/retablir/")
    assert site.browser().post(undo).status_code == 302

    assert site.state(owner_id)["email"] == owner_email
    assert_the_provider_is_no_way_in(site, owner_id, owner_email, sub)


def test_the_owner_is_emailed_in_their_language_when_a_provider_is_linked(social_site):
    site = social_site
    owner_email = owner_address()
    [owner_id] = site.accounts(owner_email, language="ar")
    sub = thief_links_a_provider(site, owner_email, owner_id)

    notice = site.smtp.wait_for(
        lambda m: owner_email in m["To"] and "Université de Tunis" in m["Subject"]
    )
    text = site.smtp.text_of(notice)
    assert "طريقة دخول جديدة" in notice["Subject"]  # Arabic, the owner's language
    assert "Université de Tunis" in text
    reset = link_in_text(text, "/accounts/password/reset/")
    assert site.browser().get(reset).status_code == 200
    assert site.links_of(sub) == [(owner_id,)]
