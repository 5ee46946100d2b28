"""No one is matched with themselves, and a peer mentor is never offered their own mentor as a
mentee: in a round's solve, in the re-match's choices and solve, and in requests.

Each case is built so that the forbidden pair is the best pair on score (the same school,
specialty and goals, the right years ahead), and a control solve of the same people without
``Population.never`` shows it would be chosen.
"""

import secrets
from dataclasses import replace

import numpy as np
import pytest
from sqlalchemy import select

from matcher.extensions import db
from matcher.introductions import services as intro_services
from matcher.models import InterestGroup, Introduction, Round, RoundConstraint, User
from matcher.rounds.taking_part import participants
from matcher.solving import population, rematch
from matcher.solving import settings as round_settings
from matcher.solving.assignment import assign_round
from tests.helpers import hidden_fields, logged_in, post_form
from tests.helpers.roles import add_mentor_side, introduce
from tests.helpers.rounds import World

SCHOOL = "Westbrook School of Medicine"


def peer_mentor(world: World, name: str, **student) -> User:
    """A student of the group (MS2, wanting a peer mentor) who is also its peer mentor (MS4,
    the same school, specialty and goals): on paper their own best peer mentor."""
    user = world.student(name, stage="ms2", wanted=("peer",), school=SCHOOL, **student)
    return add_mentor_side(world.app, user, institution=SCHOOL, peer_stage="ms4")


def weaker_peer(world: World) -> User:
    """A peer mentor who fits less well: another school and other goals."""
    return world.mentor(
        "Wes Weaker",
        kind="peer",
        peer_stage="ms4",
        institution="Lakeside Medical Center",
        offers=("letters",),
        capacity=3,
    )


def solved(world: World, *students: User) -> tuple[int, dict[int, int | None]]:
    """A peer-seat round of ``students`` solved as a coordinator solves it: the round and
    each student's peer mentor in its draft."""
    round_id = world.round(slots=("peer",), name=f"Round {secrets.token_hex(3)}")
    world.enrol(round_id, *students)
    number = world.solve(round_id)
    pairs = world.pairs(round_id, number)
    return round_id, {s.id: pairs[(s.id, "peer")] for s in students}


def without_never(app, round_id: int) -> dict[int, int | None]:
    """The control: the same round solved with ``Population.never`` emptied."""
    with app.app_context():
        round_ = db.session.get(Round, round_id)
        pop = population.load(round_.group_id, participants(round_.id), round_id=round_.id)
        assert pop.never.size > 0
        free = replace(pop, never=np.zeros((0, 2), dtype=np.int64))
        result = assign_round(free, ["peer"], round_settings.parse(round_.settings))
        return {
            int(pop.student_ids[o.student_index]): (
                None if o.mentor_index is None else int(pop.mentor_ids[o.mentor_index])
            )
            for o in result.outcomes
        }


def candidates(app, world: World, student: User) -> list[int]:
    """The mentors the re-match offers ``student`` for the peer seat, best first."""
    with app.app_context():
        found = rematch.eligible_for(world.group_id, [(student.id, "peer")])
        return [c.mentor_id for c in found[(student.id, "peer")]]


def next_mentor(app, world: World, student: User) -> int | None:
    """The mentor the re-match's own solve proposes for ``student``'s peer seat."""
    with app.app_context():
        group = db.session.get(InterestGroup, world.group_id)
        pairs = rematch.next_mentors(group, [(student.id, "peer")], set())
        return next((p.mentor_id for p in pairs if p.student_id == student.id), None)


@pytest.fixture
def self_pair(app, world):
    """``peer`` (both sides, their own best match) and a weaker peer mentor."""
    return {"peer": peer_mentor(world, "Pia Peer"), "weaker": weaker_peer(world)}


@pytest.fixture
def own_mentor(app, world):
    """``quinn`` peer-mentors ``pia`` (an accepted introduction); both are students and peer
    mentors, and in a round where Quinn wants a peer mentor, Pia is the best fit on paper."""
    people = {
        "pia": peer_mentor(world, "Pia Peer"),
        "quinn": peer_mentor(world, "Quinn Quill"),
        "weaker": weaker_peer(world),
    }
    earlier = world.round(slots=("peer",), name="Earlier round")
    intro_id = introduce(app, earlier, people["pia"], people["quinn"], "peer")
    with app.app_context():
        intro = db.session.get(Introduction, intro_id)
        intro_services.accept(intro, intro.mentor)
        db.session.commit()
    return people


def test_a_two_sided_person_is_never_matched_with_themselves(app, world, self_pair):
    peer, weaker = self_pair["peer"], self_pair["weaker"]
    round_id, got = solved(world, peer)
    assert without_never(app, round_id) == {peer.id: peer.id}
    assert got == {peer.id: weaker.id}


