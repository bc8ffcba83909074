"""A visitor signs in with a provider's button on the provider's own page, lands logged in on
Louage, completes the phone number and books, in Chromium against a live server whose
providers are configured by environment variables as in production."""

import uuid

import pytest

PROVIDERS = {
    "google": ("Continuer avec Google", "louage-google.apps.googleusercontent.com"),
    "oidc": ("Continuer avec Université de Tunis", "louage-oidc"),
}


@pytest.fixture
def social_app(live_app, oidc_provider):
    return live_app(
        "sqlite",
        workers=2,
        seed_demo=True,
        env={
            "DJANGO_SETTINGS_MODULE": "tests.support.settings_local_providers",
            "TEST_GOOGLE_ISSUER": oidc_provider.issuer,
            "GOOGLE_CLIENT_ID": PROVIDERS["google"][1],
            "GOOGLE_CLIENT_SECRET": "google-client-secret",
            "OIDC_PROVIDER_NAME": "Université de Tunis",
            "OIDC_SERVER_URL": oidc_provider.issuer,
            "OIDC_CLIENT_ID": PROVIDERS["oidc"][1],
            "OIDC_CLIENT_SECRET": "oidc-client-secret",
        },
    )


@pytest.fixture
def social_page(browser, social_app):
    context = browser.new_context(
        base_url=social_app.url, locale="fr-FR", viewport={"width": 390, "height": 844}
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.mark.parametrize("provider", ["google", "oidc"])
def test_a_visitor_signs_in_with_a_provider_completes_the_phone_and_books(
    social_page, social_app, oidc_provider, provider
):
    page = social_page
    button, client_id = PROVIDERS[provider]
    sub = uuid.uuid4().hex[:12]
    email = f"ines.{sub}@example.tn"
    oidc_provider.set_user(
        sub, email=email, email_verified=True, given_name="Ines", family_name="Chaabane"
    )
    trip_id = social_app.shell_json(
        "import json; from datetime import timedelta; from louage.core import clock; from louage.trips.models import Trip;"
        "t = Trip.objects.filter(status='scheduled', kind='scheduled', seats_available__gte=2, departure__gt=clock.now() + timedelta(hours=2)).order_by('departure').first();"
        "print(json.dumps(t.pk))"
    )

    # A visitor chooses the seats first; "Réserver" leads to the sign-in page.
    page.goto(f"/departs/{trip_id}/")
    page.select_option("select[name=seats]", "2")
    page.click("[data-testid=reserve]")
    page.wait_for_url("**/accounts/login/**")
    page.click(f"button:has-text('{button}')")
    # The provider's own sign-in page, on its own origin.
    page.wait_for_url(f"{oidc_provider.issuer}/oauth2/authorize*")
    assert f"client_id={client_id}" in page.url
    page.fill("input[name=sub]", sub)
    page.click("button:has-text('Authorize')")

    # Back on Louage, logged in: the booking needs a phone number first, then it goes on.
    page.wait_for_url("**/compte/telephone/**")
    assert page.locator("nav .nav-user").text_content().strip() == "Ines"
    assert "Ajoutez votre numéro de téléphone" in page.inner_text(".messages")
    page.fill("input[name=phone]", "98 765 432")
    page.click("[data-testid=phone-form] button[type=submit]")

    page.wait_for_url("**/reservations/*/")
    assert page.inner_text("[data-testid=seats]") == "2"

    rows = social_app.sql(
        "SELECT u.role, u.first_name, u.last_name, u.phone, s.provider FROM accounts_user u "
        "JOIN socialaccount_socialaccount s ON s.user_id = u.id WHERE u.email = %s",
        (email,),
    )
    assert rows == [("client", "Ines", "Chaabane", "+21698765432", provider)]
    booked = social_app.sql(
        "SELECT r.seats, r.status FROM booking_reservation r JOIN accounts_user u "
        "ON r.client_id = u.id WHERE u.email = %s",
        (email,),
    )
    assert booked == [(2, "pending")]
