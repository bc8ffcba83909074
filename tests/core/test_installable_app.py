"""The installable app's server side: manifest per language, the service worker's headers,
which pages the worker may keep (and under whose name), the offline page, logout's header."""

import json

import pytest

from louage.core.offline import VISITOR, cache_namespace
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db


def test_the_manifest_speaks_the_asked_language_and_lists_its_icons(client):
    french = client.get("/manifest.webmanifest?lang=fr")
    arabic = client.get("/manifest.webmanifest?lang=ar").json()
    assert french["Content-Type"] == "application/manifest+json"
    data = french.json()
    assert (data["lang"], data["dir"], arabic["lang"], arabic["dir"]) == ("fr", "ltr", "ar", "rtl")
    assert arabic["name"] != data["name"] and "لواج" in arabic["name"]
    assert data["display"] == "standalone" and data["scope"] == "/"
    purposes = {(icon["sizes"], icon.get("purpose", "any")) for icon in data["icons"]}
    assert purposes == {(f"{s}x{s}", p) for s in (192, 512) for p in ("any", "maskable")}
    unknown = client.get("/manifest.webmanifest?lang=xx").json()
    assert unknown["lang"] == "fr"


def test_the_service_worker_is_served_for_the_whole_site_and_never_cached(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert "no-cache" in response["Cache-Control"]
    config = json.loads(response.content.decode().split("const CONFIG = ", 1)[1].split(";\n")[0])
    assert set(config["offline"]) == {"fr", "ar", "en"}
    assert "/static/js/pwa.js" in config["precache"]


def test_kept_pages_are_named_after_their_reader_without_saying_who(client, trip):
    first, second = ClientFactory(), ClientFactory()
    board = f"/stations/{trip.origin_id}/tableau/"
    assert client.get(board)["X-Offline-Copy"] == VISITOR
    client.force_login(first)
    namespace = client.get(board)["X-Offline-Copy"]
    assert namespace == cache_namespace(first) != cache_namespace(second)
    assert len(namespace) == 20 and int(namespace, 16) != first.pk  # a keyed hash, not the id
    assert client.get("/departs/?origin=Tunis")["X-Offline-Key"] == "/departs/"
    # Pages that need the network, and htmx fragments, are not kept.
    assert "X-Offline-Copy" not in client.get("/reservations/")
    assert "X-Offline-Copy" not in client.get("/departs/?origin=Tunis", HTTP_HX_REQUEST="true")


def test_the_offline_page_is_in_the_language_of_its_address_and_names_nobody(client):
    client.force_login(ClientFactory(first_name="Amira"))
    page = client.get("/hors-ligne/ar/").content.decode()
    assert 'lang="ar"' in page and 'dir="rtl"' in page and "لا يوجد اتصال" in page
    assert "Amira" not in page and "csrfmiddlewaretoken" not in page
    assert client.get("/hors-ligne/de/").status_code == 404


def test_logout_tells_the_browser_to_drop_its_copies(client):
    client.force_login(ClientFactory())
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert response["Clear-Site-Data"] == '"cache"'
    assert "_auth_user_id" not in client.session
