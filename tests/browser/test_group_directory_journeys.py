"""Finding a group without an invite link, in a real Chromium at 1280 and 390 px: a coordinator
lists the group, a student with no group goes from the home page to the directory, searches,
asks to join, and the coordinator approves; a student mistypes an invite code and retries from
the box on the wrong-code page, then pastes the whole link. axe checks every page on the way."""

import pytest

from matcher.extensions import db
from matcher.models import InterestGroup, Membership, MembershipStatus, Role
from tests.helpers import PASSWORD, make_group, make_user
from tests.helpers.browser import GROUP, build_world, log_in

pytestmark = pytest.mark.browser


OTHER = "Lakeside Cardiology Circle for Students Interested in Interventional and Structural Work"


def test_student_finds_a_listed_group_asks_to_join_and_is_approved(site, journey):
    world = build_world(site)
    world.mentor("Dr. Ines Okafor")
    make_group(site.app, "Quiet Derm Club", specialty_names=("Dermatology",))
    make_group(site.app, OTHER, specialty_names=("Cardiology",))
    with site.app.app_context():
        for group in db.session.scalars(db.select(InterestGroup)):
            group.listed = group.name == OTHER
        db.session.commit()
    student = make_user(
        site.app,
        Role.STUDENT,
        "aleksandra.konstantinopoulou-whitfield@students.lakeside.edu",
        "Aleksandra Konstantinopoulou-Whitfield",
    )

    coordinator = journey("coordinator")
    log_in(coordinator, "cora@westbrook.edu", "home")
    coordinator.goto(f"/groups/{world.group_id}", "group-not-listed")
    assert "Not listed in the group directory" in coordinator.page.inner_text("main")
    coordinator.click(
        coordinator.page.locator("main").get_by_role("link", name="List it in the directory"),
        "edit",
    )
    coordinator.page.get_by_label("Description").fill(
        "Monthly clinic shadowing and a match round each semester for Westbrook students."
    )
    coordinator.page.get_by_role("radio", name="asks; a coordinator approves").check()
    coordinator.page.get_by_label("List the group in the group directory").check()
    coordinator.click(coordinator.button("Save group"), "listed")
    assert "Listed in the group directory" in coordinator.page.inner_text("main")

    tab = journey("student")
    log_in(tab, student.email, "home-without-a-group")
    home = tab.page.inner_text("main")
    assert "You are not in an interest group yet" in home
    assert tab.page.locator("nav[aria-label=Main] a[href='/groups/find']").count() == 1
    tab.click(tab.page.locator("main").get_by_role("link", name="Find a group"), "directory")
    listed = tab.page.locator(".group-listings h2").all_inner_texts()
    assert sorted(listed) == sorted([GROUP, OTHER])
    assert "Quiet Derm Club" not in tab.page.inner_text("main")

    tab.page.get_by_label("Name, specialty or institution").fill("dermatology")
    tab.click(tab.button("Search"), "searched")
    assert tab.page.locator(".group-listings h2").all_inner_texts() == [GROUP]
    assert "/groups/find?q=dermatology" in tab.page.url
    tab.click(tab.page.get_by_role("link", name=GROUP), "group-listing")
    main = tab.page.inner_text("main")
    assert "Monthly clinic shadowing" in main
    assert "The coordinators approve each request" in main
    tab.click(tab.button("Ask to join"), "asked")
    main = tab.page.inner_text("main")
    assert f"Your request to join {GROUP} is with its coordinators." in main
    assert "Requests waiting for approval" in main
    tab.goto("/", "home-request-waiting")
    assert (
        f"Waiting for the coordinators to approve your request to join {GROUP}."
        in tab.page.inner_text("main")
    )

    [email] = site.mail_to("cora@westbrook.edu")
    assert email["Subject"] == f"Aleksandra Konstantinopoulou-Whitfield asks to join {GROUP}"
    coordinator.goto(f"/groups/{world.group_id}", "request-waiting")
    requests = coordinator.page.locator("main section", has_text="Join requests")
    assert "Aleksandra Konstantinopoulou-Whitfield" in requests.inner_text()
    coordinator.click(requests.get_by_role("button", name="Approve"), "approved")
    assert "Aleksandra Konstantinopoulou-Whitfield is now a member." in coordinator.page.inner_text(
        "main"
    )
    with site.app.app_context():
        status = db.session.scalar(
            db.select(Membership.status).where(Membership.user_id == student.id)
        )
    assert status is MembershipStatus.ACTIVE
    [approved] = site.mail_to(student.email)
    assert approved["Subject"] == f"You are now a member of {GROUP}"

    tab.goto("/groups/find", "directory-member")
    card = tab.page.locator(".group-listings li", has_text=GROUP)
    assert "You are a member." in card.inner_text()
    tab.click(card.get_by_role("link", name="Open the group"), "group-page")
    assert GROUP in tab.page.inner_text("main h1")
    coordinator.finish()
    tab.finish()


