"""Command-line tasks: ``flask --app wsgi <command>``."""

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from matcher import demo, worker
from matcher.auth import services as accounts
from matcher.extensions import db
from matcher.institutions import services as institution_list
from matcher.introductions.tick import tick
from matcher.mail.digest import send_digests
from matcher.mail.sender import send_pending
from matcher.models import Role


def init_app(app: Flask) -> None:
    app.cli.add_command(create_admin)
    app.cli.add_command(seed_demo)
    app.cli.add_command(outbox)
    app.cli.add_command(introductions)
    app.cli.add_command(institutions)
    app.cli.add_command(worker_command)


@click.command("worker")
@with_appcontext
@click.option(
    "--threads",
    default=4,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Tasks run at once: long jobs, the introductions tick and the mail sender.",
)
def worker_command(threads: int) -> None:
    """Run the worker: long jobs, the introductions tick and the mail sender, until stopped
    (SIGTERM lets running tasks finish first; Ctrl-C stops at once)."""
    worker.run(current_app._get_current_object(), threads)


@click.command("create-admin")
@with_appcontext
@click.option("--email", prompt=True, help="The admin's email (their log-in).")
@click.option("--name", prompt=True, help="The admin's full name.")
@click.password_option(
    "--password", envvar="MATCHER_ADMIN_PASSWORD", help="Prompted for when not given."
)
def create_admin(email: str, name: str, password: str) -> None:
    """Create an admin account, or make an existing account an admin."""
    user = accounts.find_user(email)
    if user is not None:
        user.roles = user.roles | {Role.ADMIN}
        user.end_sessions()
        db.session.commit()
        click.echo(f"{user.email} is now an admin.")
        return
    try:
        user = accounts.create_user(email, name, password, Role.ADMIN)
    except accounts.AccountError as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"Admin {user.email} created.")


@click.command("seed-demo")
@with_appcontext
def seed_demo() -> None:
    """Fill an empty database with realistic demo data (running it again changes nothing)."""
    try:
        created = demo.seed()
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo("Demo data created." if created else "Demo data already present; nothing changed.")
    click.echo(demo.logins_text())


@click.group(cls=AppGroup)
def outbox() -> None:
    """The mail outbox."""


@outbox.command("send")
def outbox_send() -> None:
    """Send every due message once (the worker does this every MAIL_SEND_INTERVAL seconds)."""
    report = send_pending()
    for line in report.errors:
        click.echo(line, err=True)
    if report.unreachable:
        click.echo(
            f"Mail server unreachable ({report.unreachable}); messages stay queued.", err=True
        )
    click.echo(f"sent {report.sent}, retrying {report.retrying}, failed {report.failed}")
    if report.unreachable or report.failed:
        raise SystemExit(1)


@outbox.command("digest")
@click.option(
    "--now",
    "everything",
    is_flag=True,
    help="Send every held message in its digest now, whatever the hour.",
)
def outbox_digest(everything: bool) -> None:
    """Make each daily digest that is due: one email per person gathering the non-urgent mail
    held for them (the worker does this every MAIL_DIGEST_INTERVAL seconds; running it again
    sends nothing twice). The sender then sends them."""
    report = send_digests(everything=everything)
    for line in report.errors:
        click.echo(line, err=True)
    click.echo(str(report))


@click.group(cls=AppGroup)
def introductions() -> None:
    """The introductions' time-driven work."""


@introductions.command("tick")
def tick_command() -> None:
    """Send due reminders and check-ins, expire, re-match and close introductions, once.

    The worker does this every INTRODUCTIONS_TICK_SECONDS; running it by hand as well is
    safe (nothing is sent twice). The worker sends the mail it queues.
    """
    report = tick()
    db.session.commit()
    for line in report.errors:
        click.echo(line, err=True)
    click.echo(str(report))
    if report.errors:
        raise SystemExit(1)


@click.group(cls=AppGroup)
def institutions() -> None:
    """The institution list as CSV (the same file as Admin → Institutions)."""


@institutions.command("import")
@click.argument("file", type=click.File("rb"))
def institutions_import(file) -> None:
    """Add or update institutions from a CSV FILE ("-" reads standard input).

    Columns: name, kind, aliases, region, home, departments, confirmed; only name is required.
    All or nothing: with any problem nothing changes and every problem is listed.
    """
    try:
        summary = institution_list.import_upload(file.read(), None)
    except institution_list.InstitutionImportError as exc:
        db.session.rollback()
        for line in exc.errors:
            click.echo(line, err=True)
        raise click.ClickException("Nothing was imported.") from None
    db.session.commit()
    click.echo(summary.message())


@institutions.command("export")
@click.argument("file", type=click.File("w", encoding="utf-8"), default="-")
def institutions_export(file) -> None:
    """Write every institution as CSV to FILE (standard output when not given)."""
    file.write(institution_list.export_csv())
