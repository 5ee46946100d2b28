"""Entry point for gunicorn (``wsgi:app``) and the ``flask --app wsgi`` commands."""

from matcher import collector, create_app

app = create_app()
collector.settle_for_serving()
