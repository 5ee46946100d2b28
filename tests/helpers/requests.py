"""Request helpers: the introductions' world with a student asking mentors for a seat on the
site, as a browser would, and reading what the requests became."""

import secrets
from dataclasses import dataclass

from sqlalchemy import select

from matcher.extensions import db
from matcher.models import Introduction, User
from tests.helpers import hidden_fields, logged_in
from tests.helpers.introductions import World


@dataclass
class Asking(World):
    """A group whose students may ask its mentors directly."""

    def ask(
        self,
        mentor: User,
        slot: str = "faculty",
        note: str = "Your melanoma research is why I chose dermatology.",
        student: User | None = None,
        client=None,
        page: str | None = None,
    ):
        """The student (the first by default) sends the request form, with the tokens of
        ``page`` (the mentor's request page by default; a page without the form, as a
        crafted request would, gets a fresh one-time token); the response."""
        client = client or logged_in(self.app, student or self.student)
        url = f"/mentors/{mentor.id}/request"
        tokens = {"once_token": secrets.token_urlsafe(24), **hidden_fields(client, page or url)}
        data = {**tokens, "seat": f"{self.group_id}:{slot}", "note": note}
        return client.post(url, data=data)

    def requests(self, student: User | None = None) -> list[Introduction]:
        """The student's requests, oldest first, detached."""
        student = student or self.student
        with self.app.app_context():
            rows = list(
                db.session.scalars(
                    select(Introduction)
                    .where(Introduction.student_id == student.id, Introduction.requested)
                    .order_by(Introduction.id)
                )
            )
            db.session.expunge_all()
            return rows
