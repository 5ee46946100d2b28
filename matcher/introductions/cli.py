"""``flask --app wsgi introductions tick``: the time-driven work, for cron or a systemd timer."""

import click

from matcher.extensions import db
from matcher.introductions import bp


@bp.cli.command("tick")
def tick_command() -> None:
    """Send due reminders and check-ins, expire, re-match and close introductions, once.

    Safe to run often and concurrently: nothing is sent twice. The mail goes out with
    ``flask --app wsgi outbox send``.
    """
    from matcher.introductions.tick import tick

    report = tick()
    db.session.commit()
    for line in report.errors:
        click.echo(line, err=True)
    click.echo(str(report))
    if report.errors:
        raise SystemExit(1)