def test_the_rematch_never_offers_a_person_themselves(app, world, self_pair):
    peer, weaker = self_pair["peer"], self_pair["weaker"]
    other = world.student("Oli Other", stage="ms2", wanted=("peer",), school=SCHOOL)
    assert candidates(app, world, other)[0] == peer.id
    assert candidates(app, world, peer) == [weaker.id]
    assert next_mentor(app, world, peer) == weaker.id


def test_a_peer_mentor_is_never_matched_with_their_own_mentor(app, world, own_mentor):
    pia, quinn, weaker = own_mentor["pia"], own_mentor["quinn"], own_mentor["weaker"]
    round_id, got = solved(world, quinn)
    assert without_never(app, round_id)[quinn.id] == pia.id
    assert got == {quinn.id: weaker.id}


def test_the_rematch_never_offers_a_peer_mentor_their_own_mentor(app, world, own_mentor):
    pia, quinn, weaker = own_mentor["pia"], own_mentor["quinn"], own_mentor["weaker"]
    assert pia.id not in candidates(app, world, quinn)
    assert weaker.id in candidates(app, world, quinn)
    assert next_mentor(app, world, quinn) == weaker.id


def test_both_rules_hold_in_one_round(app, world, own_mentor):
    """Quinn and another two-sided student in one round with Pia, whose peer seat Quinn
    holds already: nobody gets themselves, and Quinn never gets Pia."""
    pia, quinn = own_mentor["pia"], own_mentor["quinn"]
    rae = peer_mentor(world, "Rae Ray")
    round_id = world.round(slots=("peer",), name="Both rules")
    world.enrol(round_id, pia, quinn, rae)
    pairs = world.pairs(round_id, world.solve(round_id))
    assert (pia.id, "peer") not in pairs
    assert pairs[(quinn.id, "peer")] not in (None, quinn.id, pia.id)
    assert pairs[(rae.id, "peer")] not in (None, rae.id)


def test_a_request_to_oneself_is_not_found(app, world, self_pair):
    peer, weaker = self_pair["peer"], self_pair["weaker"]
    with app.app_context():
        db.session.get(InterestGroup, world.group_id).requests_open = True
        db.session.commit()
    client = logged_in(app, peer)
    assert client.get(f"/mentors/{weaker.id}/request").status_code == 200
    own = f"/mentors/{peer.id}/request"
    assert client.get(own).status_code == 404
    data = {
        **hidden_fields(client, f"/mentors/{weaker.id}/request"),
        "once_token": secrets.token_urlsafe(24),
        "seat": f"{world.group_id}:peer",
        "note": "Could you mentor me?",
    }
    assert client.post(own, data=data).status_code == 404
    with app.app_context():
        assert db.session.scalars(select(Introduction).where(Introduction.requested)).all() == []


def ask(app, world: World, student: User, mentor: User):
    """The student sends the request form for ``mentor``'s peer place, as a browser would."""
    client = logged_in(app, student)
    url = f"/mentors/{mentor.id}/request"
    tokens = {"once_token": secrets.token_urlsafe(24), **hidden_fields(client, url)}
    data = {**tokens, "seat": f"{world.group_id}:peer", "note": "Could you mentor me?"}
    return client.post(url, data=data)


def test_a_peer_mentors_own_mentor_cannot_ask_them_by_request(app, world, own_mentor):
    pia, quinn = own_mentor["pia"], own_mentor["quinn"]
    with app.app_context():
        db.session.get(InterestGroup, world.group_id).requests_open = True
        db.session.commit()
    other = world.student("Oli Other", stage="ms2", wanted=("peer",), school=SCHOOL)
    assert ask(app, world, other, pia).status_code == 302
    refused = ask(app, world, quinn, pia)
    assert refused.status_code == 409
    assert "You mentor Pia Peer, so Pia Peer cannot be your mentor too." in refused.get_data(
        as_text=True
    )
    profile = logged_in(app, quinn).get(f"/people/{pia.id}")
    assert profile.status_code == 200
    assert "Pia Peer" in profile.get_data(as_text=True)
    assert "to mentor you" not in profile.get_data(as_text=True)
    with app.app_context():
        asked = db.session.scalars(select(Introduction.student_id).where(Introduction.requested))
        assert list(asked) == [other.id]


def test_a_coordinator_cannot_pin_a_person_to_themselves(app, world, self_pair):
    peer, weaker = self_pair["peer"], self_pair["weaker"]
    round_id = world.round(slots=("peer",), name="Pinned round")
    world.enrol(round_id, peer)
    client = logged_in(app, world.coordinator)
    page = f"/rounds/{round_id}"
    for mentor, message in (
        (peer, "Nobody can be matched with themselves."),
        (weaker, "Pinned."),
    ):
        data = {"student_id": peer.id, "mentor_id": mentor.id, "kind": "pin"}
        response = post_form(client, f"{page}/constraints", data, page=page)
        assert response.status_code == 303
        assert message in client.get(response.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        pinned = db.session.execute(
            select(RoundConstraint.student_id, RoundConstraint.mentor_id)
        ).all()
    assert pinned == [(peer.id, weaker.id)]
