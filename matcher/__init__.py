"""matcher: mentorship matching for medical-school specialty interest groups."""

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: Mapping[str, Any] | str | None = None) -> Flask:
    """Build the app. ``config``: an environment name or settings overriding the environment."""
    import config as settings_module
    from matcher import (
        cli,
        errors,
        extensions,
        mail,
        ratelimit,
        security,
        templating,
        timezones,
        urls,
        worker,
    )
    from matcher.database import configure_sqlite

    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    settings = settings_module.load(config)
    app.config.from_mapping(settings)
    app.config["SQLALCHEMY_DATABASE_URI"] = _database_url(settings["DATABASE_URL"])
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", _engine_options(app.config))

    extensions.db.init_app(app)
    extensions.migrate.init_app(app, extensions.db, directory=str(ROOT / "migrations"))
    extensions.csrf.init_app(app)
    ratelimit.init_app(app)
    extensions.limiter.init_app(app)
    security.init_app(app)
    mail.init_app(app)
    templating.init_app(app)
    timezones.init_app(app)

    with app.app_context():
        engine = extensions.db.engine
        if engine.dialect.name == "sqlite":
            configure_sqlite(engine, app.config["SQLITE_BUSY_TIMEOUT_MS"])

    app.url_map.converters["int"] = urls.IdConverter

    from matcher.admin.routes import bp as admin_bp
    from matcher.auth.routes import bp as auth_bp
    from matcher.board.routes import bp as board_bp
    from matcher.groups.routes import bp as groups_bp
    from matcher.institutions.routes import bp as institutions_bp
    from matcher.introductions import signals as introduction_signals
    from matcher.introductions.routes import bp as introductions_bp
    from matcher.jobs.routes import bp as jobs_bp
    from matcher.main.routes import bp as main_bp
    from matcher.meetings import services as meetings
    from matcher.meetings.routes import bp as meetings_bp
    from matcher.profiles.routes import bp as profiles_bp
    from matcher.requests.routes import bp as requests_bp
    from matcher.rosters.routes import bp as rosters_bp
    from matcher.rounds.routes import bp as rounds_bp
    from matcher.subscriptions.routes import bp as subscriptions_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(profiles_bp)
    app.register_blueprint(groups_bp)
    app.register_blueprint(introductions_bp)
    app.register_blueprint(meetings_bp)
    introduction_signals.ended.connect(meetings.introduction_ended)
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(institutions_bp, url_prefix="/admin/institutions")
    app.register_blueprint(rosters_bp, url_prefix="/groups/<int:group_id>/roster")
    app.register_blueprint(rounds_bp)
    app.register_blueprint(board_bp)
    app.register_blueprint(requests_bp)
    app.register_blueprint(jobs_bp)
    app.register_blueprint(subscriptions_bp)
    errors.init_app(app)
    cli.init_app(app)
    worker.init_app(app)
    return app


def _database_url(url: str) -> str:
    """Accept the common ``postgres://`` spelling and use psycopg 3 for PostgreSQL."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def _engine_options(config: Mapping[str, Any]) -> dict[str, Any]:
    if config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return {"connect_args": {"timeout": config["SQLITE_BUSY_TIMEOUT_MS"] / 1000}}
    return {"pool_pre_ping": True}