def test_student_mistypes_an_invite_code_and_retries_from_the_box(site, journey):
    world = build_world(site)
    with site.app.app_context():
        code = db.session.get(InterestGroup, world.group_id).invite_code
    student = make_user(site.app, Role.STUDENT, "omar.haddad@students.westbrook.edu", "Omar Haddad")

    tab = journey("student")
    log_in(tab, student.email, "home")
    tab.click(tab.page.locator("main").get_by_role("link", name="I have an invite code"), "groups")
    box = tab.page.get_by_label("Invite code or link")
    box.fill(code[:-2] + "xx")
    tab.click_refused(tab.button("Find the group"), "wrong-code", 404)
    main = tab.page.inner_text("main")
    assert "This invite link or code does not work" in main
    assert box.input_value() == code[:-2] + "xx"
    assert tab.page.locator("main a[href='/groups/find']").count() == 1

    wrong_link = (
        f"{site.url}/join/{code[:-2]}xx?utm_source=newsletter&utm_medium=email"
        "&utm_campaign=spring-mentorship-match-for-westbrook-students"
    )
    box.fill(wrong_link)
    tab.click_refused(tab.button("Find the group"), "wrong-link", 404)
    assert f"No group has the code {code[:-2]}xx." in tab.page.inner_text("main")
    assert box.input_value() == wrong_link

    box.fill("")
    tab.click_refused(tab.button("Find the group"), "empty-code", 400)
    assert "Type the invite code your coordinator gave you." in tab.page.inner_text("main")

    box.fill(f"  {site.url}/join/{code}  ")
    tab.click(tab.button("Find the group"), "right-group")
    assert tab.page.url == f"{site.url}/join/{code}"
    assert GROUP in tab.page.inner_text("main h1")
    tab.click(tab.button("Join the group"), "joined")
    assert f"You are a member of {GROUP}." in tab.page.inner_text("main")
    tab.finish()


def test_visitor_finds_a_group_from_the_landing_page_logs_in_and_joins(site, journey):
    world = build_world(site)
    with site.app.app_context():
        db.session.get(InterestGroup, world.group_id).listed = True
        db.session.commit()
    student = make_user(site.app, Role.STUDENT, "noor.amin@students.lakeside.edu", "Noor Amin")

    tab = journey("visitor")
    tab.goto("/", "landing")
    tab.click(tab.page.locator("main").get_by_role("link", name="Find an interest group"), "dir")
    assert tab.page.locator(".group-listings h2").all_inner_texts() == [GROUP]
    tab.click(tab.page.get_by_role("link", name=GROUP, exact=True), "group-listing")
    assert "Joining: Joins at once." in tab.page.inner_text("main")
    tab.click(tab.page.locator("main").get_by_role("link", name="Log in to join"), "log-in")
    tab.page.get_by_label("Email").fill(student.email)
    tab.page.get_by_label("Password").fill(PASSWORD)
    tab.click(tab.button("Log in"), "back-at-the-group")
    assert tab.page.url == f"{site.url}/groups/find/{world.group_id}"
    tab.click(tab.button("Join the group"), "member")
    assert f"You are a member of {GROUP}." in tab.page.inner_text("main")
    assert tab.page.url == f"{site.url}/groups/{world.group_id}"
    tab.finish()
