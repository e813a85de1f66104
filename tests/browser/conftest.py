"""Headless Chromium (Debian's, driven by Playwright) against the session's real server,
with the workbench and GraphiQL routes added by tests/browser/pages.py."""

import importlib.util
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from server.graphiql import FETCH_COMMAND, missing_assets
from tests.browser.pages import add_pages

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

    from tests.conftest import ThreadedServer

CHROMIUM = os.environ.get("HELPDESK_CHROMIUM", "/usr/bin/chromium")
# The flags that work on these machines: without the background-networking ones,
# Chromium keeps dialling Google's hosts through a closed network. Playwright adds
# --headless and a fresh, empty --user-data-dir of its own.
CHROMIUM_FLAGS = [
    "--no-sandbox",  # we run as root
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Where to save screenshots, if anywhere (HELPDESK_SCREENSHOT_DIR=/tmp/shots pytest ...).
SCREENSHOT_DIR = os.environ.get("HELPDESK_SCREENSHOT_DIR")


def require(missing: str | None) -> None:
    """A missing browser or asset skips the test on a laptop but fails it in CI, where
    the install step must have provided it."""
    if missing is None:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true: {missing}", pytrace=False)
    pytest.skip(missing)


def browser_missing() -> str | None:
    if importlib.util.find_spec("playwright") is None:
        return "the Python package playwright is not installed: pip install -e '.[dev]'"
    if not os.access(CHROMIUM, os.X_OK):
        return f"no Chromium at {CHROMIUM}: apt-get install -y chromium (or set HELPDESK_CHROMIUM)"
    return None


def graphiql_missing() -> str | None:
    missing = missing_assets()
    return f"GraphiQL assets not fetched ({', '.join(missing)}): run {FETCH_COMMAND}" if missing else None


@pytest.fixture(scope="session")
def site(server: "ThreadedServer") -> str:
    """The base URL of the session's server, with the pages' routes in place."""
    app: Any = server.server.config.app
    add_pages(app)
    return server.base_url


# Module scope, not session: while Playwright's sync API is up, its event loop counts as
# running in this thread, and later tests that call asyncio.run() would fail.
@pytest.fixture(scope="module")
def browser() -> Iterator["Browser"]:
    require(browser_missing())
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: "Browser") -> Iterator["Page"]:
    """A fresh context per test: its own local storage, so no token carries over."""
    context = browser.new_context(color_scheme="light", viewport={"width": 1400, "height": 900})
    context.set_default_timeout(15_000)
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    yield opened
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def screenshot(page: "Page", name: str) -> None:
    if SCREENSHOT_DIR:
        Path(SCREENSHOT_DIR).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOT_DIR) / f"{name}.png"), full_page=True)
