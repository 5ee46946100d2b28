"""The group report in a real Chromium (#25): a student records the first meeting, both sides
get the early rating request by email and rate, and at the end of the cycle rate again; the
coordinator reads the report's charts and tables at 1280 and 390 px and downloads its figures as
CSV."""

import csv
import io
from pathlib import Path

import pytest
from sqlalchemy import select

from matcher.extensions import db
from matcher.introductions import services as introductions
from matcher.introductions.tick import tick
from matcher.models import Introduction, IntroductionFeedback, RatingStage, Round, User
from matcher.rounds import publishing
from tests.helpers import PASSWORD
from tests.helpers.browser import DESKTOP, PHONE, build_world, log_in

pytestmark = pytest.mark.browser

EARLY_SUBJECT = "How did your first meeting go? (Westbrook Dermatology Interest Group)"


def accepted_introductions(site, world, students: list[User]) -> dict[int, int]:
    """Publish a round for the students and have each mentor accept: the introduction of each
    student, by the student's id."""
    round_id = world.round(slots=("faculty",))
    world.enrol(round_id, *students)
    number = world.solve(round_id)
    with site.app.app_context():
        publishing.publish(
            db.session.get(Round, round_id), number, db.session.get(User, world.coordinator.id)
        )
        db.session.commit()
        found = {}
        for intro in db.session.scalars(select(Introduction).order_by(Introduction.id)):
            introductions.accept(intro, db.session.get(User, intro.mentor_id))
            found[intro.student_id] = intro.id
        db.session.commit()
    return found


def run_tick(site) -> None:
    with site.app.app_context():
        tick()
        db.session.commit()


def rate_on_page(tab, rating: str, comment: str, step: str) -> None:
    tab.page.get_by_label(rating).check()
    tab.page.locator("main textarea[name='comment']").fill(comment)
    tab.click(tab.button("Send"), step)
    assert "Thank you for your rating." in tab.page.inner_text(".flashes")


def chart_values_fit(tab, chart: str, width: int) -> list[str]:
    """The value labels of a chart, each checked to lie whole inside a window ``width`` wide."""
    values = tab.page.locator(f"#{chart} .chart-value")
    texts = []
    for k in range(values.count()):
        value = values.nth(k)
        assert value.is_visible()
        box = value.bounding_box()
        assert box is not None
        assert box["x"] >= 0, (chart, box)
        assert box["x"] + box["width"] <= width, (chart, box)
        texts.append(value.inner_text().strip())
    return texts


