"""Browser-journey helpers: finding Chromium and axe-core, the live site and the checked
visitor's tab the fixtures hand out, and the group and log-in the journeys start from.

Chromium is found at ``$CHROMIUM`` or ``/usr/bin/chromium``; axe-core comes from the npm
registry into ``node_modules`` (``npm ci``). Both are installed by ``.ci/run``; ``make test``
says how to get them where they are missing.
"""

import json
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from flask import Flask

from matcher import vocabulary
from matcher.extensions import db
from matcher.models import Role
from tests.helpers import PASSWORD, SMTPServer, deliver, make_group, make_user
from tests.helpers.places import make_places
from tests.helpers.rounds import World

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = Path(os.environ.get("MATCHER_ARTIFACTS", ROOT / "test-artifacts")) / "screenshots"
CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
SERIOUS = {"serious", "critical"}
FIT_SLACK = 1
FIT = Path(__file__).with_name("fit.js").read_text(encoding="utf-8")


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        pytest.fail(
            "The browser journeys need Debian's Chromium: apt-get install chromium "
            "(or set CHROMIUM=/path/to/chromium), or leave them out with -m 'not browser'.",
            pytrace=False,
        )
    return path


def axe_source() -> str:
    if not AXE.exists():
        pytest.fail(
            f"axe-core is missing ({AXE.relative_to(ROOT)}): run `npm ci` in {ROOT}.",
            pytrace=False,
        )
    return AXE.read_text(encoding="utf-8")


@dataclass
class LiveSite:
    """The app served by a threaded WSGI server on loopback, with its mail on a real SMTP
    server; ``deliver()`` runs one pass of the outbox sender, as the worker would."""

    app: Flask
    url: str
    smtp: SMTPServer

    def deliver(self) -> None:
        deliver(self.app)

    def mail_to(self, address: str) -> list:
        self.deliver()
        return self.smtp.inbox.to(address)

    def link_in_mail(self, address: str, path_prefix: str) -> str:
        """The newest link to ``path_prefix`` in mail to ``address``, as a full URL."""
        for message in reversed(self.mail_to(address)):
            body = message.get_body(preferencelist=("plain",)).get_content()
            match = re.search(re.escape(self.url) + re.escape(path_prefix) + r"\S*", body)
            if match:
                return match.group(0)
        raise AssertionError(f"no {path_prefix} link in mail to {address}")


