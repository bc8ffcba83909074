"""A new traveller signs up, edits the profile, logs out and logs back in, in Chromium."""

from tests.browser.conftest import login, open_menu
from tests.support.web import link_in_text


def test_sign_up_edit_profile_log_out_and_log_in(page, browser_app):
    page.goto("/")
    page.click("main >> text=Créer un compte")
    page.fill("input[name=email]", "mouna.saidi@example.tn")
    page.fill("input[name=first_name]", "Mouna")
    page.fill("input[name=last_name]", "Saidi")
    page.fill("input[name=phone]", "97 000 111")
    page.fill("input[name=password1]", "Vers-Tozeur-2024")
    page.click("main form button[type=submit]")
    page.wait_for_load_state("networkidle")
    # The account waits for its address: the link in the email opens it, logged in.
    smtp = browser_app.smtp
    message = smtp.wait_for(lambda m: "mouna.saidi@example.tn" in m["To"])
    page.goto(link_in_text(smtp.text_of(message), "/accounts/confirm-email/"))
    page.click("main form button[type=submit]")
    page.wait_for_load_state("networkidle")

    page.goto("/compte/")
    assert page.inner_text("[data-testid=full-name]") == "Mouna Saidi"
    assert page.inner_text("[data-testid=phone]") == "97 000 111"  # shown as people say it

    page.click("text=Modifier mon profil")
    page.fill("input[name=last_name]", "Saidi-Ben Youssef")
    page.fill("input[name=phone]", "abc")
    page.click("main form button[type=submit]")
    assert "Numéro de téléphone invalide" in page.inner_text("main")
    page.fill("input[name=phone]", "97 000 222")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/compte/")
    assert "Votre profil a été mis à jour." in page.inner_text(".messages")
    assert page.inner_text("[data-testid=full-name]") == "Mouna Saidi-Ben Youssef"

    open_menu(page)
    page.click("[data-testid=logout]")
    page.wait_for_load_state("networkidle")
    open_menu(page)
    assert page.locator("nav >> text=Se connecter").is_visible()
    page.goto("/compte/")
    assert "/accounts/login/" in page.url

    login(page, "mouna.saidi@example.tn", "Vers-Tozeur-2024")
    page.goto("/compte/")
    assert page.inner_text("[data-testid=phone]") == "97 000 222"
    rows = browser_app.sql(
        "SELECT role, last_name FROM accounts_user WHERE email = %s", ["mouna.saidi@example.tn"]
    )
    assert rows == [("client", "Saidi-Ben Youssef")]


def test_demo_admin_logs_in_and_sees_the_user_list(page):
    login(page, "admin@louage.tn")
    open_menu(page)
    page.click("nav >> text=Utilisateurs")
    page.wait_for_url("**/gestion/utilisateurs/")
    assert page.locator("tr[data-user='client1@louage.tn']").count() == 1
