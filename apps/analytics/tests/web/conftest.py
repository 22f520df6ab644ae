"""Headless Chromium for the browser tests: Debian's /usr/bin/chromium driven by
Playwright (no browser download), one browser per session.

Without the browser these tests are skipped with the reason, unless
WEB_REQUIRE_BROWSER=1 (CI), where a missing browser fails them.
"""

import os
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.core.management import call_command

CHROMIUM = os.environ.get("WEB_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[4] / "artifacts" / "screenshots"
DEMO_PASSWORD = "demo"  # seed_demo's
LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}


def _browser_missing_reason() -> str | None:
    if not Path(CHROMIUM).exists():
        return f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (pip install -e '.[dev]')"
    return None


@pytest.fixture(scope="session")
def browser():
    reason = _browser_missing_reason()
    if reason:
        if os.environ.get("WEB_REQUIRE_BROWSER") == "1":
            pytest.fail(f"WEB_REQUIRE_BROWSER=1 but {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread; the test's
    # own database calls stay synchronous (Django's documented escape hatch).
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


def _seed(days: int) -> None:
    call_command("seed_demo", "--days", str(days), "--users", "6", verbosity=0)
    call_command("collect_analytics", "--period", "daily", "--days-back", str(days))


@pytest.fixture
def demo(transactional_db, settings):
    """A small demo organisation with daily rollups (seed_demo, as make run has)."""
    settings.ANALYTICS_BASE_URL = ""
    _seed(14)


@pytest.fixture
def long_demo(transactional_db, settings):
    """Six weeks of demo history: enough for the anomaly detector to warm up."""
    settings.ANALYTICS_BASE_URL = ""
    _seed(42)


class Visit:
    """A browser context signed in as one user, recording every request it makes."""

    def __init__(self, browser, live_server, *, width=1280, height=900):
        self.base = live_server.url
        self.context = browser.new_context(
            viewport={"width": width, "height": height}, accept_downloads=True
        )
        self.page = self.context.new_page()
        self.requests: list[str] = []
        self.page.on("request", lambda request: self.requests.append(request.url))

    def sign_in(self, username, password=DEMO_PASSWORD, next_path="/"):
        self.page.goto(f"{self.base}/accounts/login/?next={next_path}")
        self.page.get_by_label("Username").fill(username)
        self.page.get_by_label("Password").fill(password)
        self.page.get_by_role("button", name="Sign in").click()
        self.page.wait_for_load_state()
        return self

    def external_requests(self) -> list[str]:
        return [
            url
            for url in self.requests
            if urlparse(url).scheme in ("http", "https", "ws", "wss")
            and urlparse(url).hostname not in LOCAL_HOSTS
        ]

    def close(self):
        self.context.close()


@pytest.fixture
def visit(browser, live_server):
    opened = []

    def open_as(username, **size):
        session = Visit(browser, live_server, **size).sign_in(username)
        opened.append(session)
        return session

    yield open_as
    for session in opened:
        session.close()


def serious_violations(page) -> list[str]:
    """Run axe-core (bundled by axe-playwright-python) and list serious ones."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']}: {v['help']} ({len(v['nodes'])} nodes)"
        for v in results.response["violations"]
        if v.get("impact") in ("serious", "critical")
    ]


def screenshot(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