@dataclass
class Journey:
    """One visitor's tab. Every page it loads is checked with axe-core (no serious or critical
    violation) and photographed at phone and desktop widths, in the order visited."""

    page: object
    site: LiveSite
    name: str
    axe: str
    shots: list[Path] = field(default_factory=list)
    loaded: list[str] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.page.set_default_timeout(10_000)
        self.page.on("load", lambda page: self.loaded.append(page.url))
        self.page.on("dialog", lambda dialog: dialog.accept())
        self.errors: list[str] = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on(
            "console",
            lambda msg: self.errors.append(msg.text) if msg.type == "error" else None,
        )

    def goto(self, path: str, step: str) -> None:
        url = path if path.startswith("http") else self.site.url + path
        response = self.page.goto(url)
        assert response is not None
        assert response.status < 400, f"{url} answered {response.status}"
        self.arrived(step)

    def refused(self, path: str, step: str, status: int = 400) -> None:
        """Open a link the site answers with ``status`` (an expired or used emailed link): its
        page is checked like any other, and the browser's note of the status is no error."""
        url = path if path.startswith("http") else self.site.url + path
        response = self.page.goto(url)
        assert response is not None
        assert response.status == status, f"{url} answered {response.status}"
        expected = f"the server responded with a status of {status}"
        self.errors[:] = [e for e in self.errors if expected not in e]
        self.arrived(step)

    def arrived(self, step: str) -> None:
        """Check the page now shown: the browser raised no error, axe finds nothing serious,
        it fits a phone's and a desktop's width (see ``check_fit``), and a screenshot is saved
        at both widths."""
        self.page.wait_for_load_state("load")
        assert not self.errors, f"browser errors on {self.page.url}: {self.errors}"
        self.check_accessibility()
        self.screenshot(step)

    def check_accessibility(self) -> None:
        if not self.page.evaluate("() => typeof window.axe !== 'undefined'"):
            self.page.evaluate(self.axe)
        result = self.page.evaluate(
            """async () => {
                const r = await axe.run(document, {resultTypes: ["violations"]});
                return r.violations.map(v => ({
                    id: v.id, impact: v.impact, help: v.help,
                    nodes: v.nodes.slice(0, 5).map(n => n.target.join(" "))}));
            }"""
        )
        serious = [v for v in result if v["impact"] in SERIOUS]
        assert not serious, f"axe on {self.page.url}:\n" + json.dumps(serious, indent=2)
        self.checked.append(self.page.url)

    def check_fit(self, label: str) -> None:
        """At the window's width, the page does not scroll sideways and nothing is cut: no
        element in ``main`` runs past the window unless an element that scrolls itself (a
        table's wrapper) holds it, none is clipped by a box that hides overflow (an SVG chart's
        edge included), and no text spills out of its box."""
        problems = self.page.evaluate(FIT, FIT_SLACK)
        assert not problems, f"{self.page.url} at {label} width:\n" + "\n".join(problems)

    def screenshot(self, step: str) -> None:
        """Save the page at phone then desktop width, checking at each that it fits."""
        folder = ARTIFACTS / self.name
        folder.mkdir(parents=True, exist_ok=True)
        number = len(self.shots) // 2 + 1
        for label, size in (("phone", PHONE), ("desktop", DESKTOP)):
            self.page.set_viewport_size(size)
            path = folder / f"{number:02d}-{step}-{label}.png"
            self.page.screenshot(path=str(path), full_page=True)
            self.shots.append(path)
            self.check_fit(label)

    def click(self, target, step: str) -> None:
        """Click a selector or locator that loads a page, then check that page."""
        locator = self.page.locator(target) if isinstance(target, str) else target
        with self.page.expect_navigation():
            locator.click()
        self.arrived(step)

    def click_refused(self, target, step: str, status: int = 400) -> None:
        """Click a selector or locator that submits a form the site must answer with
        ``status`` and the form shown again (a clear message), then check that page; the
        browser's note of the status is no error."""
        locator = self.page.locator(target) if isinstance(target, str) else target
        with self.page.expect_navigation() as navigation:
            locator.click()
        assert navigation.value.status == status, (
            f"{self.page.url} answered {navigation.value.status}"
        )
        expected = f"the server responded with a status of {status}"
        self.errors[:] = [e for e in self.errors if expected not in e]
        self.arrived(step)

    def button(self, name: str):
        """The one button (``<button>`` or submit input) in the main content named ``name``."""
        return self.page.locator("main").get_by_role("button", name=name)

    def tab_to(self, selector: str, limit: int = 80) -> None:
        """Move the keyboard focus with Tab until ``selector`` has it, as a keyboard user
        would; the focused element must show a visible focus indicator."""
        target = self.page.locator(selector)
        for _ in range(limit):
            self.page.keyboard.press("Tab")
            if target.evaluate("el => el === document.activeElement"):
                outline = target.evaluate(
                    "el => { const s = getComputedStyle(el);"
                    " return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0"
                    " || s.boxShadow !== 'none'; }"
                )
                assert outline, f"{selector} has focus but no visible focus indicator"
                return
        raise AssertionError(f"Tab never reached {selector} on {self.page.url}")

    def finish(self) -> None:
        unchecked = [url for url in self.loaded if url not in self.checked]
        assert not unchecked, f"pages loaded but not checked: {unchecked}"
        assert not self.errors, f"browser errors: {self.errors}"


# --- the start of a journey -----------------------------------------------------------------------

GROUP = "Westbrook Dermatology Interest Group"


def build_world(site: LiveSite) -> World:
    with site.app.app_context():
        vocabulary.ensure_seeded()
        db.session.commit()
    make_places(site.app)
    coordinator = make_user(site.app, Role.COORDINATOR, "cora@westbrook.edu", "Dr. Cora Lind")
    group_id = make_group(
        site.app,
        GROUP,
        coordinators=(coordinator,),
        specialty_names=("Dermatology", "Plastic Surgery"),
    )
    return World(site.app, group_id, coordinator)


def log_in(tab, email: str, step: str = "logged-in") -> None:
    tab.goto("/login", "log-in")
    tab.page.get_by_label("Email").fill(email)
    tab.page.get_by_label("Password").fill(PASSWORD)
    tab.click(tab.button("Log in"), step)
