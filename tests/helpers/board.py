"""Board helpers: publishing a round of the rounds ``World`` as a coordinator would, changing a
round or a group as their forms would, and a page or an email as its reader sees it."""

import html
import re
from datetime import date

from flask.testing import FlaskClient

from matcher.extensions import db
from matcher.models import InterestGroup, Introduction, Round, User
from matcher.rounds import publishing
from tests.helpers.rounds import World


def publish(world: World, round_id: int, number: int) -> list[int]:
    """Publish draft ``number``; the ids of the introductions it made."""
    with world.app.app_context():
        round_ = db.session.get(Round, round_id)
        intros = publishing.publish(round_, number, db.session.get(User, world.coordinator.id))
        db.session.commit()
        return [i.id for i in intros]


def solve_and_publish(world: World, round_id: int) -> list[int]:
    return publish(world, round_id, world.solve(round_id))


def set_results_date(world: World, round_id: int, day: date | None) -> None:
    with world.app.app_context():
        db.session.get(Round, round_id).results_expected_on = day
        db.session.commit()


def set_group(world: World, **fields) -> None:
    with world.app.app_context():
        group = db.session.get(InterestGroup, world.group_id)
        for name, value in fields.items():
            setattr(group, name, value)
        db.session.commit()


def intro_between(world: World, student: User, mentor: User) -> int:
    with world.app.app_context():
        return db.session.scalar(
            db.select(Introduction.id).where(
                Introduction.student_id == student.id, Introduction.mentor_id == mentor.id
            )
        )


def readable(markup: str) -> str:
    """Text as a reader sees it: tags gone, entities decoded, white space collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


def page(client: FlaskClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return readable(response.get_data(as_text=True))


def flat(text: str) -> str:
    """An email body with its lines joined, so sentences wrapped over lines read whole."""
    return " ".join(text.split())
