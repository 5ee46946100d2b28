"""The group's introduction report: the funnel and the early and closing ratings charted as on
the dashboard, the figures in tables, and the same figures as a CSV safe for spreadsheets."""

import csv
import io

from matcher.extensions import db
from matcher.models import MentorType, RematchPolicy, Specialty
from tests.helpers import give_mentor_profile, logged_in, post_form
from tests.helpers.introductions import report_cells

FORMULA = '=HYPERLINK("http://evil.example","Paediatrics")'


def rate(world, user, intro_id: int, stage: str, rating: int, comment: str = "") -> None:
    page = f"/introductions/{intro_id}"
    url = f"{page}/feedback/early" if stage == "early" else f"{page}/feedback"
    response = post_form(
        logged_in(world.app, user), url, {"rating": str(rating), "comment": comment}, page=url
    )
    assert response.status_code == 302, response.get_data(as_text=True)


def rated_group(world, frozen_clock) -> tuple[int, int]:
    """A faculty pair and a resident pair (of a specialty named like a formula) who met and
    rated early and at the close, and a declined request."""
    world.set_group(rematch_policy=RematchPolicy.COORDINATOR)
    with world.app.app_context():
        db.session.add(Specialty(name=FORMULA))
        db.session.commit()
    give_mentor_profile(
        world.app, world.mentors[1], specialty=FORMULA, mentor_type=MentorType.RESIDENT, pgy=2
    )
    first = world.accepted()
    second = world.accepted(world.students[1], world.mentors[1])
    [declined] = world.propose((world.students[1], world.mentors[2]))
    post_form(logged_in(world.app, world.mentors[2]), f"/introductions/{declined}/decline", {})
    frozen_clock.advance(days=4)
    world.met(first, frozen_clock.now.date())
    world.met(second, frozen_clock.now.date(), world.students[1])
    rate(world, world.student, first, "early", 4, "Good first talk.")
    rate(world, world.mentor, first, "early", 5)
    rate(world, world.students[1], second, "early", 2, "@SUM(A1:A9) felt rushed")
    frozen_clock.advance(days=120)
    world.tick()
    rate(world, world.student, first, "closing", 5, "Opened research doors.")
    rate(world, world.students[1], second, "closing", 3)
    return first, second


def test_the_report_charts_the_funnel_and_both_ratings(world, frozen_clock):
    rated_group(world, frozen_clock)
    page = logged_in(world.app, world.coordinator).get(
        f"/groups/{world.group_id}/introductions/report"
    )
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert '<figcaption id="funnel-chart-title">Introductions at each step</figcaption>' in text
    assert (
        "Introduced: 3; Accepted: 2 (67% of the step before); Met: 2 (100% of the step before);"
        " Cycle completed: 2 (100% of the step before)"
    ) in text
    assert '<figcaption id="ratings-chart-title">How many gave each rating' in text
    assert (
        "Rated 5: early 1, closing 1; Rated 4: early 1, closing 0; Rated 3: early 0, closing 1;"
        " Rated 2: early 1, closing 0; Rated 1: early 0, closing 0"
    ) in text
    assert '<strong id="acceptance-rate">67%</strong>' in text
    assert '<strong id="average-early">3.67</strong>' in text
    assert '<strong id="average-closing">4.00</strong>' in text
    assert report_cells(text, "ratings-kind-early", "Faculty") == ["4.00 (1)", "5.00 (1)"]
    assert report_cells(text, "ratings-kind-closing", "Faculty") == ["5.00 (1)", "— (0)"]
    assert report_cells(text, "ratings-kind-early", "Resident") == ["2.00 (1)", "— (0)"]
    assert report_cells(text, "ratings-kind-closing", "Resident") == ["3.00 (1)", "— (0)"]
    assert report_cells(text, "ratings-specialty-early", "Dermatology") == ["4.00 (1)", "5.00 (1)"]
    assert "<caption>After the first meeting, by kind of mentor</caption>" in text
    assert "<caption>At the end of the cycle, by specialty</caption>" in text
    assert "Good first talk." in text
    assert "4/5 after the first meeting" in text
    assert "5/5 at the end of the cycle" in text
    assert f'href="/groups/{world.group_id}/introductions/report.csv"' in text


def test_the_figures_download_as_csv_that_runs_no_formula(world, frozen_clock):
    rated_group(world, frozen_clock)
    coordinator = logged_in(world.app, world.coordinator)
    response = coordinator.get(f"/groups/{world.group_id}/introductions/report.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="group-{world.group_id}-introduction-report.csv"'
    )
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == ["Section", "Item", "Stage", "Given by", "Value", "Count"]
    assert rows[1:5] == [
        ["Funnel", "Introduced", "", "", "3", ""],
        ["Funnel", "Accepted", "", "", "2", ""],
        ["Funnel", "Met", "", "", "2", ""],
        ["Funnel", "Cycle completed", "", "", "2", ""],
    ]
    assert ["Status", "Declined", "", "", "1", ""] in rows
    assert ["Acceptance", "Accepted, % of answered or expired requests", "", "", "67", "3"] in rows
    assert ["Days from acceptance to first meeting", "Median", "", "", "4.0", "2"] in rows
    assert ["Ratings given", "Rated 4", "After the first meeting", "", "1", ""] in rows
    assert [
        "Average rating",
        "All introductions",
        "At the end of the cycle",
        "Both sides",
        "4.0",
        "2",
    ] in rows
    by_kind = "Average rating by kind of mentor"
    assert [by_kind, "Faculty", "After the first meeting", "Mentors", "5.0", "1"] in rows
    assert [by_kind, "Faculty", "At the end of the cycle", "Mentors", "", "0"] in rows
    specialties = [r for r in rows if r[0] == "Average rating by specialty"]
    assert {r[1] for r in specialties} == {"Dermatology", "'" + FORMULA}
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@")), row


def test_an_empty_report_and_who_may_read_it(world):
    coordinator = logged_in(world.app, world.coordinator)
    url = f"/groups/{world.group_id}/introductions/report"
    text = coordinator.get(url).get_data(as_text=True)
    assert "No introductions yet." in text
    assert "No ratings yet." in text
    assert 'id="ratings-chart-title"' not in text
    rows = list(csv.reader(io.StringIO(coordinator.get(f"{url}.csv").get_data(as_text=True))))
    assert ["Funnel", "Introduced", "", "", "0", ""] in [
        [c.lstrip("\ufeff") for c in r] for r in rows
    ]
    assert ["Acceptance", "Accepted, % of answered or expired requests", "", "", "", "0"] in rows
    student = logged_in(world.app, world.student)
    assert student.get(url).status_code == 404
    assert student.get(f"{url}.csv").status_code == 404
