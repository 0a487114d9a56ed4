"""Real-browser harness: Debian's Chromium driven by Playwright, a live waitress server
running the real app on 127.0.0.1 against a fresh store, and axe-core for WCAG 2.1 A/AA.

Never downloads a browser. Without /usr/bin/chromium the browser tests are deselected at
collection, unless TRACKER_TEST_REQUIRE_BROWSER=1 (CI), where a missing browser is an error.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_support import LiveServer
from playwright.sync_api import Browser, Page, Playwright, sync_playwright
from support import COMPILED_TEMPLATES, Stores, add_users
from waitress import wasyncore
from waitress.server import create_server

from projections.runner import EmbeddedProjections
from tracker.config import Settings
from tracker.runtime import open_runtime
from web import create_app

CHROMIUM = Path(os.environ.get("TRACKER_TEST_CHROMIUM", "/usr/bin/chromium"))
REQUIRE_BROWSER = os.environ.get("TRACKER_TEST_REQUIRE_BROWSER") == "1"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect (not skip) the browser tests when there is no browser on a developer box."""
    if CHROMIUM.exists():
        return
    browser_items = [item for item in items if item.get_closest_marker("browser")]
    if not browser_items:
        return
    if REQUIRE_BROWSER:
        raise pytest.UsageError(
            f"TRACKER_TEST_REQUIRE_BROWSER=1 but {CHROMIUM} is missing: apt-get install chromium"
        )
    config.hook.pytest_deselected(items=browser_items)
    items[:] = [item for item in items if not item.get_closest_marker("browser")]


@pytest.fixture
def store() -> str:
    # The web layer is identical on both stores (the store-backed suites cover PostgreSQL);
    # a browser run per store would double the slowest tests for no new coverage.
    return "sqlite"


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    with sync_playwright() as instance:
        yield instance


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    launched = playwright_instance.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )
    yield launched
    launched.close()


@pytest.fixture
def live_server(
    settings: Settings, stores: Stores, quick_password_hashing: None,
) -> Iterator[LiveServer]:
    """The real app (create_app) on waitress, 127.0.0.1, a free port, in a thread, with the
    projections running embedded as under `tracker serve`."""
    runtime = open_runtime(settings, create_schema=not stores.is_built(settings.database_url))
    add_users(runtime)
    flask_app = create_app(runtime=runtime)
    flask_app.config["RATELIMIT_ENABLED"] = False
    flask_app.jinja_env.bytecode_cache = COMPILED_TEMPLATES
    server = create_server(flask_app, host="127.0.0.1", port=0, threads=4)
    projections = EmbeddedProjections(runtime)
    projections.start()
    thread = threading.Thread(target=server.run, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.effective_port}", runtime, settings)
    finally:
        # Everything in waitress's loop closed from inside the loop (its trigger wakes it):
        # the listening socket, and the connections the browser still keeps alive, which
        # kept the loop running after server.close() until the join gave up after 5 s.
        server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map))
        thread.join(timeout=5)
        server.task_dispatcher.shutdown()  # its request threads, not left waiting
        projections.stop()
        runtime.close()
    assert not thread.is_alive(), "the live server did not stop"


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="sv-SE", timezone_id="Europe/Stockholm")
    context.set_default_timeout(10_000)
    opened = context.new_page()
    yield opened
    context.close()