def test_early_ratings_and_the_report_with_charts_and_csv(site, journey, frozen_clock):
    world = build_world(site)
    ava = world.student("Ava Chen")
    ben = world.student("Ben Okafor")
    world.mentor("Ines Okafor", capacity=1)
    world.mentor("Jonas Weber", capacity=1)
    intros = accepted_introductions(site, world, [ava, ben])
    intro_id = intros[ava.id]
    with site.app.app_context():
        mentor = db.session.get(User, db.session.get(Introduction, intro_id).mentor_id)
        mentor_id, mentor_email, mentor_name = mentor.id, mentor.email, mentor.name
    frozen_clock.advance(days=6)

    student = journey("student")
    log_in(student, ava.email, "student-home")
    student.goto(f"/introductions/{intro_id}", "introduction")
    student.click(student.button("We met"), "met-asks-early-rating")
    shown = student.page.inner_text("#rating-early")
    assert "How did the first meeting go?" in shown
    assert "seen by the coordinators" in shown

    run_tick(site)
    for address in (ava.email, mentor_email):
        assert EARLY_SUBJECT in [m["Subject"] for m in site.mail_to(address)]
    link = site.link_in_mail(ava.email, f"/introductions/{intro_id}/feedback/early")
    assert site.link_in_mail(mentor_email, "/introductions/") == link

    student.goto(link, "early-rating-from-email")
    rate_on_page(student, "4 — well", "A warm first talk; we set a research plan.", "student-rated")
    assert "You rated the first meeting 4 of 5." in student.page.inner_text("#rating-early")

    mentor_tab = journey("mentor")
    mentor_tab.goto(link, "log-in-first")
    mentor_tab.page.get_by_label("Email").fill(mentor_email)
    mentor_tab.page.get_by_label("Password").fill(PASSWORD)
    mentor_tab.click(mentor_tab.button("Log in"), "early-rating-from-email")
    assert mentor_tab.page.url == link
    assert f"{ava.name} and {mentor_name}" in mentor_tab.page.inner_text("main h1")
    rate_on_page(mentor_tab, "5 — very well", "Keen and well prepared.", "mentor-rated")

    with site.app.app_context():
        intro = db.session.get(Introduction, intros[ben.id])
        introductions.mark_met(intro, db.session.get(User, ben.id), frozen_clock.now.date())
        introductions.give_feedback(
            intro, db.session.get(User, ben.id), 2, "We keep rescheduling.", RatingStage.EARLY
        )
        db.session.commit()

    frozen_clock.advance(days=120)
    run_tick(site)
    closing = journey("student-closing")
    log_in(closing, ava.email, "student-home")
    closing.goto(f"/introductions/{intro_id}", "introduction-completed")
    assert "You rated the first meeting 4 of 5." in closing.page.inner_text("#rating-early")
    closing.click(closing.page.locator("#rating-closing a"), "closing-rating")
    rate_on_page(closing, "5 — excellent", "Opened research doors.", "closing-rated")

    coordinator = journey("coordinator")
    log_in(coordinator, world.coordinator.email, "coordinator-home")
    coordinator.goto(f"/groups/{world.group_id}/introductions", "introductions")
    coordinator.click("main a:text-is('Report')", "report")
    for width, size in ((PHONE["width"], PHONE), (DESKTOP["width"], DESKTOP)):
        coordinator.page.set_viewport_size(size)
        assert coordinator.page.locator("#funnel-chart-title").is_visible()
        assert coordinator.page.locator("#ratings-chart-title").is_visible()
        assert chart_values_fit(coordinator, "funnel", width) == [
            "2",
            "2 · 100% of the step before",
            "2 · 100% of the step before",
            "2 · 100% of the step before",
        ]
        assert chart_values_fit(coordinator, "ratings", width) == [
            "1 early",
            "1 closing",
            "1 early",
            "0 closing",
            "0 early",
            "0 closing",
            "1 early",
            "0 closing",
            "0 early",
            "0 closing",
        ]
    report = coordinator.page.inner_text("main")
    assert "Keen and well prepared." in report
    assert "We keep rescheduling." in report
    assert coordinator.page.inner_text("#average-early") == "3.67"
    assert coordinator.page.inner_text("#average-closing") == "5.00"

    with coordinator.page.expect_download() as download_info:
        coordinator.page.click("#report-csv")
    download = download_info.value
    assert download.suggested_filename == f"group-{world.group_id}-introduction-report.csv"
    text = Path(download.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["Section", "Item", "Stage", "Given by", "Value", "Count"]
    assert ["Funnel", "Cycle completed", "", "", "2", ""] in rows
    by_kind = "Average rating by kind of mentor"
    assert [by_kind, "Faculty", "After the first meeting", "Students", "3.0", "2"] in rows
    assert [by_kind, "Faculty", "At the end of the cycle", "Students", "5.0", "1"] in rows

    for tab in (student, mentor_tab, closing, coordinator):
        tab.finish()
    with site.app.app_context():
        given = {
            (f.user_id, f.stage, f.rating)
            for f in db.session.scalars(
                select(IntroductionFeedback).where(IntroductionFeedback.introduction_id == intro_id)
            )
        }
    assert given == {
        (ava.id, RatingStage.EARLY, 4),
        (mentor_id, RatingStage.EARLY, 5),
        (ava.id, RatingStage.CLOSING, 5),
    }
