"""Real-browser journey fixtures: the site served on loopback, Debian's Chromium driven by
Playwright, and tabs that run axe-core on every page they load and take screenshots at phone
and desktop widths (the helpers are in ``tests/helpers/browser.py``).
"""

import threading
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server

from tests.helpers import SMTPServer, dispose, free_port, make_app
from tests.helpers.browser import (
    CHROMIUM_FLAGS,
    DESKTOP,
    Journey,
    LiveSite,
    axe_source,
    chromium_path,
)


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def site_settings() -> dict:
    """Settings of the live site beyond the test defaults; a test module may override it."""
    return {}


@pytest.fixture
def site(tmp_path, site_settings) -> Iterator[LiveSite]:
    smtp = SMTPServer()
    smtp.start()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    app = make_app(
        tmp_path,
        SITE_URL=url,
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=smtp.port,
        MAIL_USE_TLS=False,
        MAIL_TIMEOUT=5,
        WTF_CSRF_SSL_STRICT=False,
        **site_settings,
    )
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LiveSite(app, url, smtp)
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()
    smtp.stop()
    dispose(app)


@pytest.fixture
def journey(request, chromium, site) -> Iterator:
    """Open tabs on the live site, each a :class:`Journey` named after the test."""
    axe = axe_source()
    contexts = []

    def open_tab(who: str, timezone_id: str | None = None) -> Journey:
        """``timezone_id``: the browser's own time zone (an IANA name; Chromium's default
        without)."""
        zone = {"timezone_id": timezone_id} if timezone_id else {}
        context = chromium.new_context(viewport=DESKTOP, locale="en-US", **zone)
        contexts.append(context)
        name = f"{request.node.name.removeprefix('test_')}/{who}"
        return Journey(context.new_page(), site, name, axe)

    yield open_tab
    for context in contexts:
        context.close()
