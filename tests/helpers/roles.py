"""Role helpers: accounts holding several roles (a student who peer-mentors, a student leader
who runs a group), and the two such people the mixed route walk adds to the site of
``tests/helpers/security.py``.
"""

from flask import Flask

from matcher.extensions import db
from matcher.introductions import services as intro_services
from matcher.models import (
    InterestGroup,
    Membership,
    MentorType,
    Role,
    Round,
    Stage,
    User,
)
from tests.helpers import give_mentor_profile, make_user
from tests.helpers.rounds import World
from tests.helpers.security import MARK, Site


def make_person(
    app: Flask,
    roles: tuple[Role, ...],
    email: str | None = None,
    name: str = "Test Person",
) -> User:
    """``make_user`` for an account holding every one of ``roles`` (the first names it)."""
    user = make_user(app, roles[0], email, name)
    return grant(app, user, *roles[1:])


def grant(app: Flask, user: User, *roles: Role) -> User:
    """Give ``user`` ``roles`` besides those held; the refreshed, detached user."""
    with app.app_context():
        row = db.session.get(User, user.id)
        row.roles = row.roles | set(roles)
        db.session.commit()
        db.session.refresh(row)
        db.session.expunge(row)
        return row


def add_mentor_side(
    app: Flask,
    user: User,
    *,
    kind: str = "peer",
    specialty: str = "Dermatology",
    capacity: int = 2,
    peer_stage: str | None = "ms4",
    offers: tuple[str, ...] = ("research",),
    institution: str = "Westbrook School of Medicine",
) -> User:
    """Make ``user`` (a student, say) a mentor too, with a complete mentor profile."""
    user = grant(app, user, Role.MENTOR)
    give_mentor_profile(
        app,
        user,
        specialty,
        mentor_type=MentorType(kind),
        institution=institution,
        offers=list(offers),
        capacity=capacity,
        peer_stage=Stage(peer_stage) if kind == "peer" and peer_stage else None,
        pgy=2 if kind == "resident" else None,
    )
    return user


def make_coordinator_of(app: Flask, user: User, group_id: int) -> None:
    """Put ``user`` on the group's list of coordinators, whatever their roles."""
    with app.app_context():
        group = db.session.get(InterestGroup, group_id)
        group.coordinators.append(db.session.get(User, user.id))
        db.session.commit()


def join_group(app: Flask, user: User, group_id: int) -> None:
    """Make ``user`` an active member of the group."""
    with app.app_context():
        db.session.add(Membership(group_id=group_id, user_id=user.id))
        db.session.commit()


def introduce(app: Flask, round_id: int, student: User, mentor: User, slot: str) -> int:
    """A proposed introduction of ``student`` to ``mentor`` for ``slot``, made as the round's
    publishing makes it; its id."""
    with app.app_context():
        round_ = db.session.get(Round, round_id)
        actor = round_.group.coordinators[0]
        pair = intro_services.ProposedPair(student.id, mentor.id, slot, 0.7)
        (intro,) = intro_services.propose(round_, [pair], actor)
        db.session.commit()
        return intro.id


def add_mixed_people(site: Site) -> None:
    """Add to the site ``peer``, a student of group A who is also a peer mentor there (a mentee
    of ``mentor_a2`` and the peer mentor of ``student_a2``, in the open round on both sides),
    and ``leader``, a student of group A who coordinates it and is a plain member of group B
    (taking part in group B's open round)."""
    app, users, ids = site.app, site.users, site.ids
    world_a = World(app, ids["group_a"], users["coord_a"], [100])
    peer = world_a.student(f"{MARK} Pia Peer", wanted=("faculty", "peer"))
    users["peer"] = add_mentor_side(app, peer)
    users["leader"] = world_a.student(f"{MARK} Lee Leader")
    make_coordinator_of(app, users["leader"], ids["group_a"])
    join_group(app, users["leader"], ids["group_b"])
    World(app, ids["group_b"], users["coord_b"]).enrol(ids["round_b"], users["leader"])
    world_a.enrol(ids["round_a"], users["peer"])
    ids["peer_as_student"] = introduce(
        app, ids["published_a"], users["peer"], users["mentor_a2"], "faculty"
    )
    ids["peer_as_mentor"] = introduce(
        app, ids["published_a"], users["student_a2"], users["peer"], "peer"
    )
