"""Every edit form, sent back exactly as it was shown, saves and loses nothing: each saved
value (a group's specialties, a profile's focus areas, a round's mentor kinds and weights, a
ranking) is shown selected, so a browser sends it back."""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from flask.testing import FlaskClient

from tests.helpers.security import Site
from tests.servers import Form, forms_in

TOKENS = ("csrf_token", "once_token")


@dataclass(frozen=True)
class Edit:
    owner: str
    path: Callable[[Site], str]
    seed: Callable[[Site], dict] = lambda s: {}


EDITS = {
    "groups.edit": Edit(
        "coord_a",
        lambda s: f"/groups/{s.ids['group_a']}/edit",
        lambda s: {"specialties": [str(s.ids["specialty"]), str(other_specialty(s))]},
    ),
    "profiles.edit (student)": Edit(
        "student_a", lambda s: "/profile/edit", lambda s: {"focus_areas": [str(s.ids["area"])]}
    ),
    "profiles.edit (mentor)": Edit(
        "mentor_a",
        lambda s: "/profile/edit",
        lambda s: {"focus_areas": [str(s.ids["area"])], "preferred_stages": ["ms2", "ms3"]},
    ),
    "rounds.settings": Edit(
        "coord_a",
        lambda s: f"/rounds/{s.ids['round_a']}/settings",
        lambda s: {"slots": ["faculty", "resident"], "min_score": "0.25", "w_goals": "2.5"},
    ),
    "rounds.preferences": Edit(
        "student_a2",
        lambda s: f"/rounds/{s.ids['round_a']}/preferences",
        lambda s: {"choice_1": str(s.users["mentor_a"].id)},
    ),
    "rounds.likes": Edit(
        "mentor_a",
        lambda s: f"/rounds/{s.ids['round_a']}/likes",
        lambda s: {"students": [str(s.users["student_a"].id)]},
    ),
    "introductions.settings": Edit(
        "coord_a",
        lambda s: f"/groups/{s.ids['group_a']}/introductions/settings",
        lambda s: {"response_days": "9", "rematch_policy": "coordinator"},
    ),
    "introductions.email_edit": Edit(
        "coord_a", lambda s: f"/groups/{s.ids['group_a']}/introductions/emails/ask"
    ),
    "admin.specialty": Edit("admin", lambda s: f"/admin/specialties/{s.ids['specialty']}"),
}


def other_specialty(site: Site) -> int:
    from sqlalchemy import select

    from matcher.extensions import db
    from matcher.models import Specialty

    with site.app.app_context():
        return db.session.scalar(
            select(Specialty.id).where(Specialty.id != site.ids["specialty"], Specialty.active)
        )


def shown(client: FlaskClient, path: str) -> Form:
    response = client.get(path)
    assert response.status_code == 200, path
    for form in forms_in(response.get_data(as_text=True)):
        if form.method == "post" and form.action in ("", path):
            return form
    raise AssertionError(f"no form posting to {path}")


def values(form: Form) -> list[tuple[str, str]]:
    return sorted((k, v) for k, v in form.fields if not k.endswith(TOKENS))


def send(client: FlaskClient, path: str, fields: list[tuple[str, str]]):
    from werkzeug.datastructures import MultiDict

    response = client.post(path, data=MultiDict(fields))
    assert response.status_code in (302, 303), (path, response.get_data(as_text=True)[-3000:])
    assert not response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("name", sorted(EDITS))
def test_an_edit_form_sent_back_unchanged_saves_and_keeps_everything(site, name):
    edit = EDITS[name]
    client, path = site.client(edit.owner), edit.path(site)
    seed = edit.seed(site)
    if seed:
        send(client, path, shown(client, path).values(**seed))
    before = shown(client, path)
    for field, value in seed.items():
        for one in value if isinstance(value, list) else [value]:
            assert (field, one) in before.fields, f"{field}={one} is not shown as saved"
    send(client, path, before.fields)
    assert values(shown(client, path)) == values(before)
