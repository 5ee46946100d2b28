"""Long operations in a real Chromium: a large roster import runs as a background job, taken
by a real worker process, whose page shows a progress bar that moves, passes axe, and forwards
to the result when done."""

import re

import pytest
from sqlalchemy import func, select

from matcher.extensions import db
from matcher.models import Membership
from tests.helpers import database_url
from tests.helpers.browser import build_world, log_in
from tests.servers import Worker

pytestmark = pytest.mark.browser
ROWS = 3000


@pytest.fixture
def site_settings() -> dict:
    return {"JOBS_IMPORT_MIN_ROWS": 500}


def roster(rows: int) -> str:
    lines = ["email,name,role,school,stage,specialties"]
    lines += [
        f"student{k}@westbrook.edu,Student {k},student,Westbrook School of Medicine,ms2,Dermatology"
        for k in range(rows)
    ]
    return "\r\n".join(lines) + "\r\n"


@pytest.fixture
def worker(site, tmp_path):
    settings = {"MATCHER_ENV": "testing", "DATABASE_URL": database_url(tmp_path)}
    with Worker({**settings, "SITE_URL": site.url}, tmp_path / "worker.log").start() as running:
        yield running


def test_a_large_import_shows_progress_and_forwards_to_the_roster(site, journey, worker, tmp_path):
    world = build_world(site)
    path = tmp_path / "big-roster.csv"
    path.write_text(roster(ROWS), encoding="utf-8")

    tab = journey("coordinator")
    log_in(tab, "cora@westbrook.edu", "coordinator-home")
    tab.goto(f"/groups/{world.group_id}/roster/import", "import")
    tab.page.set_input_files("#file", str(path))

    held = []
    tab.page.route(re.compile(r"/jobs/\d+\.json$"), lambda route: held.append(route))
    tab.click(tab.page.locator("main form").get_by_role("button", name="Import"), "progress")
    assert re.search(r"/jobs/\d+$", tab.page.url)
    assert tab.page.locator("#job").get_attribute("data-job-status") in {"queued", "running"}
    assert tab.page.locator("#job-progress").is_visible()

    seen: list[float] = []
    tab.page.expose_function("recordProgress", lambda value: seen.append(value))
    tab.page.evaluate(
        """() => new MutationObserver(() => recordProgress(
                document.getElementById("job-progress").value))
            .observe(document.getElementById("job-progress"), {attributes: true})"""
    )
    for route in held:
        route.continue_()
    tab.page.unroute(re.compile(r"/jobs/\d+\.json$"))
    with tab.page.expect_navigation(url=re.compile(r"/roster/"), timeout=60_000):
        pass
    tab.arrived("imported")
    assert re.search(rf"\b{ROWS:,}\b|\b{ROWS}\b", tab.page.inner_text(".flashes"))
    tab.finish()

    assert seen == sorted(seen)
    assert min(seen) < max(seen), f"the bar never moved: {seen}"
    with site.app.app_context():
        members = db.session.scalar(select(func.count()).select_from(Membership))
    assert members == ROWS
