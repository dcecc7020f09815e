"""Browser fixtures: the app served on 127.0.0.1 and Debian's Chromium driven by Playwright.

Nothing is downloaded: Playwright's Python wheel carries its driver, the browser is
``/usr/bin/chromium`` and axe-core comes inside axe-playwright-python. A missing part fails
the run loudly; it is never skipped.
"""

from __future__ import annotations

import os
import shutil
import threading

import pytest
from werkzeug.serving import make_server

from learn import create_app
from learn.config import database_url_for_tests
from learn.extensions import db
from tests.conftest import DATA, app_config, reset_database

CHROMIUM = os.environ.get("LEARN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless."""
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class LiveServer:
    """The app served by a real HTTP server in a thread."""

    def __init__(self, app, server, thread) -> None:
        self.app = app
        self.server = server
        self.thread = thread
        self.url = f"http://127.0.0.1:{server.server_port}"

    def run(self, fn, *args, **kwargs):
        """Run ``fn`` inside the served app's context (to seed or inspect data)."""
        with self.app.app_context():
            return fn(*args, **kwargs)


def _closing(app):
    """Serve ``app`` with each response read and closed before it is sent.

    Werkzeug's development server closes a response only after draining the request
    socket; when Chromium resets a connection (it does for favicons) that drain raises,
    the response's open static file is never closed, and its ResourceWarning fails a
    random later test. Reading the (small) body first closes the file every time.
    """

    def wsgi(environ, start_response):
        body = app(environ, start_response)
        try:
            return [b"".join(body)]
        finally:
            if hasattr(body, "close"):
                body.close()

    return wsgi


@pytest.fixture
def live_server(tmp_path):
    """Serve a fresh app on a free port; on SQLite the database is a file so threads share it."""
    url = database_url_for_tests()
    if url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'browser.db'}"
    app = create_app(
        app_config(
            url,
            CREDENTIAL_KEY_FILE=str(tmp_path / "key.pem"),
            BASE_URL="http://127.0.0.1",
        )
    )
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            reset_database()
        db.create_all()
    server = make_server("127.0.0.1", 0, _closing(app), threaded=True)
    app.config["BASE_URL"] = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    live = LiveServer(app, server, thread)
    yield live
    server.shutdown()
    thread.join(timeout=5)
    with app.app_context():
        db.session.remove()
        if db.engine.dialect.name != "sqlite":
            reset_database()
        db.engine.dispose()


@pytest.fixture
def page(browser):
    """A fresh browser context and page (no shared cookies between tests)."""
    context = browser.new_context(viewport={"width": 1024, "height": 800})
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.dialogs = dialogs
    yield page
    context.close()


def check_accessibility(page, label: str = "") -> None:
    """Fail with the list of WCAG 2.2 A/AA violations axe-core finds on the current page."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
    violations = results.response["violations"]
    if violations:
        lines = [f"axe-core found {len(violations)} violation(s) on {label or page.url}:"]
        for v in violations:
            targets = ", ".join(str(n["target"]) for n in v["nodes"][:5])
            lines.append(f"  {v['id']} ({v['impact']}): {v['help']} -> {targets}")
        pytest.fail("\n".join(lines))


@pytest.fixture
def seed_demo(live_server):
    """Import the demo course into the served app."""
    from learn.services.catalogue import import_path

    live_server.run(import_path, DATA / "content")
    return live_server


def visit(page, url: str, expect: int = 200):
    """Open ``url`` and fail unless the server answered ``expect`` (a 500 page is no pass)."""
    response = page.goto(url)
    assert response is not None and response.status == expect, (
        f"{url} answered {response.status if response else 'nothing'}, expected {expect}"
    )
    return response
