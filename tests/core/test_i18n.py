import pytest

pytestmark = pytest.mark.django_db


def test_interface_is_french_even_for_an_english_browser(client):
    response = client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"})
    html = response.content.decode()
    assert '<html lang="fr" dir="ltr">' in html
    assert response["Content-Language"] == "fr"


def test_choosing_arabic_switches_to_right_to_left(client):
    response = client.post("/i18n/setlang/", {"language": "ar", "next": "/"}, follow=True)
    html = response.content.decode()
    assert '<html lang="ar" dir="rtl">' in html


def test_an_accounts_language_applies_after_login(client, client_user):
    client_user.language = "en"
    client_user.save()
    client.force_login(client_user)
    assert '<html lang="en"' in client.get("/").content.decode()


def test_an_unknown_language_cookie_falls_back_to_french(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "xx"
    assert '<html lang="fr"' in client.get("/").content.decode()
