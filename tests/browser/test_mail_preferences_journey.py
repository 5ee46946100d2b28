"""Mail people want, in a real Chromium: a student picks the daily digest on their mail
settings page; two non-urgent emails (two groups approving their requests to join) are held;
the digest runs (the operators' command, as the worker does daily) and arrives as one email with
both, and running it again sends nothing; then the student unsubscribes from the digest's link,
which asks first, and the settings page shows it."""

import pytest

from matcher.extensions import db
from matcher.groups import services as groups
from matcher.models import InterestGroup, Role, User
from tests.helpers import make_group, make_user
from tests.helpers.browser import log_in

pytestmark = pytest.mark.browser


def run_digest(site) -> str:
    result = site.app.test_cli_runner().invoke(args=["outbox", "digest", "--now"])
    assert result.exit_code == 0, result.output
    return result.output


def test_student_gets_one_digest_once_then_unsubscribes_from_its_link(site, journey):
    student = make_user(site.app, Role.STUDENT, "sam@westbrook.edu", "Sam Okafor")
    coordinator = make_user(site.app, Role.COORDINATOR, "cora@westbrook.edu", "Dr. Cora Lind")
    names = ["Westbrook Dermatology Interest Group", "Westbrook Surgery Society"]
    group_ids = [
        make_group(site.app, name, coordinators=(coordinator,), policy="approval") for name in names
    ]

    tab = journey("student")
    log_in(tab, student.email)
    tab.click(tab.page.get_by_role("link", name="Account"), "account")
    tab.click(tab.page.get_by_role("link", name="Mail settings"), "mail-settings")
    assert tab.page.get_by_label("Each email as it happens").is_checked()
    tab.page.get_by_label("One daily digest of the non-urgent ones").check()
    tab.click(tab.button("Save mail settings"), "digest-chosen")
    assert "Non-urgent email now comes as one daily digest." in tab.page.inner_text(".flashes")
    assert tab.page.get_by_label("One daily digest of the non-urgent ones").is_checked()

    with site.app.app_context():
        person = db.session.get(User, student.id)
        for group_id in group_ids:
            groups.join(person, db.session.get(InterestGroup, group_id))
        db.session.commit()
    coord = journey("coordinator")
    log_in(coord, coordinator.email)
    for number, group_id in enumerate(group_ids, start=1):
        coord.goto(f"/groups/{group_id}", f"requests-{number}")
        coord.click(coord.button("Approve"), f"approved-{number}")
        assert "Sam Okafor is now a member." in coord.page.inner_text(".flashes")

    tab.goto("/account/mail", "two-held")
    assert "Waiting for your next digest: 2 messages" in tab.page.inner_text("main")
    assert site.mail_to(student.email) == []

    assert "1 digest with 2 messages" in run_digest(site)
    [digest] = site.mail_to(student.email)
    assert digest["Subject"] == "Your matcher digest: 2 messages"
    text = digest.get_content()
    first = text.index(f"1. You are now a member of {names[0]}")
    second = text.index(f"2. You are now a member of {names[1]}")
    assert first < second
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    assert "0 digests with 0 messages" in run_digest(site)
    assert len(site.mail_to(student.email)) == 1

    link = site.link_in_mail(student.email, "/unsubscribe/")
    assert digest["List-Unsubscribe"] == f"<{link}>"
    tab.goto(link, "unsubscribe-asks-first")
    assert "Unsubscribe from non-urgent email?" in tab.page.inner_text("main")
    tab.click(tab.button("Unsubscribe"), "unsubscribed")
    assert "You are unsubscribed" in tab.page.inner_text("main")
    tab.click(tab.page.get_by_role("link", name="Subscribe again"), "settings-unsubscribed")
    assert "You unsubscribed from non-urgent email on" in tab.page.inner_text("main")
    assert not tab.page.get_by_label("Send me non-urgent email").is_checked()
    tab.finish()
    coord.finish()
