"""Finding 3 of the second review: the web sign-up form told which addresses have accounts by
its timing.

Attack: post the sign-up form with an address and time the answer. A known address answered in
about 15 ms, a new one in about 300 ms (the Argon2 hash of the password), although the pages
were the same. Both paths now spend the same work, the one rule the API already followed
(`services.spend_sign_up_work`). Proof: the number of password hashes each answer costs, which
is exact, and one coarse timing comparison with a wide margin.
"""

import statistics
import time
import uuid

import pytest

from louage.accounts.models import User
from tests.factories import ClientFactory
from tests.support.hashers import hashes_made

pytestmark = pytest.mark.django_db

KNOWN = "connu@example.tn"
NEW = {"first_name": "Leïla", "last_name": "Mansour", "phone": ""}
PASSWORD = "s0us-le-jasmin!"


@pytest.fixture
def argon2_counted(settings):
    settings.PASSWORD_HASHERS = ["tests.support.hashers.CountingArgon2PasswordHasher"]
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "signup": "1000/m/ip"}


@pytest.fixture
def known():
    return ClientFactory(email=KNOWN)


def web_signup(client, email):
    """→ (seconds, password hashes made, response)."""
    before, start = hashes_made(), time.perf_counter()
    response = client.post(
        "/accounts/signup/",
        {**NEW, "email": email, "password1": PASSWORD, "password2": PASSWORD},
    )
    return time.perf_counter() - start, hashes_made() - before, response


def api_signup(api, email):
    before = hashes_made()
    response = api().post("auth/register", {**NEW, "email": email, "password": PASSWORD})
    return hashes_made() - before, response


def fresh():
    return f"nouveau.{uuid.uuid4().hex[:10]}@example.tn"


def test_the_web_form_hashes_the_password_for_a_known_address_as_for_a_new_one(
    client, known, argon2_counted
):
    stored = User.objects.get(email=KNOWN).password
    _, taken_hashes, taken = web_signup(client, KNOWN)
    _, new_hashes, new = web_signup(client, fresh())
    assert taken.status_code == new.status_code == 302
    assert taken_hashes == new_hashes == 1
    # The taken address's account is untouched, and no second account has it.
    assert User.objects.filter(email=KNOWN).count() == 1
    assert User.objects.get(email=KNOWN).password == stored


def test_the_api_and_the_web_form_spend_the_same_work(api, known, argon2_counted):
    taken_hashes, taken = api_signup(api, KNOWN)
    new_hashes, new = api_signup(api, fresh())
    assert taken.status_code == new.status_code == 202
    assert taken_hashes == new_hashes == 1


def test_a_known_address_answers_about_as_slowly_as_a_new_one(client, known, argon2_counted):
    # Argon2 as in production: before, a known address answered about 20 times faster.
    # Medians of alternating runs, and a factor of 3 either way: a loaded machine slows both
    # paths alike, and a skipped hash still shows as tenfold or more.
    taken, new = [], []
    for _ in range(5):
        taken.append(web_signup(client, KNOWN)[0])
        new.append(web_signup(client, fresh())[0])
    ratio = statistics.median(new) / statistics.median(taken)
    assert 1 / 3 < ratio < 3, (taken, new)
