"""The coordinator's draft page: pinned and barred pairs marked with their undo, solving again
from the draft, the warning and confirmation before publishing a draft older than the round's
settings, pins or bars, the blocking pairs by name, round pages that read true in each phase,
and the new-round form's seats."""

import re
from datetime import timedelta
from html import unescape

from sqlalchemy import func, select

from matcher.extensions import db
from matcher.models import Introduction, Job, Round, RoundStatus, User
from matcher.rounds import drafts, taking_part
from tests.helpers import logged_in, post_form
from tests.helpers.rounds import round_form


def text_of(response) -> str:
    """The page's words, without tags and with spaces collapsed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def paired_round(world, students=2, mentors=2):
    """A round of ``students`` students and ``mentors`` one-place faculty mentors, solved once."""
    people = [world.student(f"Student {k}") for k in range(students)]
    tutors = [world.mentor(f"Dr Mentor {k}") for k in range(mentors)]
    round_id = world.round()
    world.enrol(round_id, *people)
    world.solve(round_id)
    return round_id, people, tutors


def matched_pair(world, round_id: int, number: int = 1) -> tuple[int, int]:
    return next(
        (o.student_id, o.mentor_id)
        for o in world.outcomes(round_id, number).values()
        if o.mentor_id is not None
    )


def constrain(client, round_id: int, student_id: int, mentor_id: int, kind: str, back: str):
    return post_form(
        client,
        f"/rounds/{round_id}/constraints",
        {"student_id": student_id, "mentor_id": mentor_id, "kind": kind, "back": back},
        page=back,
    )


def test_a_barred_pair_is_marked_barred_with_an_un_bar_that_returns_to_the_same_filter(app, world):
    round_id, _, _ = paired_round(world)
    student_id, mentor_id = matched_pair(world, round_id)
    client = logged_in(app, world.coordinator)
    filtered = f"/rounds/{round_id}/drafts/1?slot=faculty&outcome=matched&q="

    response = constrain(client, round_id, student_id, mentor_id, "bar", filtered)
    assert response.status_code == 303
    assert response.headers["Location"] == filtered
    page = client.get(filtered)
    html = page.get_data(as_text=True)
    assert "Barred. Solve again; that pair will not be made." in html
    assert '<span class="badge mark-bar">Barred</span>' in html
    assert "never made; solve again to replace it" in html
    assert ">Un-bar</button>" in html
    assert ">Unpin</button>" not in html

    response = constrain(client, round_id, student_id, mentor_id, "remove", filtered)
    assert response.status_code == 303
    assert response.headers["Location"] == filtered
    follow = client.get(filtered).get_data(as_text=True)
    assert "Un-barred. Solve again" in follow
    assert "mark-bar" not in follow

    constrain(client, round_id, student_id, mentor_id, "pin", filtered)
    html = client.get(filtered).get_data(as_text=True)
    assert "Pinned. Solve again to place the pair first." in html
    assert '<span class="badge mark-pin">Pinned</span>' in html
    assert ">Un-pin</button>" in html
    constrain(client, round_id, student_id, mentor_id, "remove", filtered)
    assert "Un-pinned. Solve again" in client.get(filtered).get_data(as_text=True)


def test_the_round_page_lists_pins_and_bars_with_their_undo(app, world):
    round_id, _, _ = paired_round(world)
    student_id, mentor_id = matched_pair(world, round_id)
    client = logged_in(app, world.coordinator)
    constrain(client, round_id, student_id, mentor_id, "bar", f"/rounds/{round_id}")
    page = text_of(client.get(f"/rounds/{round_id}"))
    with app.app_context():
        student, mentor = db.session.get(User, student_id), db.session.get(User, mentor_id)
        names = student.name, mentor.name
    assert f"Barred : {names[0]} with {names[1]}" in page
    assert "Un-bar" in page


def test_the_draft_page_solves_again(app, world):
    round_id, _, _ = paired_round(world)
    client = logged_in(app, world.coordinator)
    draft = f"/rounds/{round_id}/drafts/1"
    html = client.get(draft).get_data(as_text=True)
    solve_form = re.search(
        r'<form method="post" action="/rounds/\d+/solve"[^>]*>(.*?)</form>', html, re.S
    )
    assert solve_form is not None
    assert 'name="csrf_token"' in solve_form.group(1)
    assert "Solve again" in solve_form.group(1)
    response = post_form(client, f"/rounds/{round_id}/solve", page=draft)
    assert response.status_code == 303
    assert response.headers["Location"] == f"/rounds/{round_id}/drafts/2"


def test_a_large_round_solves_again_from_the_draft_page_as_a_job(large_world):
    world = large_world
    round_id, _, _ = paired_round(world)
    client = logged_in(world.app, world.coordinator)
    draft = f"/rounds/{round_id}/drafts/1"
    response = post_form(client, f"/rounds/{round_id}/solve", page=draft)
    assert response.status_code == 303
    assert re.fullmatch(r"/jobs/\d+", response.headers["Location"])
    with world.app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Job)) == 1


def test_a_large_outdated_draft_queues_no_publish_without_a_confirmation(large_world):
    world = large_world
    round_id, _, _ = paired_round(world)
    student_id, mentor_id = matched_pair(world, round_id)
    client = logged_in(world.app, world.coordinator)
    draft = f"/rounds/{round_id}/drafts/1"
    constrain(client, round_id, student_id, mentor_id, "bar", draft)
    refused = post_form(client, f"/rounds/{round_id}/publish", {"draft": "1"}, page=draft)
    assert refused.status_code == 400
    assert "Nothing was published." in text_of(refused)
    with world.app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Job)) == 0
        assert db.session.get(Round, round_id).status is RoundStatus.OPEN
    queued = post_form(
        client, f"/rounds/{round_id}/publish", {"draft": "1", "confirm_outdated": "y"}, page=draft
    )
    assert queued.status_code == 303
    assert re.fullmatch(r"/jobs/\d+", queued.headers["Location"])


def test_publishing_a_draft_older_than_the_round_needs_a_confirmation(app, world):
    round_id, _, _ = paired_round(world)
    student_id, mentor_id = matched_pair(world, round_id)
    client = logged_in(app, world.coordinator)
    draft = f"/rounds/{round_id}/drafts/1"
    assert "older than the round's latest changes" not in client.get(draft).get_data(as_text=True)
    settings = round_form(name="Autumn round")
    assert post_form(client, f"/rounds/{round_id}/settings", settings).status_code == 302
    assert "older than the round's latest changes" not in client.get(draft).get_data(as_text=True)

    constrain(client, round_id, student_id, mentor_id, "bar", draft)
    settings = round_form(name="Autumn round", w_goals="3")
    saved = post_form(client, f"/rounds/{round_id}/settings", settings)
    assert saved.status_code == 302
    page = text_of(client.get(draft))
    with app.app_context():
        names = {u.id: u.name for u in db.session.scalars(select(User))}
    assert "This draft is older than the round's latest changes." in page
    assert f"Barred {names[student_id]} with {names[mentor_id]}" in page
    assert "Weight: Goals met: 2 → 3" in page
    assert "Publish this draft anyway" in page

    refused = post_form(client, f"/rounds/{round_id}/publish", {"draft": "1"}, page=draft)
    assert refused.status_code == 400
    said = text_of(refused)
    assert "Draft 1 was solved before the changes listed on its page." in said
    assert "Nothing was published." in said
    assert "This draft is older than the round's latest changes." in said
    with app.app_context():
        assert db.session.get(Round, round_id).status is RoundStatus.OPEN
        assert db.session.scalar(select(func.count()).select_from(Introduction)) == 0

    published = post_form(
        client,
        f"/rounds/{round_id}/publish",
        {"draft": "1", "confirm_outdated": "y"},
        page=draft,
    )
    assert published.status_code == 303
    with app.app_context():
        assert db.session.get(Round, round_id).status is RoundStatus.PUBLISHED
        assert db.session.scalar(select(func.count()).select_from(Introduction)) == 2
    for page in (f"/rounds/{round_id}", draft):
        locked = text_of(client.get(page))
        assert f"Barred : {names[student_id]} with {names[mentor_id]}" in locked
        assert "never made in this round" in locked
        assert "Un-bar" not in locked
        assert "solve again to replace it" not in locked


def test_a_draft_solved_after_the_changes_publishes_without_a_confirmation(app, world):
    round_id, _, _ = paired_round(world)
    student_id, mentor_id = matched_pair(world, round_id)
    client = logged_in(app, world.coordinator)
    constrain(client, round_id, student_id, mentor_id, "pin", f"/rounds/{round_id}")
    world.solve(round_id)
    draft = f"/rounds/{round_id}/drafts/2"
    page = text_of(client.get(draft))
    assert "older than the round's latest changes" not in page
    assert "Publish this draft anyway" not in page
    older = text_of(client.get(f"/rounds/{round_id}/drafts/1"))
    assert "This is not the newest draft: draft 2 was solved after it." in older
    assert "older than the round's latest changes" in older
    response = post_form(client, f"/rounds/{round_id}/publish", {"draft": "2"}, page=draft)
    assert response.status_code == 303
    with app.app_context():
        assert db.session.get(Round, round_id).status is RoundStatus.PUBLISHED


def blocking_world(app, world):
    """Ava ranks Dr Near first and Dr Near marks her, but Dr Far fits her goals far better on
    a round that counts preferences little: the draft gives her Dr Far and leaves Dr Near's
    place free, so Ava and Dr Near would both rather have each other."""
    ava = world.student("Ava Chen", goals=("research",))
    near = world.mentor("Dr Near", offers=("letters",))
    far = world.mentor("Dr Far", offers=("research",))
    weights = {
        "specialty": 4,
        "focus": 2,
        "goals": 4,
        "stage": 1,
        "institution": 1,
        "student_preference": 0.1,
        "mentor_preference": 0.1,
        "waited": 1,
    }
    round_id = world.round(weights=weights)
    world.enrol(round_id, ava)
    with app.app_context():
        round_ = db.session.get(Round, round_id)
        taking_part.set_preferences(round_, db.session.get(User, ava.id), [near.id])
        taking_part.set_likes(round_, db.session.get(User, near.id), [ava.id])
        db.session.commit()
    world.solve(round_id)
    return round_id, ava, near, far


def test_blocking_pairs_are_listed_by_name_with_both_explanations(app, world):
    round_id, ava, near, far = blocking_world(app, world)
    assert world.pairs(round_id, 1)[(ava.id, "faculty")] == far.id
    stats = world.stats(round_id, 1)
    assert stats["blocking_pairs"] == 1
    assert stats["blocking_list"] == [
        {"student_id": ava.id, "slot": "faculty", "mentor_id": near.id}
    ]
    client = logged_in(app, world.coordinator)
    draft = client.get(f"/rounds/{round_id}/drafts/1").get_data(as_text=True)
    assert f'href="/rounds/{round_id}/drafts/1/blocking"' in draft

    listing = client.get(f"/rounds/{round_id}/drafts/1/blocking")
    assert listing.status_code == 200
    html = listing.get_data(as_text=True)
    assert f'href="/rounds/{round_id}/drafts/1/students/{ava.id}">Ava Chen</a>' in html
    assert f'href="/rounds/{round_id}/drafts/1/mentors/{near.id}">Dr Near</a>' in html
    row = text_of(listing)
    assert "Ava Chen Faculty mentor Dr Near Dr Far" in row

    mentor_page = client.get(f"/rounds/{round_id}/drafts/1/mentors/{near.id}")
    assert mentor_page.status_code == 200
    said = text_of(mentor_page)
    assert "Nobody: this draft places no student with them." in said
    assert "Ava Chen : choice 1, not placed with them" in said
    assert "Ava Chen (Faculty mentor) would rather have Dr Near than Dr Far" in said

    student_page = text_of(client.get(f"/rounds/{round_id}/drafts/1/students/{ava.id}"))
    assert "Blocking pairs with Ava Chen" in student_page
    assert "Ava Chen would rather have Dr Near than Dr Far" in student_page

    far_page = text_of(client.get(f"/rounds/{round_id}/drafts/1/mentors/{far.id}"))
    assert "Placed with them in draft 1" in far_page
    assert "Ava Chen" in far_page


def test_a_mentor_page_of_someone_outside_the_round_is_not_found(app, world, student):
    round_id, people, _ = paired_round(world)
    client = logged_in(app, world.coordinator)
    assert client.get(f"/rounds/{round_id}/drafts/1/mentors/{people[0].id}").status_code == 404
    assert client.get(f"/rounds/{round_id}/drafts/1/mentors/999999").status_code == 404
    assert client.get(f"/rounds/{round_id}/drafts/9/blocking").status_code == 404


def test_a_draft_without_preferences_from_both_sides_lists_no_blocking_pair(app, world):
    round_id, _, _ = paired_round(world)
    client = logged_in(app, world.coordinator)
    page = text_of(client.get(f"/rounds/{round_id}/drafts/1/blocking"))
    assert "None counted: blocking pairs need preferences from both sides" in page
    with app.app_context():
        shown = drafts.draft(db.session.get(Round, round_id), 1)
        assert drafts.blocking_list(shown) == []


def test_every_round_page_reads_true_to_the_round_s_phase(app, world, frozen_clock):
    round_id, people, tutors = paired_round(world)
    coordinator = logged_in(app, world.coordinator)
    student = logged_in(app, people[0])
    mentor = logged_in(app, tutors[0])
    url = f"/rounds/{round_id}"
    index = f"/groups/{world.group_id}/rounds"
    stays = "Preferences stay open until the round is published."
    for client in (coordinator, student, mentor):
        assert stays in text_of(client.get(url))

    with app.app_context():
        db.session.get(Round, round_id).preference_deadline = frozen_clock.now + timedelta(days=1)
        db.session.commit()
    for client in (coordinator, student, mentor):
        assert "Preferences close 02 Sep 2026, 09:00 UTC." in text_of(client.get(url))

    frozen_clock.advance(days=2)
    for client in (coordinator, student, mentor):
        page = text_of(client.get(url))
        assert "Preferences closed 02 Sep 2026, 09:00 UTC" in page
        assert "Preferences closed" in page
        assert "stay open" not in page
        assert "Preferences close 02" not in page
    assert "Mark students" not in text_of(mentor.get(url))
    newcomer = logged_in(app, world.student("Nia Newcomer"))
    joining = text_of(newcomer.get(url))
    assert (
        "The preference deadline has passed: you can still join, but not rank mentors." in joining
    )
    assert "You can rank up to five mentors" not in joining
    assert "Preferences closed" in text_of(coordinator.get(index))
    for page in (f"/groups/{world.group_id}", f"/groups/{world.group_id}/dashboard"):
        shown = coordinator.get(page).get_data(as_text=True)
        assert '<span class="badge closed">Preferences closed</span>' in shown
        assert '<span class="badge open">' not in shown

    with app.app_context():
        db.session.get(Round, round_id).preference_deadline = None
        db.session.commit()
    post_form(coordinator, f"/rounds/{round_id}/publish", {"draft": "1"}, page=f"{url}/drafts/1")
    for client in (coordinator, student, mentor):
        page = text_of(client.get(url))
        assert "Published" in page
        assert "stay open" not in page
        assert "until publishing" not in page
        assert "Preferences close " not in page
    assert "preferences are closed and the round is locked" in text_of(coordinator.get(url))
    assert "Published" in text_of(coordinator.get(index))


def checked_slots(html: str) -> list[str]:
    return sorted(
        re.findall(r'<input[^>]*checked[^>]*name="slots"[^>]*value="(\w+)"', html)
        + re.findall(r'<input[^>]*name="slots"[^>]*value="(\w+)"[^>]*checked', html)
    )


def test_the_new_round_form_starts_with_the_group_s_seats_and_keeps_the_choices(app, world):
    world.student("Ava Chen", wanted=("faculty", "resident"))
    client = logged_in(app, world.coordinator)
    url = f"/groups/{world.group_id}/rounds/new"
    assert checked_slots(client.get(url).get_data(as_text=True)) == ["faculty", "resident"]

    data = round_form(name="", slots=["resident", "peer"])
    refused = post_form(client, url, data)
    assert refused.status_code == 400
    assert "This field is required." in refused.get_data(as_text=True)
    assert checked_slots(refused.get_data(as_text=True)) == ["peer", "resident"]

    world.round(slots=("external",), name="External round")
    assert checked_slots(client.get(url).get_data(as_text=True)) == ["external"]


def test_a_group_whose_students_ask_for_nothing_yet_starts_with_a_faculty_seat(app, world):
    client = logged_in(app, world.coordinator)
    url = f"/groups/{world.group_id}/rounds/new"
    assert checked_slots(client.get(url).get_data(as_text=True)) == ["faculty"]


def test_a_round_with_preferences_but_no_blocking_pair_says_so(app, world):
    ava = world.student("Ava Chen", goals=("research",))
    far = world.mentor("Dr Far", offers=("research",))
    near = world.mentor("Dr Near", offers=("letters",))
    round_id = world.round()
    world.enrol(round_id, ava)
    with app.app_context():
        round_ = db.session.get(Round, round_id)
        taking_part.set_preferences(round_, db.session.get(User, ava.id), [far.id])
        taking_part.set_likes(round_, db.session.get(User, near.id), [ava.id])
        db.session.commit()
    world.solve(round_id)
    assert world.stats(round_id, 1)["blocking_pairs"] == 0
    client = logged_in(app, world.coordinator)
    page = text_of(client.get(f"/rounds/{round_id}/drafts/1/blocking"))
    assert "None: no student and mentor would both rather have each other." in page


def test_a_draft_solved_before_pairs_were_listed_asks_to_solve_again(app, world):
    round_id, _, _, near = blocking_world(app, world)
    with app.app_context():
        shown = drafts.draft(db.session.get(Round, round_id), 1)
        shown.stats = {k: v for k, v in shown.stats.items() if k != "blocking_list"}
        db.session.commit()
    client = logged_in(app, world.coordinator)
    page = text_of(client.get(f"/rounds/{round_id}/drafts/1/blocking"))
    assert "solved before blocking pairs were listed by name; it counted 1" in page
    mentor = text_of(client.get(f"/rounds/{round_id}/drafts/1/mentors/{near.id}"))
    assert "This draft was solved before blocking pairs were listed by name." in mentor
