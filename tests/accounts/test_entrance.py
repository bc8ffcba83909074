"""Where a login lands, sign-up offered as a button, and each error under its own field."""

import re

import pytest

from tests.factories import PASSWORD, AdminFactory, ChiefFactory, ClientFactory
from tests.network_factories import StationFactory

pytestmark = pytest.mark.django_db


def login(client, user):
    return client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})


def test_an_admin_lands_on_the_dashboard_a_chief_on_the_day_a_client_at_home(client):
    admin = AdminFactory()
    assert login(client, admin)["Location"] == "/gestion/rapports/"
    client.post("/accounts/logout/")
    chief = ChiefFactory()
    StationFactory(chief=chief)
    assert login(client, chief)["Location"] == "/guichet/aujourdhui/"
    client.post("/accounts/logout/")
    assert login(client, ClientFactory())["Location"] == "/"


def test_the_login_page_offers_sign_up_as_a_button_keeping_next(client):
    html = client.get("/accounts/login/?next=/departs/3/").content.decode()
    button = re.search(r'<a class="button[^"]*" href="([^"]+)" data-testid="signup-button">', html)
    assert button, "no sign-up button"
    assert button.group(1).startswith("/accounts/signup/") and "departs" in button.group(1)
    assert "Créer un compte" in html


def test_a_password_error_sits_under_the_password_field_not_the_phone_hint(client):
    response = client.post(
        "/accounts/signup/",
        {"email": "amel@example.tn", "first_name": "Amel", "last_name": "Ben Ali",
         "phone": "22 333 444", "password1": "123", "password2": "123"},
    )  # fmt: skip
    html = response.content.decode()
    assert response.status_code == 200
    errors = html.index('id="id_password1_errors"')
    phone, password = html.index('name="phone"'), html.index('name="password1"')
    # The password's errors follow the password input, not the phone field and its hint.
    assert phone < password < errors
    assert html.count('class="field-error"') == 1
