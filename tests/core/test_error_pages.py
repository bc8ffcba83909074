"""`make run` serves the site's own error pages in the page's language; Django's debug pages
only under `make dev` (DEBUG_PAGES), never in production."""

import subprocess
import sys

import pytest
from django.conf import settings
from django.test import Client

from tests.support.servers import ROOT, base_env

pytestmark = pytest.mark.django_db


def debug_setting(**env):
    code = "from django.conf import settings; print(settings.DEBUG, settings.DEVELOPMENT)"
    environ = base_env(**env)
    environ.pop("DEBUG_PAGES", None)
    environ.update({k: str(v) for k, v in env.items()})
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT, env=environ, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return result.stdout.split()[-2:]


def test_debug_pages_only_when_make_dev_asks_for_them_in_development():
    assert debug_setting(DEBUG="true") == ["False", "True"]  # make run
    assert debug_setting(DEBUG="true", DEBUG_PAGES="true") == ["True", "True"]  # make dev
    assert "DEBUG_PAGES=true" in (ROOT / "Makefile").read_text().split("\ndev:")[1].split("\n\n")[0]


@pytest.mark.parametrize(
    ("language", "title"),
    [("fr", "Page introuvable"), ("ar", "الصفحة غير موجودة"), ("en", "Page not found")],
)
def test_an_unknown_page_is_the_sites_404_in_the_pages_language(client, language, title):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get("/nulle-part/")
    assert response.status_code == 404
    assert title in response.content.decode()
    assert "Django" not in response.content.decode()


def test_a_travellers_visit_to_a_chiefs_page_says_who_the_page_is_for(client, client_user):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(client_user)
    response = client.get("/gestion/utilisateurs/")
    assert response.status_code == 403
    assert "This page is for administrators only." in response.content.decode()


def test_a_form_without_its_csrf_token_gets_a_403_saying_so_in_the_pages_language(client_user):
    browser = Client(enforce_csrf_checks=True)
    browser.cookies[settings.LANGUAGE_COOKIE_NAME] = "ar"
    response = browser.post("/accounts/login/", {"login": client_user.email, "password": "x"})
    assert response.status_code == 403
    page = response.content.decode()
    assert "انتهت صلاحية النموذج" in page and "CSRF verification failed" not in page
