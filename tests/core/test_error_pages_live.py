"""Under `make run`'s development settings (DEBUG=true, no DEBUG_PAGES), a database outage is
the site's 503 page in the page's language, and JSON 503 on the API; never Django's debug page."""

import tempfile

import httpx
import pytest

from tests.support.servers import LiveServer, PostgresCluster

pytestmark = [pytest.mark.live, pytest.mark.postgres]


def test_a_database_outage_is_the_sites_503_in_the_pages_language_and_json_on_the_api():
    cluster = PostgresCluster().start()  # its own: stopping it disturbs no other test
    server = None
    try:
        url = cluster.create_database("louage_outage")
        server = LiveServer(database_url=url, workdir=tempfile.mkdtemp(prefix="louage-outage-"),
                            workers=1).start()  # fmt: skip
        assert server.env["DEBUG"] == "true" and "DEBUG_PAGES" not in server.env
        # Without Django's DEBUG, the app still serves its static files itself (whitenoise).
        assert httpx.get(server.url + "/static/css/louage.css", timeout=30).status_code == 200
        cluster.pause()
        page = httpx.get(server.url + "/stations/", cookies={"django_language": "ar"}, timeout=30)
        assert page.status_code == 503 and page.headers["Retry-After"]
        assert 'lang="ar" dir="rtl"' in page.text and "الخدمة غير متاحة مؤقتًا" in page.text
        assert "Traceback" not in page.text and "OperationalError" not in page.text
        api = httpx.get(server.url + "/api/v1/stations", timeout=30)
        assert api.status_code == 503 and api.json()["code"] == "unavailable"
        missing = httpx.get(server.url + "/static/nulle-part.css", timeout=30)
        assert missing.status_code == 404 and "Django" not in missing.text
    finally:
        if server:
            server.stop()
        cluster.stop()
