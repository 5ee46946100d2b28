"""Flask extensions, created unbound and bound to an app in ``create_app``."""

from flask import has_request_context, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from matcher.database import Base
from matcher.taskqueue import TaskQueue

MAX_PAGE = 1_000_000


class Database(SQLAlchemy):
    """Flask-SQLAlchemy whose ``paginate`` reads a page number beyond ``MAX_PAGE`` as page 1,
    as it reads one that is not a number: its offset would overflow the database driver."""

    def paginate(self, select, *, page=None, **kwargs):
        if page is None and has_request_context():
            page = request.args.get("page", 1, type=int)
            if not 1 <= page <= MAX_PAGE:
                page = 1
        return super().paginate(select, page=page, **kwargs)


db = Database(model_class=Base)
migrate = Migrate(render_as_batch=True, compare_type=True)
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address)
tasks = TaskQueue()
