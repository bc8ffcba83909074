"""Playwright driving Debian's Chromium against a live web server.

Reusable by every journey: `browser_app` (a live server with the demo data) and `page`.
"""

import os
import shutil
from pathlib import Path

import pytest

from tests.support.system import missing_system_package

# Playwright's sync API runs an event loop in this thread; the tests only talk to the live
# server over HTTP and to its database through subprocesses, so Django's guard is moot here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def chromium_executable():
    path = (
        os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    )
    if not path:
        missing_system_package("chromium", "browser tests drive Debian's Chromium")
    return path


@pytest.fixture(scope="session")
def browser(chromium_executable):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_executable, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def browser_app(live_app, smtp_server):
    """A live server (SQLite, 2 workers) with the demo data loaded, sending its emails to a
    real SMTP server on loopback (`browser_app.smtp`)."""
    app = live_app(
        "sqlite",
        workers=2,
        seed_demo=True,
        env={"EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": smtp_server.port},
    )
    app.smtp = smtp_server
    return app


@pytest.fixture
def page(browser, browser_app):
    context = browser.new_context(
        base_url=browser_app.url, locale="fr-FR", viewport={"width": 390, "height": 844}
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


def login(page, email, password="louage-demo-2024"):
    page.goto("/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", password)
    page.click("main form button[type=submit]")
    page.wait_for_load_state("networkidle")


def open_menu(page):
    """On a phone-sized screen the navigation sits behind the ☰ button."""
    toggle = page.locator("label.nav-toggle-label")
    if toggle.is_visible() and not page.locator("nav.nav").is_visible():
        toggle.click()


def nav_click(page, text):
    """Follow a menu link as a person does: behind ☰ on a phone, under its group's button on a
    wide screen."""
    open_menu(page)
    link = page.locator("nav a", has_text=text).first
    group = link.locator("xpath=ancestor::div[@data-nav-group]")
    if group.count() and group.locator(".nav-group-toggle").is_visible():
        group.locator(".nav-group-toggle").click()
    link.click()


# --- The two screens every everyday journey is checked on, with screenshots kept ------------

VIEWPORTS = {"phone": (360, 740), "desktop": (1280, 800)}
ARTIFACTS = Path(
    os.environ.get(
        "TEST_ARTIFACTS_DIR", Path(__file__).resolve().parents[2] / "var" / "test-artifacts"
    )
)


@pytest.fixture(params=list(VIEWPORTS), ids=list(VIEWPORTS))
def screen(request, browser, browser_app):
    """A page at 360×740 (phone) or 1280×800 (desktop); `screen.shot("name")` saves a full-page
    screenshot under var/test-artifacts/screenshots/ (TEST_ARTIFACTS_DIR overrides)."""
    width, height = VIEWPORTS[request.param]
    context = browser.new_context(
        base_url=browser_app.url, locale="fr-FR", viewport={"width": width, "height": height}
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    folder = ARTIFACTS / "screenshots" / request.node.originalname
    folder.mkdir(parents=True, exist_ok=True)

    def shot(name):
        page.screenshot(path=str(folder / f"{request.param}-{name}.png"), full_page=True)

    page.shot = shot
    page.viewport_name = request.param
    yield page
    context.close()
