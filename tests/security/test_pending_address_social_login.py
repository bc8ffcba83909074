"""Finding 1 of the second review: a pending address let a social login into the account.

Attack: allauth's automatic linking by email also matched the unconfirmed address row that an
email change stores while it waits for its link. An account set someone else's address as its
pending one; that person signed in with a provider vouching for the address (`email_verified:
true`) and landed in the first account. The other way round, a thief with the password set a
pending address of their own and signed in through a provider with it. Now a provider reaches
an account only through that account's confirmed login email: on the web pages and on
`POST /api/v1/auth/social/{provider}` alike, nothing is linked and nothing changes.
"""

import uuid

import pytest

from tests.factories import PASSWORD
from tests.support.web import api_call

pytestmark = pytest.mark.live


def addresses():
    tag = uuid.uuid4().hex[:8]
    return f"compte.{tag}@example.tn", f"autre.{tag}@example.tn"


def pending_set_on_the_web(site, account_email, pending):
    browser = site.browser().login(account_email, PASSWORD)
    response = browser.post("/compte/email/", {"email": pending, "password": PASSWORD})
    assert response.status_code == 302, response.text[-1500:]


def pending_set_through_the_api(site, account_email, pending):
    status, pair = site.password_token(account_email)
    assert status == 200, pair
    status, me = api_call(
        site.url, "PATCH", "/api/v1/me", token=pair["access"],
        payload={"email": pending, "password": PASSWORD},
    )  # fmt: skip
    assert (status, me["pending_email"]) == (200, pending), me


def attack(site, set_pending):
    """An account with a pending address; → (account id, its state, users, provider subject
    of the address)."""
    account_email, pending = addresses()
    [account_id] = site.accounts(account_email)
    set_pending(site, account_email, pending)
    before = site.state(account_id)
    assert before["pending_email"] == pending
    assert (pending, False, False) in before["addresses"]
    return account_id, before, site.user_count(), site.identity(pending)


def assert_nothing_changed(site, account_id, before, users, sub):
    assert site.state(account_id) == before  # no provider, same password, same addresses
    assert site.links_of(sub) == []
    assert site.user_count() == users


def test_someone_elses_pending_address_is_no_way_in_on_the_web(social_site):
    site = social_site
    # The account typed a neighbour's address as its new one (the neighbour never confirms).
    account_id, before, users, neighbour = attack(site, pending_set_on_the_web)
    browser = site.browser()
    response = site.web_sign_in(browser, neighbour)
    assert response.status_code == 302
    assert not browser.is_logged_in()
    assert_nothing_changed(site, account_id, before, users, neighbour)


def test_someone_elses_pending_address_is_no_way_in_through_the_api(social_site):
    site = social_site
    account_id, before, users, neighbour = attack(site, pending_set_on_the_web)
    status, body = site.api_sign_in(neighbour)
    assert status == 403 and "access" not in body, body
    assert_nothing_changed(site, account_id, before, users, neighbour)


def test_a_thiefs_own_pending_address_is_no_way_in_on_the_web(social_site):
    site = social_site
    # The thief has the password, asks for a new address of their own through the API, and
    # signs in with a provider that vouches for it, without opening the confirmation link.
    account_id, before, users, thief = attack(site, pending_set_through_the_api)
    browser = site.browser()
    assert site.web_sign_in(browser, thief).status_code == 302
    assert not browser.is_logged_in()
    assert_nothing_changed(site, account_id, before, users, thief)


def test_a_thiefs_own_pending_address_is_no_way_in_through_the_api(social_site):
    site = social_site
    account_id, before, users, thief = attack(site, pending_set_through_the_api)
    status, body = site.api_sign_in(thief)
    assert status == 403 and "access" not in body, body
    assert_nothing_changed(site, account_id, before, users, thief)
