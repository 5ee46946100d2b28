"""One email per mentor: a round, a re-match or the tick asking one mentor about several
students sends one email listing every request with its own accept and decline links and
respond-by date; after answering one, the mentor's pages list the others."""

from matcher.extensions import db
from matcher.introductions import services
from matcher.models import Round, RoundStatus
from tests.helpers import deliver, logged_in, make_group, outbox, post_form
from tests.helpers.board import flat, readable

ANSWER = "/introductions/answer/"


def answer_links(body: str) -> list[str]:
    return [line.split()[-1] for line in body.splitlines() if ANSWER in line]


def path_of(link: str) -> str:
    return "/" + link.split("://", 1)[1].split("/", 1)[1]


def test_one_email_lists_every_request_with_its_own_links(world, smtp_server):
    sam, tess = world.students
    mina, omar = world.mentors[0], world.mentors[1]
    world.propose((sam, mina), (tess, mina), (tess, omar))
    deliver(world.app)

    [to_mina] = smtp_server.inbox.to(mina.email)
    assert to_mina["Subject"] == "2 students would like you as their mentor (Derm Interest Group)"
    body = to_mina.get_content()
    text = flat(body)
    assert "1. Sam Student — Faculty mentor" in text
    assert "2. Tess Student — Faculty mentor" in text
    assert text.count("Please answer by Tuesday 15 September 2026, 09:00 UTC.") == 2
    assert "Melanoma screening research hooked me on dermatology." in text
    assert "/introductions#pending" in text
    links = answer_links(body)
    assert len(links) == len(set(links)) == 4
    [single] = smtp_server.inbox.to(omar.email)
    assert single["Subject"] == "Would you mentor Tess Student? (Derm Interest Group)"

    sam_accept, sam_decline, tess_accept, tess_decline = map(path_of, links)
    assert "Decline Sam Student?" in world.app.test_client().get(sam_decline).get_data(as_text=True)
    client = world.app.test_client()
    assert "Accept Sam Student?" in client.get(sam_accept).get_data(as_text=True)
    assert "Decline Tess Student?" in client.get(tess_decline).get_data(as_text=True)
    done = post_form(client, sam_accept)
    assert done.status_code == 200
    page = readable(done.get_data(as_text=True))
    assert "Thank you for mentoring Sam Student" in page
    assert "1 more request waiting for your answer" in page
    assert "Tess Student · Faculty mentor · Derm Interest Group" in page
    assert "Please answer by 15 Sep 2026, 09:00" in page
    html = done.get_data(as_text=True)
    assert "Sam Student…" not in page
    offered = [part.split('"')[0] for part in html.split(f'href="{ANSWER}')[1:]]
    assert len(offered) == 2
    second = client.get(ANSWER + offered[0])
    assert second.status_code == 200
    assert "Accept Tess Student?" in second.get_data(as_text=True)
    assert client.get(tess_accept).status_code == 200


def test_reminders_go_out_as_one_email_per_mentor_per_tick(world, frozen_clock):
    sam, tess = world.students
    mina, omar = world.mentors[0], world.mentors[1]
    world.propose((sam, mina), (tess, mina), (sam, omar))
    frozen_clock.advance(days=7)
    assert world.tick().reminded == 3
    assert world.tick().reminded == 0

    subjects = [m.subject for m in outbox(world.app, mina.email)]
    assert subjects == [
        "2 students would like you as their mentor (Derm Interest Group)",
        "Reminder: 2 students are waiting for your answer (Derm Interest Group)",
    ]
    reminder = flat(outbox(world.app, mina.email)[-1].body_text)
    assert "1. Sam Student" in reminder
    assert "2. Tess Student" in reminder
    assert reminder.count("Please answer by Tuesday 15 September 2026, 09:00 UTC.") == 2
    assert [m.subject for m in outbox(world.app, omar.email)][-1] == (
        "Reminder: would you mentor Sam Student? (Derm Interest Group)"
    )
    notes = [e.note for e in world.intro(world.intros()[0].id).events]
    assert notes[-1] == "Reminder sent to the mentor"


def test_one_reminder_for_requests_from_two_groups(world, frozen_clock):
    sam, tess = world.students
    mina = world.mentor
    other = make_group(world.app, "Surgery Society", members=(tess, mina))
    world.propose((sam, mina))
    with world.app.app_context():
        round_ = Round(
            group_id=other, name="Society round", slots=["faculty"], status=RoundStatus.PUBLISHED
        )
        db.session.add(round_)
        db.session.flush()
        services.propose(round_, [services.ProposedPair(tess.id, mina.id, "faculty", 0.7)], None)
        db.session.commit()
    frozen_clock.advance(days=7)
    assert world.tick().reminded == 2

    reminder = outbox(world.app, mina.email)[-1]
    assert reminder.subject == (
        "Reminder: 2 students are waiting for your answer (Derm Interest Group and Surgery Society)"
    )
    body = flat(reminder.body_text)
    assert "Group: Derm Interest Group" in body
    assert "Group: Surgery Society" in body
    assert len(outbox(world.app, mina.email)) == 3


def test_a_group_words_the_several_requests_email(world):
    client = logged_in(world.app, world.coordinator)
    url = f"/groups/{world.group_id}/introductions/emails/ask_several"
    shown = readable(client.get(url).get_data(as_text=True))
    assert "{requests}" in shown
    assert "2. Riley Example — Resident or fellow" in shown
    saved = post_form(
        client,
        url,
        {
            "subject": "{request_count} for you, {recipient_name}",
            "body": "Hello. {requests}\nAll: {dashboard_link}\nFirst expiry {respond_by}",
            "submit": "Save",
        },
    )
    assert saved.status_code == 302
    sam, tess = world.students
    world.propose((sam, world.mentor), (tess, world.mentor))
    [ask] = outbox(world.app, world.mentor.email)
    assert ask.subject == "2 for you, Dr. Mina Mentor"
    assert "1. Sam Student" in ask.body_text
    assert "First expiry Tuesday 15 September 2026" in ask.body_text


def test_after_accepting_the_mentor_page_lists_the_other_requests(world):
    sam, tess = world.students
    first, second = world.propose((sam, world.mentor), (tess, world.mentor))
    client = logged_in(world.app, world.mentor)
    listing = readable(client.get("/introductions").get_data(as_text=True))
    assert "Sam Student · Faculty mentor · Derm Interest Group Please answer by 15 Sep" in listing

    accepted = post_form(client, f"/introductions/{first}/accept", page="/introductions")
    assert accepted.status_code == 302
    page = readable(client.get(accepted.headers["Location"]).get_data(as_text=True))
    assert "You accepted Sam Student." in page
    assert "1 more request waits for your answer below." in page
    assert "Requests still waiting for your answer Tess Student" in page
    html = client.get(f"/introductions/{first}").get_data(as_text=True)
    assert f'action="/introductions/{second}/accept"' in html
    assert f'href="/introductions/{second}/decline"' in html
