"""The student's board page: each seat they want, in each of their groups, with what happens
next."""

from flask import Blueprint, render_template
from flask_login import current_user

from matcher.access import role_required
from matcher.board import services
from matcher.introductions.services import open_requests
from matcher.models import Role

bp = Blueprint("board", __name__)


@bp.get("/board")
@role_required(Role.STUDENT)
def index():
    return render_template(
        "board/index.html",
        boards=services.boards(current_user),
        requests=open_requests(current_user.id),
    )
