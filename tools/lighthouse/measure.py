"""Lighthouse on the home and ticket pages of a live server with the demo data, in Debian's
Chromium at a phone's size (Lighthouse's mobile preset). From the repository root:

    (cd tools/lighthouse && npm ci)
    .venv/bin/python tools/lighthouse/measure.py

The reports go to var/lighthouse/; the scores are printed for docs/benchmarks.md. Lighthouse
12 has no PWA category any more: installability is Chromium's own verdict
(`Page.getInstallabilityErrors`), checked by tests/browser/test_installable_app.py and
printed here too.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "louage.settings")

from tests.support.servers import LiveAppFactory  # noqa: E402

LIGHTHOUSE = ROOT / "tools" / "lighthouse" / "node_modules" / ".bin" / "lighthouse"
CHROME = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
OUT = ROOT / "var" / "lighthouse"

SETUP = (
    "import json; from datetime import timedelta; from importlib import import_module;"
    "from django.conf import settings; from django.contrib.auth import SESSION_KEY, BACKEND_SESSION_KEY, HASH_SESSION_KEY;"
    "from louage.core import clock; from louage.accounts.models import User;"
    "from louage.booking import services; from louage.trips.models import Trip;"
    "u = User.objects.get(email='client2@louage.tn');"
    "t = Trip.objects.filter(kind='scheduled', status='scheduled', seats_available__gte=1,"
    " departure__gt=clock.now() + timedelta(hours=2)).order_by('departure').first();"
    "r = services.reserve_seats(trip=t, client=u, seats=1);"
    "services.record_cash_payment(reservation=r, by=t.origin.chief);"
    "s = import_module(settings.SESSION_ENGINE).SessionStore();"
    "s[SESSION_KEY] = str(u.pk); s[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0];"
    "s[HASH_SESSION_KEY] = u.get_session_auth_hash(); s.save();"
    "print(json.dumps({'id': r.pk, 'cookie': settings.SESSION_COOKIE_NAME + '=' + s.session_key}))"
)


def installable(url, cookie):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # A profile on disk: Chromium never installs from an incognito context.
        profile = tempfile.mkdtemp(prefix="louage-lighthouse-")
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=CHROME, args=["--no-sandbox"],
            viewport={"width": 360, "height": 740},
        )  # fmt: skip
        name, value = cookie.split("=", 1)
        context.add_cookies([{"name": name, "value": value, "url": url}])
        page = context.new_page()
        page.goto(url)
        page.wait_for_function("() => navigator.serviceWorker.controller !== null")
        errors = context.new_cdp_session(page).send("Page.getInstallabilityErrors")
        context.close()
        shutil.rmtree(profile, ignore_errors=True)
        return errors["installabilityErrors"]


def lighthouse(url, name, cookie=None):
    OUT.mkdir(parents=True, exist_ok=True)
    report = OUT / f"{name}.json"
    command = [
        str(LIGHTHOUSE), url, "--quiet", "--output=json", f"--output-path={report}",
        "--only-categories=performance,accessibility,best-practices",
        "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
    ]  # fmt: skip
    if cookie:
        command.append("--extra-headers=" + json.dumps({"Cookie": cookie}))
    subprocess.run(command, check=True, env={**os.environ, "CHROME_PATH": CHROME})  # noqa: S603
    data = json.loads(report.read_text())
    return {key: round(c["score"] * 100) for key, c in data["categories"].items()} | {
        "lcp_ms": round(data["audits"]["largest-contentful-paint"]["numericValue"]),
        "tbt_ms": round(data["audits"]["total-blocking-time"]["numericValue"]),
        "cls": round(data["audits"]["cumulative-layout-shift"]["numericValue"], 3),
    }


def main():
    factory = LiveAppFactory(get_cluster=None)
    try:
        app = factory("sqlite", workers=2, seed_demo=True)
        ticket = app.shell_json(SETUP)
        ticket_url = f"{app.url}/reservations/{ticket['id']}/billet/"
        print("installability errors:", installable(ticket_url, ticket["cookie"]))
        print("home:", lighthouse(f"{app.url}/", "home"))
        print("ticket:", lighthouse(ticket_url, "ticket", ticket["cookie"]))
    finally:
        factory.close()


if __name__ == "__main__":
    main()
