"""Finding 8: registration does not reveal who has an account.

Attack: POST /api/v1/auth/register and PATCH /api/v1/me answered "Un compte existe déjà…"
for a known address, so anyone could test which addresses have a Louage account. Known and
unknown addresses now get the same answer; the owner of a known one gets an email.
"""

import re

import pytest

from louage.accounts.models import User
from tests.factories import PASSWORD, ClientFactory

pytestmark = pytest.mark.django_db

NEW = {"password": "s0us-le-jasmin!", "first_name": "Leïla", "last_name": "Mansour"}


@pytest.fixture
def known():
    return ClientFactory(email="known@example.tn")


def test_api_registration_answers_the_same_for_a_known_address(
    api, known, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        taken = api().post("auth/register", {**NEW, "email": "known@example.tn"})
        free = api().post("auth/register", {**NEW, "email": "unknown@example.tn"})
    assert taken.status_code == free.status_code == 202
    assert taken.json()["detail"].replace("known@", "X@") == free.json()["detail"].replace(
        "unknown@", "X@"
    )
    assert User.objects.filter(email="known@example.tn").count() == 1
    to_owner = [m for m in mailoutbox if m.to == ["known@example.tn"]]
    assert len(to_owner) == 1 and "/accounts/confirm-email/" not in to_owner[0].body


def test_bad_fields_are_reported_before_anything_about_the_address(api, known):
    weak = api().post("auth/register", {**NEW, "password": "123", "email": "known@example.tn"})
    fresh = api().post("auth/register", {**NEW, "password": "123", "email": "new@example.tn"})
    assert weak.status_code == fresh.status_code == 422
    assert weak.json() == fresh.json()


def test_changing_to_a_known_address_answers_like_a_free_one(
    api, client_user, known, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        taken = api(client_user).patch("me", {"email": "known@example.tn", "password": PASSWORD})
    taken_body = taken.json()
    with django_capture_on_commit_callbacks(execute=True):
        free = api(client_user).patch("me", {"email": "free@example.tn", "password": PASSWORD})
    assert taken.status_code == free.status_code == 200
    assert taken_body["pending_email"] == "known@example.tn"
    assert free.json()["pending_email"] == "free@example.tn"
    assert {k: v for k, v in taken_body.items() if k != "pending_email"} == {
        k: v for k, v in free.json().items() if k != "pending_email"
    }
    # The known address's owner is told; no confirmation link can ever move it.
    assert [m.to for m in mailoutbox] == [["known@example.tn"], ["free@example.tn"]]
    assert "/accounts/confirm-email/" not in mailoutbox[0].body


def test_web_signup_answers_the_same_for_a_known_address(client, known, mailoutbox):
    form = {**NEW, "password1": NEW["password"], "password2": NEW["password"], "phone": ""}
    taken = client.post("/accounts/signup/", {**form, "email": "known@example.tn"})
    free = client.post("/accounts/signup/", {**form, "email": "unknown@example.tn"})
    assert taken.status_code == free.status_code == 302
    assert taken["Location"] == free["Location"]
    assert User.objects.filter(email="known@example.tn").count() == 1
    assert {m.to[0] for m in mailoutbox} == {"known@example.tn", "unknown@example.tn"}


def test_web_email_change_answers_the_same_for_a_known_address(
    client, client_user, known, django_capture_on_commit_callbacks
):
    client.force_login(client_user)
    pages = []
    for email in ("known@example.tn", "free@example.tn"):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                "/compte/email/", {"email": email, "password": PASSWORD}, follow=True
            )
        page = response.content.decode().replace(email, "X")
        pages.append(re.sub(r'(csrfmiddlewaretoken" value="|CSRFToken": ")[^"]+', r"\1-", page))
    assert pages[0] == pages[1]
